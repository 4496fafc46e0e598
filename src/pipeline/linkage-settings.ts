/**
 * A municipality's own 名寄せ settings (issue 14: "the linkage settings file
 * used by runs"). The built-in settings (domain/linkage/japanese-settings.ts)
 * apply until a municipality stores its own with `mimamori linkage settings
 * set FILE`; every later run uses them and records them with the run
 * (link_run.settings), so each run says how it was linked. The file is the
 * JSON (or YAML) that `mimamori linkage settings show --default` prints:
 * change a threshold or a comparison level, keep the rest.
 */
import { parse as parseYaml } from "yaml";
import { createAuditRepository } from "../db/audit.repository.ts";
import type { Database } from "../db/database.ts";
import { createLinkageRepository } from "../db/linkage.repository.ts";
import { isMimamoriError, MimamoriError } from "../domain/errors.ts";
import { linkRecords } from "../domain/linkage/japanese.ts";
import { JAPANESE_SETTINGS } from "../domain/linkage/japanese-settings.ts";
import { type LinkageSettings, parseLinkageSettings } from "../domain/linkage/settings.ts";
import type { LinkRecord } from "../domain/linkage/types.ts";

/** Settings from a file's text (JSON or YAML), checked as {@link checkLinkageSettings} does. */
export function parseLinkageSettingsText(text: string, origin: string): LinkageSettings {
  let doc: unknown;
  try {
    doc = parseYaml(text.replace(/^\ufeff/, ""));
  } catch (e) {
    throw new MimamoriError(
      "invalid_input",
      `${origin} を JSON・YAML として読めません。書式を確認してください。`,
      [e instanceof Error ? (e.message.split("\n")[0] ?? "") : String(e)],
      e,
    );
  }
  return checkLinkageSettings(parseLinkageSettings(doc));
}

// Two rows of one child as two departments write them: enough for every blocking
// rule, comparison and cannot-link rule of the settings to read its columns.
const PROBE: readonly LinkRecord[] = [
  {
    source: "jumin",
    file: "確認用",
    row: 1,
    residentNo: "000000001",
    householdNo: "H000001",
    name: "見守 花子",
    nameKana: "ミマモリ ハナコ",
    birthDate: "2015-04-02",
    sex: "female",
    address: "見守町1-1",
    relationship: "子",
  } as LinkRecord,
  {
    source: "gakureibo",
    file: "確認用",
    row: 1,
    residentNo: "000000001",
    name: "見守 花子",
    nameKana: "みまもり はなこ",
    birthDate: "2015-04-02",
    sex: "female",
    school: "見守小学校",
    grade: 4,
    asOf: "2025-04-01",
  } as LinkRecord,
];

/**
 * Refuses settings the engine could not run with — a column that does not
 * exist, a rule it cannot apply — by linking two probe rows with them, so a
 * mistake shows when the file is stored, not in the next monthly run.
 */
export function checkLinkageSettings(settings: LinkageSettings): LinkageSettings {
  try {
    linkRecords(PROBE, { settings });
  } catch (e) {
    if (isMimamoriError(e)) throw e;
    throw new MimamoriError(
      "config",
      "この名寄せ設定では名寄せを実行できません。設定を確認してください。",
      [e instanceof Error ? e.message : String(e)],
      e,
    );
  }
  return settings;
}

/** The settings runs use: the municipality's own, else the built-in ones. */
export async function loadLinkageSettings(
  db: Database,
  municipalityId: number,
): Promise<{ settings: LinkageSettings; own: boolean; actor?: string; updatedAt?: Date }> {
  const stored = await createLinkageRepository(db).storedSettings(municipalityId);
  if (!stored) return { settings: JAPANESE_SETTINGS, own: false };
  return {
    settings: parseLinkageSettings(stored.value),
    own: true,
    actor: stored.actor,
    updatedAt: stored.updatedAt,
  };
}

type Actor = { readonly userId: number | null; readonly loginName: string };

/** Stores the municipality's settings for every later run; audited as `linkage.settings`. */
export async function saveLinkageSettings(
  db: Database,
  municipalityId: number,
  settings: LinkageSettings,
  actor: Actor,
): Promise<void> {
  checkLinkageSettings(settings);
  await createLinkageRepository(db).saveSettings(municipalityId, settings, actor.loginName);
  await createAuditRepository(db).append({
    municipalityId,
    actorUserId: actor.userId,
    actor: actor.loginName,
    action: "linkage.settings",
    target: null,
    detail: { version: settings.version, reset: false },
  });
}

/** Back to the built-in settings; audited. False when there were none of its own. */
export async function resetLinkageSettings(
  db: Database,
  municipalityId: number,
  actor: Actor,
): Promise<boolean> {
  const had = await createLinkageRepository(db).clearSettings(municipalityId);
  if (had)
    await createAuditRepository(db).append({
      municipalityId,
      actorUserId: actor.userId,
      actor: actor.loginName,
      action: "linkage.settings",
      target: null,
      detail: { version: JAPANESE_SETTINGS.version, reset: true },
    });
  return had;
}
