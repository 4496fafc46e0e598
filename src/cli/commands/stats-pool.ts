import { readFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import iconv from "iconv-lite";
import { MimamoriError } from "../../domain/errors.ts";
import { type AggregateRow, parseAggregateCsv } from "../../domain/stats/aggregate.ts";
import { type PooledItem, poolAggregates } from "../../domain/stats/pool.ts";
import { writeFileAtomically } from "../../pipeline/atomic-file.ts";
import { parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";
import { formatNumber } from "./stats-contingency.ts";

const usage = "mimamori stats pool FILE... [--json] [--out FILE] [--alpha P]";

/** Japanese names of the difficulty ids of cli.md, for display only. */
const DIFFICULTY_LABELS: Record<string, string> = {
  abuse: "虐待",
  poverty: "貧困",
  truancy: "不登校",
  young_carer: "ヤングケアラー",
  postpartum: "産後うつ",
  developmental: "発達障がい",
  bullying: "いじめ",
  withdrawal: "引きこもり",
};

/**
 * File text: UTF-8, or Shift_JIS (CP932) when the bytes are not valid UTF-8 —
 * what Excel writes when staff re-save a CSV on a Japanese Windows PC.
 */
function decodeText(bytes: Buffer): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return iconv.decode(bytes, "cp932");
  }
}

function readAggregateFile(path: string): AggregateRow[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new MimamoriError(
      "not_found",
      `集計ファイル「${path}」を読めません。パスを確認してください。`,
      [],
      e,
    );
  }
  return parseAggregateCsv(decodeText(bytes), basename(path));
}

/** Output columns of --out (CSV) and keys of --json, in order. */
export const POOL_COLUMNS = [
  "item_id",
  "difficulty",
  "municipalities_used",
  "municipalities_excluded",
  "a",
  "b",
  "c",
  "d",
  "observed_a",
  "expected_a",
  "odds_ratio",
  "or_ci_low",
  "or_ci_high",
  "cmh_corrected",
  "p_corrected",
  "cmh",
  "p",
  "q",
  "associated_in",
  "pilot_marker",
  "associated",
] as const;

export function pooledRecord(p: PooledItem): Record<(typeof POOL_COLUMNS)[number], unknown> {
  return {
    item_id: p.itemId,
    difficulty: p.difficulty,
    municipalities_used: p.used,
    municipalities_excluded: p.excluded,
    a: p.mh.totals.a,
    b: p.mh.totals.b,
    c: p.mh.totals.c,
    d: p.mh.totals.d,
    observed_a: p.mh.observedA,
    expected_a: p.mh.expectedA,
    odds_ratio: p.mh.oddsRatio,
    or_ci_low: p.mh.orCiLow,
    or_ci_high: p.mh.orCiHigh,
    cmh_corrected: p.mh.cmhCorrected,
    p_corrected: p.mh.pCorrected,
    cmh: p.mh.cmh,
    p: p.mh.p,
    q: p.q,
    associated_in: p.associatedIn,
    pilot_marker: p.pilotMarker,
    associated: p.associated,
  };
}

function csvValue(v: unknown): string {
  const s = v === null ? "" : Array.isArray(v) ? v.join("|") : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function poolCsv(items: readonly PooledItem[]): string {
  const lines = [POOL_COLUMNS.join(",")];
  for (const p of items) {
    const r = pooledRecord(p);
    lines.push(POOL_COLUMNS.map((c) => csvValue(r[c])).join(","));
  }
  return `${lines.join("\n")}\n`;
}

/** The readable Japanese table printed without --json. */
export function poolSummary(items: readonly PooledItem[], files: number, alpha: number): string {
  const lines = [
    `${files} ファイルの集計を Mantel–Haenszel 法で統合しました（自治体ごとに層別）。`,
    `p は CMH 検定（連続性補正あり）、q は Benjamini–Hochberg 法で調整した値です。判定: p ≤ ${alpha} かつ実測値 > 期待値。`,
    "単独: 各自治体を単独で検定して関連ありとなった数（● 2 団体以上、◆ 1 団体。2024 年度実証報告と同じ記号）。",
    "",
    ["項目", "困難類型", "自治体", "MHオッズ比 (95%信頼区間)", "p", "q", "単独", "判定"].join("\t"),
  ];
  let excludedAny = false;
  for (const p of items) {
    const n =
      p.excluded.length > 0
        ? `${p.used.length}（秘匿で除外 ${p.excluded.length}）`
        : `${p.used.length}`;
    if (p.excluded.length > 0) excludedAny = true;
    const or =
      p.mh.oddsRatio === null
        ? "算出不可"
        : `${formatNumber(p.mh.oddsRatio)} (${formatNumber(p.mh.orCiLow)}〜${formatNumber(p.mh.orCiHigh)})`;
    lines.push(
      [
        p.itemId,
        DIFFICULTY_LABELS[p.difficulty] ?? p.difficulty,
        n,
        or,
        formatNumber(p.mh.pCorrected),
        formatNumber(p.q),
        `${p.pilotMarker}${p.associatedIn.length}`,
        p.associated ? "関連あり" : p.used.length === 0 ? "検定不可" : "",
      ].join("\t"),
    );
  }
  if (excludedAny) {
    lines.push(
      "",
      "※ 秘匿（x）のセルを含む自治体の表は、その項目の統合から除外しています（正確な件数が分からないため）。",
    );
  }
  return lines.join("\n");
}

/** `mimamori stats pool FILE...`: Mantel–Haenszel pooling of aggregate exports. */
export const statsPool: Command = {
  path: ["stats", "pool"],
  summary: "複数自治体の集計ファイル（2×2 表）を Mantel–Haenszel 法で統合して検定します",
  usage,
  async run(args) {
    const { values, positionals } = parseCommandArgs(
      args,
      { json: { type: "boolean" }, out: { type: "string" }, alpha: { type: "string" } },
      usage,
      true,
    );
    if (positionals.length === 0) {
      throw new MimamoriError("invalid_input", "集計ファイルを 1 つ以上指定してください。", [
        `使い方: ${usage}`,
      ]);
    }
    const alpha = values.alpha === undefined ? 0.05 : Number(values.alpha);
    if (!(alpha > 0 && alpha < 1)) {
      throw new MimamoriError(
        "invalid_input",
        `--alpha は 0 より大きく 1 より小さい数にしてください（「${values.alpha}」）。`,
      );
    }
    const rows = positionals.flatMap((file) => readAggregateFile(resolve(file)));
    const pooled = poolAggregates(rows, alpha);
    if (values.out !== undefined) writeFileAtomically(resolve(values.out), poolCsv(pooled));
    process.stdout.write(
      values.json
        ? `${JSON.stringify(pooled.map(pooledRecord), null, 2)}\n`
        : `${poolSummary(pooled, positionals.length, alpha)}\n`,
    );
    return 0;
  },
};
