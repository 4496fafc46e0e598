/**
 * An item's criterion as a sentence a clerk reads (データ項目's 条件 column),
 * instead of its internal kind (`record`, `checkup_missed`) over raw JSON.
 * Every field of every criterion kind (catalog.ts) is said: a sentence that
 * left a condition out would tell the clerk the item holds more often than it
 * does. The JSON stays available beside it for whoever writes a definition file.
 */
import type { Activity, Condition, Criterion, Scope } from "./catalog.ts";

/** Whose rows, as the sentence names them. */
const WHOSE: Record<Scope, string> = {
  self: "本人の行",
  others: "同じ世帯のほかの人の行",
  household: "本人か同じ世帯の人の行（世帯番号だけで届く行を含む）",
  mother: "母の行（このこどもの妊娠・出産のもの）",
};

const quote = (s: string) => `「${s}」`;

/** One condition on a cell, as a phrase ("「EPDS合計点」が 9 以上"). */
export function describeCondition(c: Condition): string {
  const col = quote(c.column);
  switch (c.op) {
    case "true":
      return `${col}が「はい」`;
    case "in":
      return c.values.length === 1
        ? `${col}が${quote(c.values[0] as string)}`
        : `${col}が${c.values.map(quote).join("・")}のいずれか`;
    case "lt":
      return `${col}が ${c.value} 未満`;
    case "le":
      return `${col}が ${c.value} 以下`;
    case "ge":
      return `${col}が ${c.value} 以上`;
    case "gt":
      return `${col}が ${c.value} より大きい`;
    case "blank":
      return `${col}が空欄`;
    case "present":
      return `${col}に記入がある`;
    case "icd_range":
      return `${col}が ICD-10 の ${c.from}〜${c.to}`;
    case "fiscal_year_recent":
      return `${col}が基準日の年度か、その ${c.years} 年度前まで`;
  }
}

function describeActivity(a: Activity): string {
  const start = a.start === null ? "" : `${quote(a.start)}から`;
  const end =
    a.end === null ? "" : a.endInclusive ? `${quote(a.end)}まで` : `${quote(a.end)}の前日まで`;
  return `基準日に有効な行だけ（${start}${end}）`;
}

/**
 * The criterion as one or more Japanese sentences; `sourceName` gives a
 * source id's Japanese name (the id itself when it is unknown).
 */
export function describeCriterion(c: Criterion, sourceName: (id: string) => string): string {
  switch (c.kind) {
    case "record": {
      const where = c.where.map(describeCondition).join("、");
      const rows = c.minRows !== undefined && c.minRows > 1 ? ` ${c.minRows} 件以上` : "";
      const head = `${sourceName(c.source)}に、${WHOSE[c.scope]}${where === "" ? "" : `で${where}のもの`}が${rows}ある。`;
      const notes: string[] = [];
      if (c.current)
        notes.push(
          c.current.key.length === 0
            ? "最新の行だけを見る"
            : `${c.current.key.map(quote).join("・")}ごとに最新の行だけを見る`,
        );
      if (c.active) notes.push(describeActivity(c.active));
      if (c.withinMonths !== undefined && c.withinMonths !== null)
        notes.push(`基準日から ${c.withinMonths} か月以内の行だけ`);
      if (c.withinDays !== undefined && c.withinDays !== null)
        notes.push(`基準日から ${c.withinDays} 日以内の行だけ`);
      return notes.length === 0 ? head : `${head}${notes.join("。")}。`;
    }
    case "any_of":
      return `次のどれかに当てはまる。${c.criteria
        .map((x, k) => `（${k + 1}）${describeCriterion(x, sourceName)}`)
        .join("")}`;
    case "checkup_missed":
      return `${sourceName("nyuyoji_kenshin")}（${c.kinds.join("・")}）の対象なのに受診していない（受診日が空欄で、同じ健診区分を受診した行がない。行がない健診は未受診としない）。`;
    case "attendance": {
      const notes = [
        `${sourceName("shukketsu")}の${quote(c.column)}が 1 学年度に ${c.perYear} 日以上（記録のある月数で按分。例: 6 か月分なら ${c.perYear / 2} 日）。`,
      ];
      if (c.excusedIncluded) notes.push("欠席日数から出席停止・忌引等の日数を除いて数える。");
      if (c.minMonths > 0) notes.push(`記録が ${c.minMonths} か月に満たない学年度は見ない。`);
      if (c.withinSchoolYears !== null)
        notes.push(`今の学年度とその ${c.withinSchoolYears} 学年度前までを見る。`);
      return notes.join("");
    }
    case "school_thinness":
      return `${sourceName("gakko_kenshin")}で肥満度が ${c.maxObesityPercent}％ 以下（痩身。標準体重は日本学校保健会の式）。`;
    case "child_allowance":
      return `${sourceName("jido_fuyo")}を受けている（支給区分が${c.receiving.map(quote).join("・")}。本人が対象児童か、同じ世帯のほかの人が受給者。受給者と対象児童ごとに最新の認定を見る）。`;
    case "many_children":
      return `同じ世帯に 0〜${c.maxAge} 歳の人が本人を含めて ${c.minChildren} 人以上いる（${sourceName("jumin")}）。`;
    case "moved_in":
      return `基準日から ${c.withinMonths} か月以内に転入した（${sourceName("jumin")}の住定日が生年月日より後）。`;
    case "no_enrolment":
      return `${c.minAge} 歳以上でまだ就学しておらず、基準日に${sourceName("hoiku_zaiseki")}の在籍がない。`;
  }
}
