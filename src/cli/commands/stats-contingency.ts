import { MimamoriError } from "../../domain/errors.ts";
import {
  type ContingencyResult,
  contingencyJson,
  MAX_TABLE_TOTAL,
  MIN_EXPECTED_FOR_CHI_SQUARE,
  testTwoByTwo,
} from "../../domain/stats/two-by-two.ts";
import { intOption, parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";

const usage = "mimamori stats contingency --a N --b N --c N --d N [--json]";

/** A number for people: 4 significant digits, exponent form for tiny p. */
export function formatNumber(x: number | null): string {
  if (x === null) return "算出不可";
  if (x === 0) return "0";
  if (Math.abs(x) < 1e-4) return x.toExponential(2);
  return Number(x.toPrecision(4)).toString();
}

/** Terminal columns of `s`: full-width (CJK) characters take two. */
function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += (ch.codePointAt(0) ?? 0) > 0xff ? 2 : 1;
  return w;
}

function padStartDisplay(s: string, width: number): string {
  return " ".repeat(Math.max(0, width - displayWidth(s))) + s;
}

function padEndDisplay(s: string, width: number): string {
  return s + " ".repeat(Math.max(0, width - displayWidth(s)));
}

/** The readable Japanese summary printed without --json. */
export function contingencySummary(r: ContingencyResult): string {
  const { a, b, c, d } = r.counts;
  const w = Math.max(8, String(r.n).length + 2);
  const row = (label: string, cells: readonly (string | number)[]) =>
    `  ${padEndDisplay(label, 8)}${cells.map((v) => padStartDisplay(String(v), w)).join("")}`;
  const lines = [
    "2×2 表（行: データ項目の該当／非該当、列: 抽出群／対照群）",
    row("", ["抽出群", "対照群", "計"]),
    row("該当", [a, b, a + b]),
    row("非該当", [c, d, c + d]),
    row("計", [a + c, b + d, r.n]),
    "",
  ];
  if (!r.testable) {
    lines.push(
      "行または列の合計が 0 のため、検定できません（該当者がいない項目、または空の群）。",
      `フィッシャーの正確確率検定（両側）: p = ${formatNumber(r.pFisher)}（この周辺度数で可能な表は観測された表だけです）`,
    );
    return lines.join("\n");
  }
  lines.push(
    `該当∧抽出群の期待値: ${formatNumber(r.expectedA)}（実測値 ${a}）`,
    `ピアソンのカイ二乗検定（連続性補正なし、2024 年度実証と同じ方法）: χ² = ${formatNumber(r.chi2)}, p = ${formatNumber(r.p)}`,
    `イェーツの連続性補正つき: χ² = ${formatNumber(r.chi2Yates)}, p = ${formatNumber(r.pYates)}`,
    `フィッシャーの正確確率検定（両側）: p = ${formatNumber(r.pFisher)}`,
    `オッズ比: ${formatNumber(r.oddsRatio)}（95% 信頼区間 ${formatNumber(r.orCiLow)}〜${formatNumber(r.orCiHigh)}）`,
  );
  if (r.haldane) {
    lines.push("  ※ 0 のセルがあるため、各セルに 0.5 を加えて算出しました（Haldane 補正）。");
  }
  const direction =
    r.direction === "positive"
      ? "正（該当∧抽出群の実測値が期待値より大きい）"
      : r.direction === "negative"
        ? "負（該当∧抽出群の実測値が期待値より小さい）"
        : "なし（実測値と期待値が等しい）";
  lines.push(`関連の向き: ${direction}`);
  if (r.fisherUsed) {
    lines.push(
      `期待値が ${MIN_EXPECTED_FOR_CHI_SQUARE} 未満のセルがあるため（最小 ${formatNumber(r.minExpected)}）、判定にはフィッシャーの正確確率検定の p 値を使います。`,
    );
  }
  const associated = r.pUsed !== null && r.pUsed <= 0.05 && r.direction === "positive";
  lines.push(
    associated
      ? `判定: 関連あり（p = ${formatNumber(r.pUsed)} ≤ 0.05、かつ正の向き）`
      : `判定: 関連は確認されませんでした（p = ${formatNumber(r.pUsed)}${r.direction === "positive" ? "" : "、正の向きではない"}）。関連がないことを示すものではありません。`,
  );
  return lines.join("\n");
}

/** `mimamori stats contingency` (cli.md): the 2×2 test used for item validation. */
export const statsContingency: Command = {
  path: ["stats", "contingency"],
  summary: "2×2 表の検定（カイ二乗・フィッシャー・オッズ比）。データ項目の検証に使う方法です",
  usage,
  async run(args) {
    const { values } = parseCommandArgs(
      args,
      {
        a: { type: "string" },
        b: { type: "string" },
        c: { type: "string" },
        d: { type: "string" },
        json: { type: "boolean" },
      },
      usage,
    );
    const count = (name: "a" | "b" | "c" | "d") => {
      const v = intOption(values[name], `--${name}`, 0, MAX_TABLE_TOTAL);
      if (v === undefined) {
        throw new MimamoriError("invalid_input", `--${name} を指定してください。`, [
          `使い方: ${usage}`,
          "a: 該当∧抽出群、b: 該当∧対照群、c: 非該当∧抽出群、d: 非該当∧対照群 の人数",
        ]);
      }
      return v;
    };
    const result = testTwoByTwo({ a: count("a"), b: count("b"), c: count("c"), d: count("d") });
    process.stdout.write(
      values.json
        ? `${JSON.stringify(contingencyJson(result), null, 2)}\n`
        : `${contingencySummary(result)}\n`,
    );
    return 0;
  },
};
