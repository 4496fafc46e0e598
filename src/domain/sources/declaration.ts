/**
 * Sources as data (issue 14): one declared form for every source a
 * municipality imports — the 19 canonical layouts of layouts.md
 * (`built-in.ts`) and a municipality's own (a 妊娠届アンケート, a survey, a
 * vendor export with columns the standard lacks). A declaration says what a
 * file holds (columns with types, required columns, recodings), whom a row is
 * about (the columns that identify the person; `subject: mother` for rows
 * about a mother that concern her child), and which column dates the event.
 * `compileDeclaration` turns it into the `Layout` that import, linkage, the
 * item evaluator and the validation report read — there is no second path.
 *
 * Declarations come from YAML/JSON written by a municipality: everything is
 * checked here (zod for the shape, then the cross-references a shape cannot
 * check) and every problem is reported at once, in Japanese.
 */
import { z } from "zod";
import { MimamoriError } from "../errors.ts";
import type { ColumnDef, ColumnType, Layout, SourceRoles } from "../layouts.ts";
import type { SourceId } from "../types.ts";
import { enumeration } from "../values.ts";
import { japaneseIssueMessage } from "../zod-messages.ts";

/**
 * Column types a declaration may use. The Japanese names are accepted as
 * spellings of the same types (`氏名` = `name`).
 */
export const COLUMN_TYPES = {
  date: "日付",
  bool: "はい・いいえ",
  number: "数値",
  code: "コード",
  text: "文字",
  id: "番号",
  name: "氏名",
  kana: "カナ",
  resident_no: "宛名番号",
  household_no: "世帯番号",
  school: "学校名",
  address: "住所",
  sex: "性別",
  grade: "学年",
  fiscal_year: "年度",
  icd10: "ICD-10",
} as const;

export type DeclaredType = keyof typeof COLUMN_TYPES;

const TYPE_BY_NAME: ReadonlyMap<string, DeclaredType> = new Map(
  Object.entries(COLUMN_TYPES).flatMap(([k, ja]) => [
    [k, k as DeclaredType],
    [ja, k as DeclaredType],
  ]),
);

export interface ColumnDeclaration {
  readonly name: string;
  readonly type: DeclaredType;
  readonly required?: boolean;
  /** The value a blank cell stands for (layouts.md: 国籍 blank = 日本). */
  readonly blankMeans?: string;
  /** number: whole numbers only; bounds; units accepted after the number (`12.5kg`). */
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly units?: readonly string[];
  /** code: the values, and other spellings folded onto them. */
  readonly values?: readonly string[];
  readonly aliases?: Readonly<Record<string, string>>;
}

/** Which columns say whom a row is about (at least 宛名番号, or 氏名 and 生年月日). */
export interface IdentifyDeclaration {
  readonly residentNo?: string;
  readonly name?: string;
  readonly birthDate?: string;
}

/** For `subject: mother`: what links a mother's row to the child it concerns (layouts.md rule). */
export interface MotherChildDeclaration {
  /** 子宛名番号: names the child outright. */
  readonly childResidentNo?: string;
  /** 出産予定日: the child born nearest it (within 60 days). */
  readonly dueDate?: string;
  /** 健診日 after the birth: the child born within 120 days before it. */
  readonly checkupDate?: string;
}

export interface SourceDeclaration {
  /** Lower-case letters, digits and `_` (`ninshin_anketo`). */
  readonly id: string;
  /** 名称, shown to staff and matched in file names. */
  readonly name: string;
  /** A built-in source whose columns this one adds to (promoting extra columns to typed ones). */
  readonly extends?: string;
  readonly description?: string;
  /** `person` (default): the row is about the identified person; `mother`: about her child. */
  readonly subject?: "person" | "mother";
  readonly identify?: IdentifyDeclaration;
  readonly motherChild?: MotherChildDeclaration;
  /** The date of the event a row records: rows dated after a run's date are ignored. */
  readonly eventDate?: string | null;
  readonly columns: readonly ColumnDeclaration[];
  /** Per column: the file's value → the value to read (applied before the type's reader). */
  readonly recode?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** [start, end] date columns: the end may not be before the start. */
  readonly periods?: readonly (readonly [string, string])[];
  /** Groups of columns of which at least one must hold a value on every row. */
  readonly atLeastOne?: readonly (readonly string[])[];
}

const text = z.string().trim().min(1, "空にはできません");
const columnType = z.string().transform((s, ctx) => {
  const t = TYPE_BY_NAME.get(s.trim());
  if (t === undefined) {
    ctx.addIssue({
      code: "custom",
      message: `型「${s}」はありません。使える型: ${Object.entries(COLUMN_TYPES)
        .map(([k, ja]) => `${k}（${ja}）`)
        .join("、")}`,
    });
    return z.NEVER;
  }
  return t;
});
const scalarText = z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v));

const columnSchema = z.strictObject({
  name: text,
  type: columnType,
  required: z.boolean().optional(),
  blankMeans: z.string().optional(),
  integer: z.boolean().optional(),
  min: z.number().finite().optional(),
  max: z.number().finite().optional(),
  units: z.array(text).optional(),
  values: z.array(scalarText).min(1).optional(),
  aliases: z.record(z.string(), scalarText).optional(),
});

export const sourceDeclarationSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z][a-z0-9_]{1,39}$/, "ID は英小文字で始まる英小文字・数字・_ の 2〜40 文字です"),
  name: text,
  extends: z.string().optional(),
  description: z.string().optional(),
  subject: z.enum(["person", "mother"]).optional(),
  identify: z
    .strictObject({
      residentNo: text.optional(),
      name: text.optional(),
      birthDate: text.optional(),
    })
    .optional(),
  motherChild: z
    .strictObject({
      childResidentNo: text.optional(),
      dueDate: text.optional(),
      checkupDate: text.optional(),
    })
    .optional(),
  eventDate: text.nullable().optional(),
  columns: z.array(columnSchema),
  recode: z.record(z.string(), z.record(z.string(), scalarText)).optional(),
  periods: z.array(z.tuple([text, text])).optional(),
  atLeastOne: z.array(z.array(text).min(1)).optional(),
});

/** 抽出日: the as-of date column every source has (layouts.md). */
const AS_OF = "抽出日";

function columnTypeOf(c: ColumnDeclaration, where: string, out: string[]): ColumnType {
  switch (c.type) {
    case "date":
      return { kind: "date" };
    case "bool":
      return { kind: "bool" };
    case "number":
      return {
        kind: "number",
        integer: c.integer ?? false,
        ...(c.min === undefined ? {} : { min: c.min }),
        ...(c.max === undefined ? {} : { max: c.max }),
        ...(c.units === undefined ? {} : { units: c.units }),
      };
    case "code": {
      const values = c.values ?? [];
      if (values.length === 0)
        out.push(`${where}: 型 code には values（使える値の一覧）が必要です。`);
      for (const [alias, v] of Object.entries(c.aliases ?? {})) {
        if (!values.includes(v))
          out.push(`${where}: aliases の「${alias}」の先「${v}」が values にありません。`);
      }
      try {
        return { kind: "enum", enumeration: enumeration(values, c.aliases ?? {}) };
      } catch {
        return { kind: "enum", enumeration: enumeration(values) };
      }
    }
    case "text":
    case "school":
    case "address":
      return { kind: "text" };
    case "id":
    case "resident_no":
    case "household_no":
      return { kind: "id" };
    case "name":
      return { kind: "name" };
    case "kana":
      return { kind: "kana" };
    case "sex":
      return { kind: "sex" };
    case "grade":
      return { kind: "grade" };
    case "fiscal_year":
      return { kind: "fiscal_year" };
    case "icd10":
      return { kind: "icd10" };
  }
}

/** Options that only a `number` or `code` column may carry. */
function misplacedOptions(c: ColumnDeclaration, where: string, out: string[]): void {
  const numberOnly = ["integer", "min", "max", "units"] as const;
  const codeOnly = ["values", "aliases"] as const;
  if (c.type !== "number") {
    for (const k of numberOnly)
      if (c[k] !== undefined) out.push(`${where}: ${k} は型 number の列にだけ書けます。`);
  }
  if (c.type !== "code") {
    for (const k of codeOnly)
      if (c[k] !== undefined) out.push(`${where}: ${k} は型 code の列にだけ書けます。`);
  }
  if (c.min !== undefined && c.max !== undefined && c.min > c.max)
    out.push(`${where}: min が max より大きくなっています。`);
}

/** The first column of a declared type, for linkage roles. */
function firstOf(columns: readonly ColumnDeclaration[], type: DeclaredType): string | undefined {
  return columns.find((c) => c.type === type)?.name;
}

/**
 * A checked declaration → the Layout the rest of the system reads. `base` is
 * the built-in declaration an `extends` names. Throws `invalid_input` with
 * every problem.
 */
export function compileDeclaration(
  input: SourceDeclaration,
  base?: SourceDeclaration,
  builtIn = false,
): Layout {
  const d: SourceDeclaration =
    base === undefined
      ? input
      : {
          ...base,
          ...input,
          columns: [...base.columns, ...input.columns],
          recode: { ...(base.recode ?? {}), ...(input.recode ?? {}) },
          periods: [...(base.periods ?? []), ...(input.periods ?? [])],
          atLeastOne: [...(base.atLeastOne ?? []), ...(input.atLeastOne ?? [])],
          identify: input.identify ?? base.identify,
          eventDate: input.eventDate === undefined ? base.eventDate : input.eventDate,
          subject: input.subject ?? base.subject,
          motherChild: input.motherChild ?? base.motherChild,
        };
  const out: string[] = [];
  const where = (c: string) => `列「${c}」`;
  const byName = new Map<string, ColumnDeclaration>();
  const columns: ColumnDef[] = [];
  for (const c of d.columns) {
    if (c.name === AS_OF) {
      out.push(
        `${where(c.name)}: 抽出日はどの取り込み元にもある列です。columns には書かないでください。`,
      );
      continue;
    }
    if (byName.has(c.name)) {
      out.push(`${where(c.name)}: 同じ名前の列が2つあります。`);
      continue;
    }
    byName.set(c.name, c);
    misplacedOptions(c, where(c.name), out);
    const type = columnTypeOf(c, where(c.name), out);
    columns.push({
      name: c.name,
      required: c.required ?? false,
      type,
      ...(c.blankMeans === undefined ? {} : { blankMeans: c.blankMeans }),
    });
  }
  const need = (name: string | undefined | null, what: string, types?: readonly DeclaredType[]) => {
    if (name === undefined || name === null) return;
    const c = byName.get(name);
    if (!c) {
      out.push(`${what}の列「${name}」が columns にありません。`);
      return;
    }
    if (types && !types.includes(c.type))
      out.push(
        `${what}の列「${name}」の型は ${types.map((t) => `${t}（${COLUMN_TYPES[t]}）`).join(" か ")} にしてください（いまは ${c.type}）。`,
      );
  };
  const identify = d.identify ?? {};
  need(identify.residentNo, "identify.residentNo（宛名番号）", ["resident_no", "id"]);
  need(identify.name, "identify.name（氏名）", ["name"]);
  need(identify.birthDate, "identify.birthDate（生年月日）", ["date"]);
  if (
    identify.residentNo === undefined &&
    (identify.name === undefined || identify.birthDate === undefined)
  ) {
    out.push(
      "identify: だれの行かを決める列が必要です。residentNo（宛名番号の列）か、name（氏名）と birthDate（生年月日）の両方を書いてください。",
    );
  }
  need(d.eventDate, "eventDate（出来事の日付）", ["date"]);
  const subject = d.subject ?? "person";
  if (subject === "mother") {
    const mc = d.motherChild ?? {};
    need(mc.childResidentNo, "motherChild.childResidentNo（子宛名番号）", ["resident_no", "id"]);
    need(mc.dueDate, "motherChild.dueDate（出産予定日）", ["date"]);
    need(mc.checkupDate, "motherChild.checkupDate（健診日）", ["date"]);
    if (
      mc.childResidentNo === undefined &&
      mc.dueDate === undefined &&
      mc.checkupDate === undefined
    )
      out.push(
        "subject が mother のときは motherChild に子宛名番号・出産予定日・健診日の列の少なくとも1つを書いてください（どの子の行かを決めます）。",
      );
    if (identify.residentNo === undefined)
      out.push("subject が mother のときは identify.residentNo（母の宛名番号の列）が必要です。");
  } else if (d.motherChild !== undefined) {
    out.push("motherChild は subject が mother のときだけ書けます。");
  }
  for (const [col, table] of Object.entries(d.recode ?? {})) {
    if (!byName.has(col)) out.push(`recode: 列「${col}」が columns にありません。`);
    void table;
  }
  for (const [s, e] of d.periods ?? []) {
    need(s, "periods（開始日）", ["date"]);
    need(e, "periods（終了日）", ["date"]);
  }
  for (const g of d.atLeastOne ?? []) for (const c of g) need(c, "atLeastOne");
  if (out.length > 0) {
    throw new MimamoriError(
      "invalid_input",
      `取り込み元「${d.id}」の定義に誤りがあります。次の箇所を直してください。`,
      out,
    );
  }
  const roles: SourceRoles = {
    ...(identify.residentNo === undefined ? {} : { residentNo: identify.residentNo }),
    ...optional("householdNo", firstOf(d.columns, "household_no")),
    ...optional("name", identify.name ?? firstOf(d.columns, "name")),
    ...optional("kana", firstOf(d.columns, "kana")),
    ...optional("birthDate", identify.birthDate),
    ...optional("sex", firstOf(d.columns, "sex")),
    ...optional("address", firstOf(d.columns, "address")),
    ...optional("school", firstOf(d.columns, "school")),
    ...optional("grade", firstOf(d.columns, "grade")),
  };
  return {
    id: d.id as SourceId,
    name: d.name,
    columns: [...columns, { name: AS_OF, required: false, type: { kind: "date" } }],
    atLeastOne: d.atLeastOne ?? [],
    periods: d.periods ?? [],
    eventDate: d.eventDate ?? null,
    subject,
    roles,
    motherChild: subject === "mother" ? (d.motherChild ?? {}) : null,
    recode: d.recode ?? {},
    builtIn,
    declaration: d,
  };
}

function optional<K extends string>(key: K, v: string | undefined): { [P in K]?: string } {
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: string };
}

function issueText(i: z.core.$ZodIssue): string {
  return `${i.path.join(".") || "(全体)"}: ${japaneseIssueMessage(i)}`;
}

/** A declaration from untrusted data (YAML or JSON already parsed); checks the shape only. */
export function parseDeclaration(value: unknown, origin = "取り込み元の定義"): SourceDeclaration {
  const parsed = sourceDeclarationSchema.safeParse(value);
  if (!parsed.success) {
    throw new MimamoriError(
      "invalid_input",
      `${origin} の形が正しくありません。次の箇所を直してください。`,
      parsed.error.issues.map(issueText),
    );
  }
  return parsed.data as SourceDeclaration;
}
