/**
 * The validation report as files: CSV tables (one per section, RFC 4180,
 * UTF-8 with BOM so Excel opens them as UTF-8) and one printable,
 * self-contained Japanese HTML page (no scripts, fonts or images from
 * elsewhere; print CSS; every value HTML-escaped). Pure: text in memory; the
 * pipeline writes the files.
 */
import { spreadsheetSafe } from "../csv-safety.ts";
import { DIFFICULTY_NAMES, type DifficultyId } from "../scoring/difficulties.ts";
import { OUTCOMES } from "../scoring/rules.ts";
import type { DecisionPrecisionRow, LaterCouncilRow } from "./decision-labels.ts";
import { REVIEW_STATUS_NAMES, yearlyReview } from "./pilot-findings.ts";
import type { ItemValidation } from "./validate-item.ts";
import { FAIRNESS_GROUPS, type GroupDefinition } from "./validation-groups.ts";
import type { FairnessRow, FunnelRow, RuleEvaluation } from "./validation-report.ts";

/** Everything the report shows (assembled by pipeline/validation.ts). */
export interface ValidationReport {
  readonly municipality: string;
  readonly run: {
    readonly id: number;
    readonly linkRunId: number;
    readonly ruleVersion: string;
    readonly asOf: string;
  };
  readonly children: number;
  /** Item ids and Japanese names of the run's catalog, in catalog order. */
  readonly items: readonly { readonly id: string; readonly name: string }[];
  /** Each 抽出群 with its size and the number of children judged. */
  readonly groups: readonly (GroupDefinition & { readonly size: number; readonly n: number })[];
  readonly registerMissing: boolean;
  readonly alpha: number;
  readonly validation: readonly ItemValidation[];
  readonly rules: readonly (RuleEvaluation & {
    readonly method: string;
    readonly threshold: number;
    readonly excludedItems: readonly string[];
  })[];
  readonly capacity: { readonly perMonth: number; readonly unit: string };
  readonly funnel: readonly FunnelRow[];
  readonly fairness: readonly FairnessRow[];
  readonly fairnessGroupSizes: Readonly<Record<string, number>>;
  /** Precision at capacity against conference decisions (要支援 positive), per type. */
  readonly decisionLabels: readonly DecisionPrecisionRow[];
  /** Later 要対協 registration; null in a non-member's report (council facts). */
  readonly laterCouncil: {
    readonly laterRuns: number;
    readonly rows: readonly LaterCouncilRow[];
  } | null;
}

type Cell = string | number | boolean | null | undefined;

const typeName = (d: string) => DIFFICULTY_NAMES[d as DifficultyId] ?? d;

function csvField(v: Cell): string {
  const s =
    v === null || v === undefined
      ? ""
      : typeof v === "boolean"
        ? v
          ? "1"
          : "0"
        : typeof v === "string"
          ? spreadsheetSafe(v)
          : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function csv(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return `\uFEFF${[header, ...rows].map((r) => r.map(csvField).join(",")).join("\r\n")}\r\n`;
}

/** The yearly review rows of a report: its tests beside the 2024 pilots' findings. */
export function reviewOf(r: ValidationReport) {
  return yearlyReview(
    r.items,
    r.groups.map((g) => g.difficulty),
    r.validation,
  );
}

/** The CSV files of the report, by file name. */
export function validationCsvFiles(r: ValidationReport): Record<string, string> {
  const names = new Map(r.items.map((i) => [i.id, i.name]));
  return {
    "yearly-review.csv": csv(
      ["difficulty", "item_id", "item_name", "pilot_2024", "here", "status", "status_name"],
      reviewOf(r).map((x) => [
        x.difficulty,
        x.itemId,
        names.get(x.itemId),
        x.pilot ?? "",
        x.here ?? "",
        x.status,
        REVIEW_STATUS_NAMES[x.status],
      ]),
    ),
    "item-validation.csv": csv(
      [
        "difficulty",
        "item_id",
        "item_name",
        "a",
        "b",
        "c",
        "d",
        "n",
        "expected_a",
        "direction",
        "test_used",
        "p_used",
        "p_pearson",
        "p_yates",
        "p_fisher",
        "q",
        "odds_ratio",
        "or_ci_low",
        "or_ci_high",
        "haldane_correction",
        "excluded",
        "associated",
        "marker",
      ],
      r.validation.map((v) => [
        v.difficulty,
        v.itemId,
        names.get(v.itemId),
        v.counts.a,
        v.counts.b,
        v.counts.c,
        v.counts.d,
        v.test.n,
        v.test.expectedA,
        v.test.direction,
        v.test.testUsed,
        v.test.pUsed,
        v.test.p,
        v.test.pYates,
        v.test.pFisher,
        v.q,
        v.test.oddsRatio,
        v.test.orCiLow,
        v.test.orCiHigh,
        v.test.haldane,
        v.excluded,
        v.associated,
        v.marker,
      ]),
    ),
    "rule-evaluation.csv": csv(
      [
        "difficulty",
        "method",
        "threshold",
        "items_left_out",
        "n",
        "positives",
        "tp",
        "fp",
        "fn",
        "tn",
        "precision",
        "recall",
        "false_positive_rate",
        "flag_rate",
        "auc",
      ],
      r.rules.map((e) => [
        e.difficulty,
        e.method,
        e.threshold,
        e.excludedItems.join("|"),
        e.n,
        e.positives,
        e.atThreshold.tp,
        e.atThreshold.fp,
        e.atThreshold.fn,
        e.atThreshold.tn,
        e.atThreshold.precision,
        e.atThreshold.recall,
        e.atThreshold.falsePositiveRate,
        e.atThreshold.flagRate,
        e.auc,
      ]),
    ),
    "rule-capacity.csv": csv(
      ["difficulty", "k", "true_positives", "precision", "recall", "tied_at_cut"],
      r.rules.flatMap((e) =>
        e.atCapacity.map((t) => [
          e.difficulty,
          t.k,
          t.truePositives,
          t.precision,
          t.recall,
          t.tiedAtCut,
        ]),
      ),
    ),
    "rule-by-score.csv": csv(
      ["difficulty", "score", "n", "positives", "observed_rate"],
      r.rules.flatMap((e) =>
        e.byScore.map((s) => [e.difficulty, s.score, s.n, s.positives, s.observedRate]),
      ),
    ),
    "calibration.csv": csv(
      [
        "difficulty",
        "bin",
        "n",
        "min_predicted",
        "max_predicted",
        "mean_predicted",
        "positives",
        "observed_rate",
      ],
      r.rules.flatMap((e) =>
        (e.calibration ?? []).map((b) => [
          e.difficulty,
          b.bin,
          b.n,
          b.minPredicted,
          b.maxPredicted,
          b.meanPredicted,
          b.positives,
          b.observedRate,
        ]),
      ),
    ),
    "funnel.csv": csv(
      [
        "run_id",
        "as_of",
        "difficulty",
        "applicable",
        "flagged",
        "flag_rate",
        "listed",
        "selected",
        ...OUTCOMES.map((o) => `outcome_${o}`),
        "support_started",
      ],
      r.funnel.map((f) => [
        f.runId,
        f.asOf,
        f.difficulty,
        f.applicable,
        f.flagged,
        f.flagRate,
        f.listed,
        f.selected,
        ...OUTCOMES.map((o) => f.outcomes?.[o] ?? null),
        f.supportStarted,
      ]),
    ),
    "fairness.csv": csv(
      [
        "difficulty",
        "group",
        "group_n",
        "group_flagged",
        "group_flag_rate",
        "rest_n",
        "rest_flagged",
        "rest_flag_rate",
        "flag_rate_ratio",
        "group_negatives",
        "group_false_positives",
        "group_fpr",
        "rest_negatives",
        "rest_false_positives",
        "rest_fpr",
        "fpr_ratio",
      ],
      r.fairness.map((f) => [
        f.difficulty,
        f.group,
        f.inGroup.n,
        f.inGroup.count,
        f.inGroup.rate,
        f.rest.n,
        f.rest.count,
        f.rest.rate,
        f.flagRateRatio,
        f.fpInGroup?.n,
        f.fpInGroup?.count,
        f.fpInGroup?.rate,
        f.fpRest?.n,
        f.fpRest?.count,
        f.fpRest?.rate,
        f.fprRatio,
      ]),
    ),
    "decision_precision.csv": csv(
      [
        "difficulty",
        "applicable",
        "decided",
        "decided_support",
        "decided_flagged",
        "k",
        "top_k_decided",
        "top_k_support",
        "precision_at_k",
      ],
      r.decisionLabels.flatMap((d) =>
        d.atCapacity.map((c) => [
          d.difficulty,
          d.n,
          d.decided,
          d.positives,
          d.decidedFlagged,
          c.k,
          c.labelled,
          c.positives,
          c.precision,
        ]),
      ),
    ),
    // 要対協-derived: only in a council member's report.
    ...(r.laterCouncil
      ? {
          "later_council.csv": csv(
            [
              "difficulty",
              "later_runs",
              "flagged",
              "flagged_registered_later",
              "flagged_rate",
              "unflagged",
              "unflagged_registered_later",
              "unflagged_rate",
            ],
            r.laterCouncil.rows.map((x) => [
              x.difficulty,
              r.laterCouncil?.laterRuns,
              x.flagged,
              x.flaggedLater,
              x.flaggedRate,
              x.unflagged,
              x.unflaggedLater,
              x.unflaggedRate,
            ]),
          ),
        }
      : {}),
  };
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** A number for people: 4 significant digits, tiny p in exponent form, "—" for none. */
export function formatFigure(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return "—";
  if (x === 0) return "0";
  if (Math.abs(x) < 1e-4) return x.toExponential(2);
  return Number(x.toPrecision(4)).toLocaleString("ja-JP", { maximumFractionDigits: 6 });
}

const pct = (x: number | null | undefined) =>
  x === null || x === undefined ? "—" : `${(x * 100).toFixed(1)}%`;
const int = (x: number | null | undefined) =>
  x === null || x === undefined ? "—" : x.toLocaleString("ja-JP");

/** One table; every cell is escaped here, so callers pass plain text. */
function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  numericFrom = 1,
): string {
  const th = header.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const body = rows
    .map(
      (r) =>
        `<tr>${r
          .map((c, i) => `<td${i >= numericFrom ? ' class="num"' : ""}>${escapeHtml(c)}</td>`)
          .join("")}</tr>`,
    )
    .join("\n");
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const p = (text: string) => `<p>${escapeHtml(text)}</p>`;
const h2 = (text: string) => `<h2>${escapeHtml(text)}</h2>`;
const h3 = (text: string) => `<h3>${escapeHtml(text)}</h3>`;

const STYLE = `
body { font-family: "Hiragino Kaku Gothic ProN", "Yu Gothic", "Meiryo", "Noto Sans CJK JP", sans-serif; font-size: 10.5pt; color: #111; margin: 1.5em; line-height: 1.5; }
h1 { font-size: 16pt; margin: 0 0 .3em; }
h2 { font-size: 13pt; border-bottom: 2px solid #333; margin-top: 1.6em; }
h3 { font-size: 11pt; margin: 1.2em 0 .3em; }
table { border-collapse: collapse; margin: .4em 0 1em; font-size: 9pt; }
th, td { border: 1px solid #999; padding: 2px 5px; vertical-align: top; }
th { background: #eee; font-weight: bold; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.note { font-size: 9pt; color: #333; }
.warn { border: 1px solid #c60; padding: .4em .6em; background: #fff6ee; }
@page { size: A4; margin: 15mm 12mm; }
@media print {
  body { margin: 0; font-size: 9.5pt; }
  h2 { break-after: avoid; }
  table { break-inside: auto; }
  tr { break-inside: avoid; }
  thead { display: table-header-group; }
  section { break-before: page; }
  section:first-of-type { break-before: auto; }
}
`;

/** The printable HTML page of the report (Japanese). */
export function validationHtml(r: ValidationReport): string {
  const names = new Map(r.items.map((i) => [i.id, i.name]));
  const parts: string[] = [];
  parts.push(`<h1>${escapeHtml(`データ項目と判定規則の検証（${r.municipality}）`)}</h1>`);
  parts.push(
    p(
      `判定の実行番号 ${r.run.id}（基準日 ${r.run.asOf}、規則の版 ${r.run.ruleVersion}、名寄せ実行番号 ${r.run.linkRunId}）。対象のこども ${int(r.children)} 人。`,
    ),
  );
  parts.push(
    `<p class="note">${escapeHtml(
      "この報告には個人を特定できる情報は含まれません（件数と統計量のみ）。ただし小さな件数は個人の推測につながることがあるため、外部に出すときは mimamori stats export（小さな件数を秘匿）を使ってください。",
    )}</p>`,
  );

  // 1. Item validation.
  const sec1: string[] = [h2("1. データ項目の検証（抽出群と対照群の比較）")];
  sec1.push(
    p(
      `2024年度実証報告（§2.1）と同じく、困難類型ごとに抽出群（下表）と対照群（それ以外）で各データ項目の該当・非該当を数え、2×2表で検定しました。判定: p ≤ ${r.alpha} かつ抽出群の該当数が期待値より多いこと。期待度数が 5 未満のときは Fisher の正確検定の p を使います（χ² 近似が不正確なため）。`,
    ),
    p(
      "● 関連あり（Benjamini–Hochberg 法で多重検定を調整した q も基準以下）、◆ 実証と同じ基準では関連ありだが q が基準を超える（多数の検定の中の偶然の可能性）、– 抽出群を定める項目または検定できない表、空欄 関連は見つからず（関連がないことの証明ではありません）。",
    ),
    p(
      "健診・学校のデータでしか分からない項目は、その健診・学校の記録があるこどもの中で比べています（年齢だけで見かけの関連が出ないように）。",
    ),
  );
  if (r.registerMissing) {
    sec1.push(
      `<p class="warn">${escapeHtml("要対協の台帳データがないため、虐待の抽出群は一時保護歴で定めました（2024年度実証の一団体と同じ）。")}</p>`,
    );
  }
  sec1.push(
    table(
      ["困難類型", "抽出群", "比べたこども", "抽出群の人数", "抽出群を定める項目（–）"],
      r.groups.map((g) => [
        typeName(g.difficulty),
        g.label,
        `${g.populationLabel}（${int(g.n)} 人）`,
        int(g.size),
        g.defining.join("、"),
      ]),
      3,
    ),
  );
  for (const g of r.groups) {
    const rows = r.validation.filter((v) => v.difficulty === g.difficulty);
    sec1.push(h3(`${typeName(g.difficulty)}（抽出群: ${g.label}）`));
    sec1.push(
      table(
        [
          "項目",
          "名称",
          "a 該当・抽出群",
          "b 該当・対照群",
          "c 非該当・抽出群",
          "d 非該当・対照群",
          "期待値 a",
          "検定",
          "p",
          "q",
          "オッズ比 (95%信頼区間)",
          "記号",
        ],
        rows.map((v) => [
          v.itemId,
          names.get(v.itemId) ?? "",
          int(v.counts.a),
          int(v.counts.b),
          int(v.counts.c),
          int(v.counts.d),
          formatFigure(v.test.expectedA),
          v.excluded
            ? "抽出群を定める"
            : v.test.testUsed === "fisher"
              ? "Fisher"
              : v.test.testUsed === "pearson"
                ? "χ²"
                : "検定不可",
          formatFigure(v.test.pUsed),
          formatFigure(v.q),
          v.test.oddsRatio === null
            ? "—"
            : `${formatFigure(v.test.oddsRatio)} (${formatFigure(v.test.orCiLow)}〜${formatFigure(v.test.orCiHigh)})${v.test.haldane ? " ※" : ""}`,
          v.marker,
        ]),
        2,
      ),
    );
  }
  sec1.push(
    `<p class="note">${escapeHtml("※ セルに 0 があるため、各セルに 0.5 を加えて（Haldane の補正）オッズ比を計算しています。")}</p>`,
  );
  const review = reviewOf(r);
  sec1.push(h3("年次見直し: 2024年度実証事業の結果との比較"));
  sec1.push(
    p(
      "実証事業で関連が見つかった項目（● 2 団体以上、◆ 1 団体）が、この自治体のデータでも関連があるかを並べました。「今回は関連なし」の項目は重みや採用を見直す候補、「未検定」はこの自治体では確かめられていない項目、「新たな関連」は実証事業では見つからなかった関連です。毎年この表で項目と基準を見直してください。",
    ),
  );
  sec1.push(
    review.length === 0
      ? p("比べられる項目がありません。")
      : table(
          ["困難類型", "項目", "名称", "実証事業", "この自治体", "見直し"],
          review.map((x) => [
            typeName(x.difficulty),
            x.itemId,
            names.get(x.itemId) ?? "",
            x.pilot ?? "（未検定）",
            x.here === null ? "（判定なし）" : x.here === "" ? "関連なし" : x.here,
            REVIEW_STATUS_NAMES[x.status],
          ]),
          9,
        ),
  );
  parts.push(`<section>${sec1.join("\n")}</section>`);

  // 2. Rule evaluation.
  const sec2: string[] = [h2("2. 判定規則の評価（いま手元にあるラベルとの比較）")];
  sec2.push(
    p(
      "各類型の抽出群をラベル（正解の代わり）として、判定規則の点数がどれだけラベルを当てるかを見ました。ラベルを定める項目そのものは点数から除いて計算し直しています（例: 虐待では要対協登録 B01 を除いた点数）。ラベルは同じ基準日のデータで、将来の登録や支援の結果ではありません。カンファレンスの判断や支援開始が記録されるようになれば、それを正解として同じ評価ができます。",
    ),
    p(
      `上位 k 人: 点数の高い順に k 人を確認できるとき（規則の確認件数 1か月 ${r.capacity.perMonth}${r.capacity.unit === "households" ? " 世帯" : " 人"} と、その12か月分。世帯単位の上限はこども単位で近似）。同点で k に収まらないときは、同点の中から無作為に選んだときの期待値です。`,
    ),
  );
  sec2.push(
    table(
      [
        "困難類型",
        "方式・しきい値",
        "点数から除いた項目",
        "対象",
        "ラベルあり",
        "基準以上",
        "適合率",
        "再現率",
        "偽陽性率",
        "AUC",
      ],
      r.rules.map((e) => [
        typeName(e.difficulty),
        `${e.method} ≥ ${formatFigure(e.threshold)}`,
        e.excludedItems.join("、"),
        int(e.n),
        int(e.positives),
        int(e.atThreshold.tp + e.atThreshold.fp),
        pct(e.atThreshold.precision),
        pct(e.atThreshold.recall),
        pct(e.atThreshold.falsePositiveRate),
        formatFigure(e.auc),
      ]),
      3,
    ),
  );
  sec2.push(
    table(
      ["困難類型", "上位 k 人", "うちラベルあり（期待値）", "適合率", "再現率", "同点で切れた人数"],
      r.rules.flatMap((e) =>
        e.atCapacity.map((t) => [
          typeName(e.difficulty),
          int(t.k),
          formatFigure(t.truePositives),
          pct(t.precision),
          pct(t.recall),
          t.tiedAtCut === 0 ? "" : int(t.tiedAtCut),
        ]),
      ),
    ),
  );
  for (const e of r.rules) {
    sec2.push(h3(`${typeName(e.difficulty)}: 点数ごとのラベルの割合（較正表）`));
    if (e.calibration !== null) {
      sec2.push(
        table(
          ["区分", "人数", "予測確率の平均", "予測の範囲", "ラベルあり", "実際の割合"],
          e.calibration.map((b) => [
            String(b.bin + 1),
            int(b.n),
            pct(b.meanPredicted),
            `${pct(b.minPredicted)}〜${pct(b.maxPredicted)}`,
            int(b.positives),
            pct(b.observedRate),
          ]),
        ),
      );
    } else {
      sec2.push(
        table(
          ["点数", "人数", "ラベルあり", "実際の割合"],
          e.byScore.map((s) => [
            formatFigure(s.score),
            int(s.n),
            int(s.positives),
            pct(s.observedRate),
          ]),
        ),
      );
    }
  }
  parts.push(`<section>${sec2.join("\n")}</section>`);

  // 3. Funnel.
  const sec3: string[] = [h2("3. 判定から支援までの流れ（実行ごと）")];
  sec3.push(
    p(
      "選定（会議の議題に載った人数）、判断（要支援・調査継続・経過観察・支援不要）、支援開始（要支援・調査継続のうち支援計画を作った人数）は、候補リスト・会議・ケースの記録から数えています。数えるのは、その実行で基準以上かつ除外のないこども（リスト掲載）のうち候補リストに載ったこどもです。候補リストを作っていない実行の欄は「—」（未記録）です。",
    ),
  );
  sec3.push(
    table(
      [
        "実行番号",
        "基準日",
        "困難類型",
        "対象",
        "基準以上",
        "割合",
        "リスト掲載",
        "選定",
        ...OUTCOMES,
        "支援開始",
      ],
      r.funnel.map((f) => [
        String(f.runId),
        f.asOf,
        typeName(f.difficulty),
        int(f.applicable),
        int(f.flagged),
        pct(f.flagRate),
        int(f.listed),
        int(f.selected),
        ...OUTCOMES.map((o) => int(f.outcomes?.[o])),
        int(f.supportStarted),
      ]),
      3,
    ),
  );
  parts.push(`<section>${sec3.join("\n")}</section>`);

  // 3b. Conference decisions and later 要対協 registration as labels.
  const sec3b: string[] = [h2("3b. 会議の判断をラベルにした確認")];
  sec3b.push(
    p(
      `この実行の点数の高い順に、確認できる件数（月 ${r.capacity.perMonth} 件・年 ${r.capacity.perMonth * 12} 件）だけ並べたとき、会議で判断されたこどものうち「要支援」だった割合です。要支援を陽性、経過観察・支援不要を陰性とし、調査継続（まだ判断していない）と会議にかかっていないこどもはラベルなしとして数えません。「判断あり」がその割合の根拠の人数です。`,
    ),
  );
  sec3b.push(
    table(
      [
        "困難類型",
        "対象",
        "判断あり",
        "うち要支援",
        "うち基準以上",
        "上位件数",
        "上位の判断あり",
        "上位の要支援",
        "適合率",
      ],
      r.decisionLabels.flatMap((d) =>
        d.atCapacity.map((c) => [
          typeName(d.difficulty),
          int(d.n),
          int(d.decided),
          int(d.positives),
          int(d.decidedFlagged),
          int(c.k),
          int(c.labelled),
          int(c.positives),
          pct(c.precision),
        ]),
      ),
      1,
    ),
  );
  if (r.laterCouncil) {
    sec3b.push(h3("のちの要対協への登録（要対協の構成員だけに表示）"));
    sec3b.push(
      p(
        r.laterCouncil.laterRuns === 0
          ? "この実行より後の判定実行がまだありません。のちの登録は、ケースの要対協登録だけから数えています。"
          : `この実行のあと ${r.laterCouncil.laterRuns} 回の判定実行と、ケースの要対協登録から、この実行の時点で要対協に登録されていなかったこどもが、のちに登録された割合を基準以上とそれ以外で比べています。`,
      ),
    );
    sec3b.push(
      table(
        ["困難類型", "基準以上", "のちに登録", "割合", "基準未満", "のちに登録", "割合"],
        r.laterCouncil.rows.map((x) => [
          typeName(x.difficulty),
          int(x.flagged),
          int(x.flaggedLater),
          pct(x.flaggedRate),
          int(x.unflagged),
          int(x.unflaggedLater),
          pct(x.unflaggedRate),
        ]),
        1,
      ),
    );
  }
  parts.push(`<section>${sec3b.join("\n")}</section>`);

  // 4. Fairness.
  const sec4: string[] = [h2("4. 公平性（属性ごとの判定の割合）")];
  sec4.push(
    p(
      "属性ごとに、基準以上と判定された割合を、その属性のないこどもと比べました（比 = 属性あり ÷ 属性なし）。ラベルのある類型では、ラベルのないこどもが基準以上になった割合（偽陽性率、ラベルを定める項目を除いた点数で判定）も比べています。比が大きいほど、その属性のこどもが多く拾われています。属性そのものが判定項目であることもあり（生活保護 B17 は貧困の項目）、比が高いことがすぐに不公平を意味するわけではありませんが、確認の際に知っておく必要があります。",
    ),
  );
  sec4.push(
    table(
      ["属性", "該当するこども", "根拠"],
      FAIRNESS_GROUPS.map((g) => [g.label, int(r.fairnessGroupSizes[g.id]), g.basis]),
      1,
    ),
  );
  const label = new Map(FAIRNESS_GROUPS.map((g) => [g.id, g.label]));
  sec4.push(
    table(
      [
        "困難類型",
        "属性",
        "属性あり: 判定割合",
        "属性なし: 判定割合",
        "比",
        "属性あり: 偽陽性率",
        "属性なし: 偽陽性率",
        "比",
      ],
      r.fairness.map((f) => [
        typeName(f.difficulty),
        label.get(f.group) ?? f.group,
        `${pct(f.inGroup.rate)}（${int(f.inGroup.count)}/${int(f.inGroup.n)}）`,
        `${pct(f.rest.rate)}（${int(f.rest.count)}/${int(f.rest.n)}）`,
        formatFigure(f.flagRateRatio),
        f.fpInGroup === null ? "ラベルなし" : pct(f.fpInGroup.rate),
        f.fpRest === null ? "ラベルなし" : pct(f.fpRest.rate),
        formatFigure(f.fprRatio),
      ]),
      2,
    ),
  );
  parts.push(`<section>${sec4.join("\n")}</section>`);

  return `<!DOCTYPE html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`検証報告 ${r.municipality} 実行番号 ${r.run.id}`)}</title>
<style>${STYLE}</style>
</head>
<body>
${parts.join("\n")}
</body>
</html>
`;
}
