/**
 * Every retention setting of a municipality in one place (issue 12, 保存期間の
 * 設定): imported snapshots (0007 retention_policy), closed cases (0084) and
 * persons' raw rows (0085). The API's /api/retention and the CLI's `retention`
 * read and save through this repository; the SQL of each table stays in the
 * repository that also purges it (retention, case-retention,
 * person-retention), so there is one statement per table and no copy.
 * Each table keys on municipality_id (its primary key).
 */
import {
  createCaseRetentionRepository,
  type StoredCaseRetention,
} from "./case-retention.repository.ts";
import type { Database } from "./database.ts";
import {
  createPersonRetentionRepository,
  type StoredPersonRetention,
} from "./person-retention.repository.ts";
import { createRetentionRepository, type StoredRetentionPolicy } from "./retention.repository.ts";

export interface StoredRetentionSettings {
  snapshots: StoredRetentionPolicy | undefined;
  cases: StoredCaseRetention | undefined;
  persons: StoredPersonRetention | undefined;
}

export interface RetentionSettingsChange {
  snapshots?: { keepSnapshots: number; keepMonths: number | null } | undefined;
  cases?: { closedYears: number; untilAge: number | null } | undefined;
  persons?: { years: number } | undefined;
}

export function createRetentionSettingRepository(db: Database) {
  const of = (d: Database) => ({
    snapshots: createRetentionRepository(d),
    cases: createCaseRetentionRepository(d),
    persons: createPersonRetentionRepository(d),
  });
  return {
    async get(m: number): Promise<StoredRetentionSettings> {
      const r = of(db);
      const [snapshots, cases, persons] = await Promise.all([
        r.snapshots.getPolicy(m),
        r.cases.getSetting(m),
        r.persons.getSetting(m),
      ]);
      return { snapshots, cases, persons };
    },

    /** Saves the settings given (one transaction) and returns every setting after. */
    async save(
      m: number,
      change: RetentionSettingsChange,
      actor: string,
    ): Promise<StoredRetentionSettings> {
      const save = async (d: Database) => {
        const r = of(d);
        if (change.snapshots) await r.snapshots.savePolicy(m, change.snapshots, actor);
        if (change.cases) await r.cases.saveSetting(m, change.cases, actor);
        if (change.persons) await r.persons.saveSetting(m, change.persons.years, actor);
      };
      if (db.isTransaction) await save(db);
      else await db.transaction().execute((trx) => save(trx));
      return this.get(m);
    },
  };
}
