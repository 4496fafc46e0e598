/**
 * The demo's 情報収集シート (issue 13, wf-sheets; `npm start` only): the demo
 * school gets three requests from the coordinator — one answered (mode b),
 * one overdue (mode c, reminded in-app), one open (mode a) — so the `school`
 * account and the coordinator see every sheet screen with content.
 */

import { createChildRepository } from "../db/child.repository.ts";
import type { Database } from "../db/database.ts";
import { createSheetRepository } from "../db/sheet.repository.ts";
import type { Actor, DataScope } from "../domain/policy/index.ts";
import type { DifficultyId } from "../domain/scoring/difficulties.ts";
import { createSheetService, todayInJapan } from "./services/sheet.service.ts";

interface DemoUser {
  readonly id: number;
  readonly loginName: string;
  readonly displayName: string;
}

export async function seedDemoSheets(
  db: Database,
  municipalityId: number,
  school: string,
  coordinator: DemoUser,
  schoolUser: DemoUser,
): Promise<number> {
  const children = createChildRepository(db);
  const run = await children.latestRun(municipalityId);
  if (!run) return 0;
  const sender: Actor = {
    userId: coordinator.id,
    loginName: coordinator.loginName,
    municipalityId,
    roles: ["coordinator"],
    council: false,
    affiliation: null,
  };
  const scope: DataScope = {
    municipalityId,
    council: false,
    userId: coordinator.id,
    children: "all",
    affiliation: null,
  };
  const sheets = createSheetRepository(db);
  const service = createSheetService(db);
  const flagged = (await sheets.flaggedAt(scope, run, school)).slice(0, 3);
  const from = "demo";
  const sent: number[] = [];
  for (const [i, personId] of flagged.entries()) {
    const types = (await children.scores(scope, run, personId))
      .filter((s) => s.flagged)
      .map((s) => s.difficulty as DifficultyId);
    const mode = (["b", "c", "a"] as const)[i] ?? "b";
    const r = await service.send(scope, sender, coordinator.displayName, from, {
      personId,
      recipient: school,
      recipientKind: "school",
      difficulties: types.length ? types : ["truancy"],
      mode,
      note: mode === "c" ? "最近の様子を教えてください。" : undefined,
    });
    if (r) sent.push(r.id);
  }
  const [answered, overdue] = sent;
  if (answered !== undefined) {
    const schoolScope: DataScope = {
      municipalityId,
      council: false,
      userId: schoolUser.id,
      children: "requests",
      affiliation: school,
    };
    const request = await sheets.find(schoolScope, null, answered);
    const answers: Record<string, string> = {};
    for (const q of request?.questions ?? [])
      answers[q.id] =
        q.kind === "choice" ? (q.choices?.[0] ?? "") : "大きな変化はなく、友人と過ごしている。";
    await service.answer(
      schoolScope,
      {
        userId: schoolUser.id,
        loginName: schoolUser.loginName,
        municipalityId,
        roles: ["affiliation"],
        council: false,
        affiliation: school,
      },
      schoolUser.displayName,
      from,
      answered,
      answers,
    );
  }
  if (overdue !== undefined) {
    const d = new Date(`${todayInJapan()}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() - 5);
    await sheets.setDueDate(scope, overdue, d.toISOString().slice(0, 10));
  }
  return sent.length;
}
