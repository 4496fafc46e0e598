import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../../test/db.ts";
import { type Client, createTestApp, loginAs } from "../../../../test/http.ts";
import { type ScoredVillage, scoredVillage } from "../../../../test/workflow.ts";
import { createScoringRepository } from "../../../db/scoring.repository.ts";
import type { IsoDate } from "../../../domain/types.ts";
import { findRuleVersion } from "../../../pipeline/rules.ts";
import { scoreRun } from "../../../pipeline/score.ts";
import type { ModelCardView, ModelLabels, SavedModel } from "../../api-types.ts";
import type { App } from "../../app.ts";
import { DEFAULT_MUNICIPALITY_NAME } from "../../bootstrap.ts";

const AS_OF = "2024-04-01" as IsoDate;
const actor = { userId: null, loginName: "test" };
let t: TestDatabase;
let app: App;
let municipalityId: number;
let council: Client;
let plain: Client;
let village: ScoredVillage;

beforeAll(async () => {
  t = await createTestDatabase();
  village = await scoredVillage(t, DEFAULT_MUNICIPALITY_NAME);
  municipalityId = village.municipalityId;
  app = await createTestApp(t.db, t.url);
  council = await loginAs(app, t.db, "coord.council", ["coordinator"], { council: true });
  plain = await loginAs(app, t.db, "coord.plain", ["coordinator"]);
}, 300_000);

afterAll(async () => {
  await t?.drop();
  village?.cleanup();
});

const post = <T>(c: Client, path: string, body: unknown) =>
  c.json<T>(path, { method: "POST", body });

describe("モデルの学習", () => {
  it("a council member trains on 要対協 registration and gets the model card", async () => {
    const labels = await council.json<ModelLabels>("/api/models/labels");
    expect(labels.body.labels.map((l) => l.id)).toEqual(["yotaikyo", "ichiji_hogo", "conference"]);
    const r = await post<ModelCardView>(council, "/api/models/train", {
      difficulty: "abuse",
      kind: "logistic",
      label: "yotaikyo",
    });
    expect(r.status).toBe(200);
    const card = r.body;
    expect(card.samples).toBeGreaterThan(100);
    expect(card.positives).toBeGreaterThan(0);
    expect(card.features).not.toContain("B01");
    expect(card.validation.folds).toBe(5);
    expect(card.validation.capacity).toBe(5);
    expect(card.terms.length).toBe(card.features.length);
    for (const term of card.terms) {
      expect(term.oddsRatio).toBeCloseTo(Math.exp(term.coefficient), 9);
      expect(term.ciLow).toBeLessThanOrEqual(term.oddsRatio);
    }
    expect(card.notes.join("")).toContain("B01");
    // Nothing saved: the version in force is unchanged.
    const v = await findRuleVersion(t.db, municipalityId, { asOf: AS_OF }, actor);
    expect(v.rules.types.find((x) => x.difficulty === "abuse")?.method).not.toBe("model");
  });

  it("refuses 要対協 labels to a non-member (403, audited) and leaves B01/B02 out of features", async () => {
    const labels = await plain.json<ModelLabels>("/api/models/labels");
    expect(labels.body.labels.map((l) => l.id)).toEqual(["conference"]);
    const r = await post<{ error: { message: string } }>(plain, "/api/models/train", {
      difficulty: "abuse",
      kind: "logistic",
      label: "yotaikyo",
    });
    expect(r.status).toBe(403);
    expect(r.body.error.message).toContain("要対協の構成員だけ");
    const denied = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM audit_log
       WHERE action = 'authz.denied' AND target = 'label:yotaikyo' AND actor = 'coord.plain'`.execute(
      t.db,
    );
    expect(denied.rows[0]?.n).toBe(1);
    // No conference decision yet: a Japanese message that says what to do.
    const none = await post<{ error: { message: string } }>(plain, "/api/models/train", {
      difficulty: "abuse",
      kind: "tree",
      label: "conference",
    });
    expect(none.status).toBe(400);
    expect(none.body.error.message).toContain("要支援");
  });

  it("trains on conference decisions without council cases for a non-member, and saving switches the type to model", async () => {
    const run = await createScoringRepository(t.db).findScoreRun(municipalityId, undefined);
    const flagged: string[] = [];
    for await (const page of createScoringRepository(t.db).streamResults(
      municipalityId,
      run?.id as number,
    ))
      for (const r of page)
        if (r.difficulty === "abuse" && r.flagged && !flagged.includes(r.personId))
          flagged.push(r.personId);
    expect(flagged.length).toBeGreaterThan(7);
    // Seven 要支援 decisions (cross-validation needs five), one a council (要対協) case; one 支援不要.
    const cases = flagged.slice(0, 8).map((personId, i) => ({
      personId,
      council: i === 0,
      decision: i === 7 ? "支援不要" : "要支援",
    }));
    for (const c of cases)
      await sql`INSERT INTO child_case (municipality_id, person_id, state, council, last_decision)
        VALUES (${municipalityId}, ${c.personId}, 'supporting', ${c.council}, ${c.decision})`.execute(
        t.db,
      );
    const asPlain = await post<ModelCardView>(plain, "/api/models/train", {
      difficulty: "abuse",
      kind: "logistic",
      label: "conference",
    });
    expect(asPlain.status, JSON.stringify(asPlain.body)).toBe(200);
    expect(asPlain.body.positives).toBe(6);
    expect(asPlain.body.features).not.toContain("B01");
    expect(asPlain.body.features).not.toContain("B02");
    const asCouncil = await post<ModelCardView>(council, "/api/models/train", {
      difficulty: "abuse",
      kind: "logistic",
      label: "conference",
    });
    expect(asCouncil.body.positives).toBe(7);

    const saved = await post<SavedModel>(plain, "/api/models", {
      difficulty: "abuse",
      kind: "tree",
      label: "conference",
      version: "model-2024.1",
      effectiveFrom: "2024-01-01",
      threshold: 0.3,
    });
    expect(saved.status).toBe(200);
    expect(saved.body.card.kind).toBe("tree");
    const v = await findRuleVersion(t.db, municipalityId, { asOf: AS_OF }, actor);
    expect(v.label).toBe("model-2024.1");
    const abuse = v.rules.types.find((x) => x.difficulty === "abuse");
    expect(abuse?.method).toBe("model");
    expect(abuse?.threshold).toBe(0.3);
    expect(abuse?.model?.label).toEqual({
      kind: "external",
      name: expect.stringContaining("要支援"),
    });
    const audited = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM audit_log WHERE action IN ('models.train', 'rules.version')
         AND actor IN ('coord.plain', 'coord.council')`.execute(t.db);
    expect(audited.rows[0]?.n).toBeGreaterThanOrEqual(4);
    // The next run scores abuse by the model.
    const next = await scoreRun(t, { municipalityId, actor });
    expect(next.ruleVersion).toBe("model-2024.1");
  });
});
