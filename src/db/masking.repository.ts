/**
 * Masking rule versions of a municipality (issue 12, migration 0077): the
 * newest applies; every save appends a version with who, when and why.
 */
import { sql } from "kysely";
import { MimamoriError } from "../domain/errors.ts";
import {
  completeRules,
  DEFAULT_MASKING_RULES,
  MASKING_VERSION,
  type MaskingRules,
} from "../domain/policy/masking.ts";
import type { Database } from "./database.ts";

export interface MaskingRuleSet {
  /** 0: the default of the code (nothing saved yet). */
  version: number;
  /** Shown with each masked answer (X-Mimamori-Masking-Version, the child view). */
  label: string;
  rules: MaskingRules;
  note: string | null;
  createdBy: string | null;
  createdAt: Date | null;
}

export const DEFAULT_RULE_SET: MaskingRuleSet = {
  version: 0,
  label: MASKING_VERSION,
  rules: DEFAULT_MASKING_RULES,
  note: null,
  createdBy: null,
  createdAt: null,
};

interface Row {
  version: number;
  rules: unknown;
  note: string;
  created_by: string;
  created_at: Date;
}

const toSet = (r: Row): MaskingRuleSet => ({
  version: r.version,
  label: `第${r.version}版`,
  rules: completeRules((r.rules ?? {}) as Parameters<typeof completeRules>[0]),
  note: r.note,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

export function createMaskingRepository(db: Database) {
  return {
    /** The rules in force: the newest saved version, or the default. */
    async current(municipalityId: number): Promise<MaskingRuleSet> {
      const r = await db
        .selectFrom("masking_rule_version")
        .select(["version", "rules", "note", "created_by", "created_at"])
        .where("municipality_id", "=", municipalityId)
        .orderBy("version", "desc")
        .limit(1)
        .executeTakeFirst();
      return r ? toSet(r) : DEFAULT_RULE_SET;
    },

    /** Every saved version, newest first. */
    async history(municipalityId: number, limit = 100): Promise<MaskingRuleSet[]> {
      const rows = await db
        .selectFrom("masking_rule_version")
        .select(["version", "rules", "note", "created_by", "created_at"])
        .where("municipality_id", "=", municipalityId)
        .orderBy("version", "desc")
        .limit(limit)
        .execute();
      return rows.map(toSet);
    },

    /**
     * Saves `rules` as the next version. `basedOn` is the version the editor
     * started from: when someone saved in between, the save is refused
     * (conflict) instead of silently overwriting their change.
     */
    async save(
      municipalityId: number,
      input: { rules: MaskingRules; note: string; basedOn: number },
      actor: { userId: number | null; loginName: string },
    ): Promise<MaskingRuleSet> {
      const r = await sql<Row>`
        INSERT INTO masking_rule_version (municipality_id, version, rules, note, created_by, created_by_user_id)
        SELECT ${municipalityId}, ${input.basedOn + 1}, ${JSON.stringify(input.rules)}::jsonb,
               ${input.note}, ${actor.loginName}, ${actor.userId}
         WHERE COALESCE((SELECT max(version) FROM masking_rule_version
                          WHERE municipality_id = ${municipalityId}), 0) = ${input.basedOn}
        ON CONFLICT DO NOTHING
        RETURNING version, rules, note, created_by, created_at`.execute(db);
      const row = r.rows[0];
      if (!row)
        throw new MimamoriError(
          "conflict",
          "ほかの人が先にマスキングルールを保存しました。画面を再読み込みして、最新の版から変更してください。",
        );
      return toSet(row);
    },
  };
}
