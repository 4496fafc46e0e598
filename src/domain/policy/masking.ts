/**
 * Masking rules (issue 12): for each role and each identity field of a
 * person, the form the API answers it in — `full`, `partial` (山田 ＊＊,
 * 2015-04, the address up to the 町名, the last digits of a number) or
 * `hidden` (null). A municipality keeps its own rule set in the database,
 * versioned (db/masking.repository.ts); {@link DEFAULT_MASKING_RULES} applies
 * until it saves one. The API applies the rules in one place on the way out
 * (server/openapi/identity.ts): the web app never hides what the API sent.
 *
 * Masking is in addition to the data scope: 要対協 facts are decided by the
 * council mark (DataScope.council), which children by the scope, never here.
 */
import { ROLES, type Role } from "./roles.ts";

/** The rule set applied when a municipality has saved none (version 0). */
export const MASKING_VERSION = "既定（2026-12）";

export const IDENTITY_FIELDS = [
  "name",
  "nameKana",
  "birthDate",
  "sex",
  "residentNos",
  "address",
  "householdNo",
  "phone",
] as const;
export type IdentityField = (typeof IDENTITY_FIELDS)[number];

export const IDENTITY_FIELD_LABELS: Record<IdentityField, string> = {
  name: "氏名",
  nameKana: "カナ",
  birthDate: "生年月日",
  sex: "性別",
  residentNos: "宛名番号",
  address: "住所",
  householdNo: "世帯番号",
  phone: "電話番号",
};

export const MASK_FORMS = ["full", "partial", "hidden"] as const;
export type MaskForm = (typeof MASK_FORMS)[number];

/** How revealing a form is (a higher number reveals more). */
const REVEALS: Record<MaskForm, number> = { hidden: 0, partial: 1, full: 2 };

/** What `partial` means for each field, in words (docs and the settings page). */
export const PARTIAL_FORM_LABELS: Record<IdentityField, string | null> = {
  name: "姓だけ（山田 ＊＊）",
  nameKana: "姓だけ（ヤマダ ＊＊）",
  birthDate: "年月だけ（2015-04）",
  sex: null,
  residentNos: "下3桁だけ（＊＊＊＊＊123）",
  address: "町名まで（番地以下を伏せる）",
  householdNo: "下3桁だけ（＊＊＊＊＊123）",
  phone: "下4桁だけ（＊＊＊-＊＊＊＊-5678）",
};

/** Fields with a partial form (性別 has none: shown or hidden). */
export function hasPartialForm(field: IdentityField): boolean {
  return PARTIAL_FORM_LABELS[field] !== null;
}

export type RoleMasking = Record<IdentityField, MaskForm>;
export type MaskingRules = Record<Role, RoleMasking>;

const all = (form: MaskForm): RoleMasking =>
  Object.fromEntries(IDENTITY_FIELDS.map((f) => [f, form])) as RoleMasking;

/**
 * The default rule set, reasoned from each role's job (docs/security.md
 * "Masking rules"):
 * - 総括管理 and 支援担当 contact and support families: everything.
 * - 所属 (school, nursery) knows the child already: who the child is, never
 *   the registry numbers, the address or the phone (what the request's sharing
 *   mode shares is decided separately, per request).
 * - 分析 works on pseudonymised data: no name, no address, no numbers; birth
 *   year-month only (as in the pseudonymised export).
 * - 監査 checks who looked at which record: the ids (宛名番号, 世帯番号), the
 *   family name only, the birth year-month.
 * - データ提供 corrects its own files by 宛名番号: the numbers, the family name.
 * - システム管理者 manages accounts and sees no person.
 */
export const DEFAULT_MASKING_RULES: MaskingRules = {
  admin: all("hidden"),
  coordinator: all("full"),
  staff: all("full"),
  affiliation: {
    ...all("hidden"),
    name: "full",
    nameKana: "full",
    birthDate: "full",
    sex: "full",
  },
  analyst: { ...all("hidden"), birthDate: "partial", sex: "full" },
  auditor: {
    ...all("hidden"),
    name: "partial",
    nameKana: "partial",
    birthDate: "partial",
    residentNos: "full",
    householdNo: "full",
  },
  data_owner: {
    ...all("hidden"),
    name: "partial",
    nameKana: "partial",
    residentNos: "full",
    householdNo: "full",
  },
};

/** A stored rule set with missing roles or fields completed from the default (a new role or field stays masked as documented). */
export function completeRules(stored: Partial<Record<string, Partial<RoleMasking>>>): MaskingRules {
  const out = {} as MaskingRules;
  for (const role of ROLES) {
    out[role] = { ...DEFAULT_MASKING_RULES[role] };
    const given = stored[role] ?? {};
    for (const f of IDENTITY_FIELDS) {
      const form = given[f];
      if (form && (MASK_FORMS as readonly string[]).includes(form))
        out[role][f] = form === "partial" && !hasPartialForm(f) ? "hidden" : form;
    }
  }
  return out;
}

/** Per field, the most revealing form any of the actor's roles is given (a user holding two roles does both jobs). */
export function formsForRoles(rules: MaskingRules, roles: readonly string[]): RoleMasking {
  const out = all("hidden");
  for (const r of roles) {
    const rule = rules[r as Role];
    if (!rule) continue;
    for (const f of IDENTITY_FIELDS) if (REVEALS[rule[f]] > REVEALS[out[f]]) out[f] = rule[f];
  }
  return out;
}

/** Is `form` at most as revealing as `allowed`? (the walking test's check) */
export function revealsNoMoreThan(form: MaskForm, allowed: MaskForm): boolean {
  return REVEALS[form] <= REVEALS[allowed];
}

const ASTERISKS = "＊＊";

/** 山田 太郎 → 山田 ＊＊; one word (no space) → its first character and ＊＊. */
export function partialName(value: string): string {
  const words = value.trim().split(/[\s\u3000]+/);
  if (words.length > 1) return `${words[0]} ${ASTERISKS}`;
  return `${[...value.trim()].slice(0, 1).join("")}${ASTERISKS}`;
}

/** 2015-04-12 → 2015-04 (year and month only). */
export function partialDate(value: string): string {
  const m = /^(\d{4})[-/年](\d{1,2})/.exec(value);
  return m ? `${m[1]}-${String(m[2]).padStart(2, "0")}` : ASTERISKS;
}

/**
 * The address up to the 町名: everything from the first number (丁目, 番地,
 * 号, building) on is cut. みどり市本町3丁目4-5 → みどり市本町.
 */
export function partialAddress(value: string): string {
  const cut = value.search(/[0-9０-９]|[一二三四五六七八九十]+丁目/);
  const head = (cut < 0 ? value : value.slice(0, cut)).trim();
  return `${head}${ASTERISKS}`;
}

/** Every digit but the last `keep` replaced: 12345678 → ＊＊＊＊＊678. */
export function partialNumber(value: string, keep: number): string {
  const digits = [...value].filter((ch) => /[0-9０-９]/.test(ch)).length;
  let seen = 0;
  return [...value]
    .map((ch) => {
      if (!/[0-9０-９]/.test(ch)) return ch;
      seen++;
      return seen <= digits - keep ? "＊" : ch;
    })
    .join("");
}

function partialString(field: IdentityField, value: string): string | null {
  switch (field) {
    case "name":
    case "nameKana":
      return partialName(value);
    case "birthDate":
      return partialDate(value);
    case "address":
      return partialAddress(value);
    case "residentNos":
    case "householdNo":
      return partialNumber(value, 3);
    case "phone":
      return partialNumber(value, 4);
    case "sex":
      return null;
  }
}

/**
 * A value of `field` in `form`. Strings are masked; arrays element by
 * element (宛名番号 lists); a number stands for an age derived from the birth
 * date (kept unless the birth date is hidden). Hidden is null.
 */
export function maskValue(field: IdentityField, form: MaskForm, value: unknown): unknown {
  if (value === null || value === undefined || form === "full") return value;
  if (form === "hidden") return null;
  if (Array.isArray(value)) return value.map((v) => maskValue(field, form, v));
  if (typeof value === "number") return value;
  if (typeof value === "string") return value === "" ? value : partialString(field, value);
  return null;
}

/** Which identity field a source column holds, by its name (氏名, 母氏名カナ, 子宛名番号, 電話番号…); null: none. */
export function identityFieldOfColumn(column: string): IdentityField | null {
  if (/カナ|かな|フリガナ/.test(column)) return "nameKana";
  if (/氏名|名前/.test(column)) return "name";
  if (/生年月日/.test(column)) return "birthDate";
  if (/宛名番号|個人番号|住民番号/.test(column)) return "residentNos";
  if (/世帯番号/.test(column)) return "householdNo";
  if (/住所|所在地|居所/.test(column)) return "address";
  if (/電話|携帯|TEL|連絡先/i.test(column)) return "phone";
  if (column === "性別") return "sex";
  return null;
}

/** A source row (column → value) with its identity columns masked. */
export function maskRow(
  forms: RoleMasking,
  data: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(data)) {
    const field = identityFieldOfColumn(column);
    if (!field) out[column] = value;
    else if (forms[field] !== "hidden") out[column] = maskValue(field, forms[field], value);
  }
  return out;
}

/** Sets the fields the roles do not show in full to their form (the rules of code; the API uses the municipality's). */
export function maskIdentity<T extends Partial<Record<IdentityField, unknown>>>(
  roles: readonly string[],
  identity: T,
  rules: MaskingRules = DEFAULT_MASKING_RULES,
): T {
  const forms = formsForRoles(rules, roles);
  const out: Record<string, unknown> = { ...identity };
  for (const f of IDENTITY_FIELDS) if (f in out) out[f] = maskValue(f, forms[f], out[f]);
  return out as T;
}
