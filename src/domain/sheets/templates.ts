/**
 * 情報収集シート templates (issue 13): the questions a request asks the child's
 * school, nursery, 保健師 or ケースワーカー, one template per difficulty type.
 * The built-in set below is what a municipality starts with; an edited
 * template is stored per municipality (sheet_template) and replaces the
 * built-in one for that difficulty type.
 *
 * `general` is the template of a mode-(c) request: the recipient is told the
 * child's name only, so the questions must not reveal the difficulty type.
 */
import { DIFFICULTY_IDS, DIFFICULTY_NAMES, type DifficultyId } from "../scoring/difficulties.ts";

export const TEMPLATE_KEYS = ["general", ...DIFFICULTY_IDS] as const;
export type TemplateKey = (typeof TEMPLATE_KEYS)[number];

export function isTemplateKey(s: string): s is TemplateKey {
  return (TEMPLATE_KEYS as readonly string[]).includes(s);
}

export const TEMPLATE_LABELS: Record<TemplateKey, string> = {
  general: "共通（困難の種類を伝えない依頼）",
  ...DIFFICULTY_NAMES,
};

export const QUESTION_KINDS = ["text", "choice"] as const;
export type QuestionKind = (typeof QUESTION_KINDS)[number];

export interface Question {
  /** Stable within a template (answers are keyed by it). */
  readonly id: string;
  readonly text: string;
  readonly kind: QuestionKind;
  /** The choices of a `choice` question. */
  readonly choices?: string[];
}

export interface SheetTemplate {
  readonly key: TemplateKey;
  readonly title: string;
  readonly questions: readonly Question[];
}

const SEEN = ["気になる様子がある", "特に気になる様子はない", "わからない"] as const;
const ATTENDANCE = [
  "ほぼ毎日出席",
  "休みがちな時期がある",
  "長く休んでいる",
  "わからない",
] as const;

const common: Question[] = [
  { id: "attendance", text: "最近の出席（登園）の状況", kind: "choice", choices: [...ATTENDANCE] },
  { id: "appearance", text: "身なり・健康面で気になること", kind: "text" },
  { id: "relations", text: "友人・職員との関係で気になること", kind: "text" },
];
const closing: Question[] = [
  {
    id: "contact",
    text: "保護者との連絡の状況（連絡がつきやすいか、面談の様子など）",
    kind: "text",
  },
  { id: "other", text: "その他、支援を考えるうえで伝えたいこと", kind: "text" },
];

/** The built-in questions per difficulty type (Japanese; editable per municipality). */
export const BUILT_IN_TEMPLATES: Readonly<Record<TemplateKey, SheetTemplate>> = {
  general: {
    key: "general",
    title: "情報収集シート（共通）",
    questions: [
      ...common,
      { id: "mood", text: "表情・気持ちの様子（元気がない、落ち着かないなど）", kind: "text" },
      ...closing,
    ],
  },
  abuse: {
    key: "abuse",
    title: "情報収集シート（虐待）",
    questions: [
      ...common,
      {
        id: "injury",
        text: "説明のつかないけが・あざを見たことがあるか",
        kind: "choice",
        choices: [...SEEN],
      },
      { id: "home_fear", text: "家に帰りたがらない、保護者を怖がる様子", kind: "text" },
      { id: "meals", text: "食事（給食の食べ方、空腹の訴えなど）", kind: "text" },
      ...closing,
    ],
  },
  poverty: {
    key: "poverty",
    title: "情報収集シート（貧困）",
    questions: [
      ...common,
      {
        id: "fees",
        text: "給食費・教材費などの納入の状況",
        kind: "choice",
        choices: ["滞りなし", "遅れがち", "未納がある", "わからない"],
      },
      { id: "belongings", text: "持ち物・学用品の不足", kind: "text" },
      { id: "meals", text: "食事（給食の食べ方、空腹の訴えなど）", kind: "text" },
      ...closing,
    ],
  },
  truancy: {
    key: "truancy",
    title: "情報収集シート（不登校）",
    questions: [
      ...common,
      { id: "absence_days", text: "今年度の欠席日数（おおよそ）と、増え始めた時期", kind: "text" },
      { id: "absence_reason", text: "欠席の理由として聞いていること", kind: "text" },
      {
        id: "school_support",
        text: "学校で行っている対応（別室登校、家庭訪問など）",
        kind: "text",
      },
      ...closing,
    ],
  },
  young_carer: {
    key: "young_carer",
    title: "情報収集シート（ヤングケアラー）",
    questions: [
      ...common,
      {
        id: "care",
        text: "家族の世話・家事をしている様子（きょうだいの送迎、通院の付き添いなど）",
        kind: "choice",
        choices: [...SEEN],
      },
      { id: "tired", text: "遅刻・居眠り・宿題ができていないなど、疲れの様子", kind: "text" },
      ...closing,
    ],
  },
  postpartum: {
    key: "postpartum",
    title: "情報収集シート（産後の不調）",
    questions: [
      {
        id: "checkups",
        text: "乳幼児健診・予防接種の受診状況",
        kind: "choice",
        choices: ["予定どおり", "遅れがある", "未受診がある", "わからない"],
      },
      { id: "mother", text: "母親（養育者）の様子で気になること", kind: "text" },
      { id: "baby", text: "こどもの発育・様子で気になること", kind: "text" },
      { id: "helpers", text: "家族や周囲の手助けの状況", kind: "text" },
      ...closing,
    ],
  },
  developmental: {
    key: "developmental",
    title: "情報収集シート（発達）",
    questions: [
      ...common,
      { id: "learning", text: "学習・生活面で困っていること", kind: "text" },
      { id: "support_used", text: "受けている支援（通級、加配、療育など）", kind: "text" },
      ...closing,
    ],
  },
  bullying: {
    key: "bullying",
    title: "情報収集シート（いじめ）",
    questions: [
      ...common,
      {
        id: "incidents",
        text: "いじめの訴え・目撃・アンケートでの回答",
        kind: "choice",
        choices: [...SEEN],
      },
      { id: "response", text: "学校で行った対応", kind: "text" },
      ...closing,
    ],
  },
  withdrawal: {
    key: "withdrawal",
    title: "情報収集シート（ひきこもり）",
    questions: [
      ...common,
      { id: "outings", text: "外出の様子、家族以外との接点", kind: "text" },
      { id: "family_talk", text: "家族から聞いている本人の様子", kind: "text" },
      ...closing,
    ],
  },
};

/** The template in force: the municipality's own when stored, else the built-in one. */
export function templateFor(
  key: TemplateKey,
  stored: ReadonlyMap<string, SheetTemplate>,
): SheetTemplate {
  return stored.get(key) ?? BUILT_IN_TEMPLATES[key];
}

/**
 * The questions of a request about `difficulties`: the general template for a
 * mode-(c) request, else the templates of the chosen types merged in order
 * (a question id asked by two templates is asked once).
 */
export function questionsFor(
  mode: "a" | "b" | "c",
  difficulties: readonly DifficultyId[],
  stored: ReadonlyMap<string, SheetTemplate>,
): Question[] {
  const keys: TemplateKey[] =
    mode === "c" || difficulties.length === 0 ? ["general"] : [...difficulties];
  const out: Question[] = [];
  const seen = new Set<string>();
  for (const k of keys)
    for (const q of templateFor(k, stored).questions)
      if (!seen.has(q.id)) {
        seen.add(q.id);
        out.push(q);
      }
  return out;
}

/** Problems of an edited template (Japanese), empty when it can be saved. */
export function templateProblems(t: { title: string; questions: readonly Question[] }): string[] {
  const problems: string[] = [];
  if (!t.title.trim()) problems.push("シートの題名を入力してください。");
  if (t.questions.length === 0) problems.push("質問を1つ以上入れてください。");
  const ids = new Set<string>();
  t.questions.forEach((q, i) => {
    const n = i + 1;
    if (!q.text.trim()) problems.push(`${n}番目の質問の文を入力してください。`);
    if (ids.has(q.id)) problems.push(`${n}番目の質問の識別子「${q.id}」が重複しています。`);
    ids.add(q.id);
    if (q.kind === "choice" && (q.choices?.filter((c) => c.trim()).length ?? 0) < 2)
      problems.push(`${n}番目の質問（選択式）には選択肢を2つ以上入れてください。`);
  });
  return problems;
}
