/**
 * The demo municipality of `npm start` (`mimamori serve --demo`, issue 3): on a database that has
 * never imported anything, generate the synthetic `town` with a fixed seed into HOME/demo/,
 * label the municipality as synthetic and import every file as its data, so a first look at
 * mimamori has something to show. Never runs without --demo, and never on a database that holds
 * imports: a municipality's real `mimamori serve` must not get fake data.
 *
 * The names are the built-in ones (faker + IPADIC, made at `npm install`), never the gimei list
 * of the shared test data, which does not exist on a municipality's machine.
 */
import { join } from "node:path";
import { createAuditRepository } from "../db/audit.repository.ts";
import { createDemoRepository } from "../db/demo.repository.ts";
import {
  BUILT_IN_NAME_POOLS,
  type NamePools,
  PROFILES,
  type ProfileId,
} from "../domain/synth/index.ts";
import type { IsoDate } from "../domain/types.ts";
import { type ImportDatabase, type ImportReport, importFiles } from "./import.ts";
import { monthlyRun } from "./run.ts";
import { runSynth } from "./synth.ts";

export const DEMO_PROFILE: ProfileId = "town";
/** Fixed, so every first start shows the same town. */
export const DEMO_SEED = 1;
/**
 * The demo's 抽出日: the first day of the month of `today` (UTC), so the data is never
 * more than a month old when the demo is loaded and the dashboard's freshness panel does
 * not warn about synthetic data for no reason (a fixed 2025-04-01 made every source look
 * stale). Deterministic for a given date: the same month gives the same town.
 */
export function demoAsOf(today: Date): IsoDate {
  return `${today.toISOString().slice(0, 7)}-01` as IsoDate;
}
/** Says on every screen that shows the municipality that its data is synthetic. */
export const DEMO_MUNICIPALITY_NAME = `${PROFILES[DEMO_PROFILE].municipality}（デモ・合成データ）`;
/** The folder under HOME the demo files are written to. */
export const DEMO_DIR = "demo";

export interface DemoOptions {
  /** HOME (`--home` / MIMAMORI_HOME); the files go to HOME/demo/. */
  readonly home: string;
  /** The municipality that receives the demo (the one `bootstrap` created). */
  readonly municipalityId: number;
  /** The 抽出日 to generate and import the town as (default: `demoAsOf(new Date())`). */
  readonly asOf?: IsoDate;
  /** Names to generate with (default: the built-in ones; tests may pass others). */
  readonly names?: NamePools;
  /** A line per step, for the operator. */
  readonly progress?: (line: string) => void;
}

export interface DemoSkipped {
  readonly status: "skipped";
}

export interface DemoLoaded {
  readonly status: "loaded";
  /** Where the generated files are. */
  readonly dir: string;
  readonly municipalityName: string;
  readonly asOf: IsoDate;
  readonly reports: readonly ImportReport[];
  readonly rowsRead: number;
  readonly rowsStored: number;
  readonly rowsRejected: number;
  /** Rows the generator broke on purpose (truth/broken_rows.csv): the rejections to expect. */
  readonly rowsBrokenOnPurpose: number;
  /** Rejections beyond the rows broken on purpose, counted per file (0 when all is well). */
  readonly unexpectedRejections: number;
  readonly synthSeconds: number;
  readonly importSeconds: number;
}

export type DemoResult = DemoSkipped | DemoLoaded;

/**
 * Loads the demo town when the database has no import at all; otherwise does nothing and
 * returns `skipped`. The municipality is renamed before the first import, so demo data is
 * never stored under a name that could pass for a real town, even if loading stops halfway
 * (a restart then sees imports and leaves them alone). Leaves one `demo.load` audit row, besides
 * the `import.file` row of each file.
 */
export async function loadDemo(target: ImportDatabase, options: DemoOptions): Promise<DemoResult> {
  const repo = createDemoRepository(target.db);
  if (await repo.hasAnyImport()) return { status: "skipped" };
  options.progress?.(
    "取り込まれたデータがまだないため、デモ用の合成データ（架空の町）を生成して取り込みます…",
  );
  await repo.renameMunicipality(options.municipalityId, DEMO_MUNICIPALITY_NAME);

  const dir = join(options.home, DEMO_DIR);
  const asOf = options.asOf ?? demoAsOf(new Date());
  const t0 = performance.now();
  const synth = runSynth({
    profile: DEMO_PROFILE,
    seed: DEMO_SEED,
    out: dir,
    asOf,
    names: options.names ?? BUILT_IN_NAME_POOLS,
  });
  const synthSeconds = (performance.now() - t0) / 1000;
  options.progress?.(`合成データを ${dir} に生成しました（${synthSeconds.toFixed(1)} 秒）。`);

  const t1 = performance.now();
  // Several files at a time over reused connections, as `mimamori import` does.
  const reports = await importFiles(
    target,
    synth.files.map((f) => join(dir, f.file)),
    {
      municipalityId: options.municipalityId,
      actor: { userId: null, loginName: "demo" },
      asOf,
    },
  );
  let unexpectedRejections = 0;
  synth.files.forEach((f, i) => {
    const report = reports[i] as ImportReport;
    if (report.status === "imported") {
      unexpectedRejections += Math.max(0, report.rowsRejected - f.broken);
    }
  });
  const importSeconds = (performance.now() - t1) / 1000;
  options.progress?.(
    `${synth.files.length} ファイルを取り込みました（${importSeconds.toFixed(1)} 秒）。`,
  );

  // The monthly run on the demo data, so that the first screens have persons and scores.
  const t2 = performance.now();
  const actor = { userId: null, loginName: "demo" };
  // Through the run engine (lock, job record, published only when complete).
  const { linked, scored } = await monthlyRun(target, {
    municipalityId: options.municipalityId,
    actor,
    origin: "cli",
  });
  options.progress?.(
    `名寄せと判定を実行しました（${linked.persons.toLocaleString("ja-JP")} 人、対象のこども ${scored.children.toLocaleString("ja-JP")} 人、${((performance.now() - t2) / 1000).toFixed(1)} 秒）。`,
  );

  const imported = reports.filter((r) => r.status === "imported");
  const sum = (pick: (r: (typeof imported)[number]) => number) =>
    imported.reduce((s, r) => s + pick(r), 0);
  const result: DemoLoaded = {
    status: "loaded",
    dir,
    municipalityName: DEMO_MUNICIPALITY_NAME,
    asOf,
    reports,
    rowsRead: sum((r) => r.rowsRead),
    rowsStored: sum((r) => r.rowsStored),
    rowsRejected: sum((r) => r.rowsRejected),
    rowsBrokenOnPurpose: synth.files.reduce((s, f) => s + f.broken, 0),
    unexpectedRejections,
    synthSeconds,
    importSeconds,
  };
  await createAuditRepository(target.db).append({
    municipalityId: options.municipalityId,
    actorUserId: null,
    actor: "demo",
    action: "demo.load",
    target: `municipality:${options.municipalityId}`,
    detail: {
      profile: DEMO_PROFILE,
      seed: DEMO_SEED,
      asOf,
      files: reports.length,
      failedFiles: reports.length - imported.length,
      snapshotIds: imported.map((r) => r.snapshotId),
      rowsStored: result.rowsStored,
      rowsRejected: result.rowsRejected,
      rowsBrokenOnPurpose: result.rowsBrokenOnPurpose,
    },
  });
  return result;
}

/** What `serve --demo` tells the operator after loading (Japanese, one line each). */
export function describeDemo(result: DemoLoaded): string[] {
  const failed = result.reports.filter((r) => r.status === "failed");
  const lines = [
    `デモ用の合成データを読み込みました: 自治体名「${result.municipalityName}」、${result.reports.length - failed.length} ファイル ${result.rowsStored.toLocaleString("ja-JP")} 行（抽出日 ${result.asOf}、ファイルは ${result.dir}）。`,
    "住民・世帯・記録はすべて架空のもので、実在の人物のデータではありません。デモなしで起動するには npx mimamori serve を使ってください。",
  ];
  for (const r of failed)
    lines.push(`注意: ${r.fileName} を取り込めませんでした（${r.message}）。`);
  if (result.unexpectedRejections > 0) {
    lines.push(
      `注意: 意図的に壊した行のほかに ${result.unexpectedRejections.toLocaleString("ja-JP")} 行がエラーになりました（取り込み画面で確認できます）。`,
    );
  }
  return lines;
}
