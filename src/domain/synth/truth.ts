/**
 * The ground truth written to DIR/truth/ (never imported): which true person every data row is
 * about, the true persons and households, the latent difficulties, the rows broken on purpose,
 * and a README that says how each file was made and which data items depend on which
 * difficulty by construction.
 */
import { isoOf } from "./calendar.ts";
import { BIT, DIFFICULTIES } from "./model.ts";
import { householdId, personId } from "./sources/common.ts";
import type { SourceTable, SynthRow, TextTable } from "./table.ts";
import type { Person, World } from "./world.ts";

export const RECORDS_HEADER = ["source", "file", "row", "true_person_id"] as const;
export const BROKEN_HEADER = ["source", "file", "row", "column", "problem"] as const;
export const RELATED_HEADER = ["source", "file", "row", "role", "true_person_id"] as const;

/** Truth lines for one data row (`row` is 1-based, as in cli.md `export links`). */
export function truthOfRow(
  table: SourceTable,
  row: number,
  r: SynthRow,
): {
  record: readonly string[];
  broken?: readonly string[];
  related: readonly (readonly string[])[];
} {
  const n = String(row);
  return {
    record: [table.source, table.file, n, personId(r.person)],
    ...(r.broken
      ? { broken: [table.source, table.file, n, r.broken.column, r.broken.problem] }
      : {}),
    related: (r.related ?? []).map((x) => [
      table.source,
      table.file,
      n,
      x.role,
      personId(x.person),
    ]),
  };
}

export function personsTable(world: World): TextTable {
  return {
    file: "persons.csv",
    header: [
      "person_id",
      "household_id",
      "role",
      "family_name",
      "given_name",
      "family_kana",
      "given_kana",
      "birth_date",
      "sex",
      "nationality",
      "resident_nos",
      "household_nos",
      "resident_from",
      "resident_to",
      "mother_id",
      "father_id",
      "twin_id",
      "alias_name",
      "alias_kana",
      "former_family_name",
      "former_family_kana",
      "name_changed_on",
    ],
    *rows() {
      for (const p of world.persons) {
        const last = p.stints[p.stints.length - 1];
        yield [
          personId(p.id),
          householdId(p.hh),
          p.role,
          p.family,
          p.given,
          p.familyKana,
          p.givenKana,
          isoOf(p.birth),
          String(p.sex),
          p.nationality,
          p.stints.map((s) => s.residentNo).join("|"),
          [...new Set(p.stints.map((s) => s.householdNo))].join("|"),
          p.stints[0] ? isoOf(p.stints[0].from) : "",
          last && last.to !== null ? isoOf(last.to) : "",
          p.motherId >= 0 ? personId(p.motherId) : "",
          p.fatherId >= 0 ? personId(p.fatherId) : "",
          p.twinId >= 0 ? personId(p.twinId) : "",
          p.alias ? `${p.alias.family} ${p.alias.given}` : "",
          p.alias ? `${p.alias.familyKana} ${p.alias.givenKana}` : "",
          p.formerFamily?.family ?? "",
          p.formerFamily?.familyKana ?? "",
          p.formerFamily ? isoOf(p.formerFamily.until) : "",
        ];
      }
    },
  };
}

export function difficultiesTable(world: World): TextTable {
  return {
    file: "difficulties.csv",
    header: ["person_id", ...DIFFICULTIES],
    *rows() {
      for (const p of world.persons) {
        if (p.role !== "child") continue;
        yield [
          personId(p.id),
          ...DIFFICULTIES.map((d) =>
            p.applicable & BIT[d] ? (p.difficulties & BIT[d] ? "1" : "0") : "",
          ),
        ];
      }
    },
  };
}

/** Counts the README reports. */
export function worldStats(world: World) {
  const children = world.persons.filter((p) => p.role === "child");
  const residentChildren = children.filter((p) => {
    const last = p.stints[p.stints.length - 1];
    return last !== undefined && last.to === null && world.asOf - p.birth < 19 * 365.25;
  });
  const prevalence: Record<string, string> = {};
  for (const d of DIFFICULTIES) {
    const eligible = children.filter((p) => p.applicable & BIT[d]);
    const hits = eligible.filter((p) => p.difficulties & BIT[d]).length;
    prevalence[d] =
      `${hits} / ${eligible.length} (${eligible.length ? ((100 * hits) / eligible.length).toFixed(1) : "0"} %)`;
  }
  const deliveries = world.pregnancies.filter((g) => g.children.length > 0);
  return {
    persons: world.persons.length,
    households: world.households.length,
    children: children.length,
    residentChildren: residentChildren.length,
    twoResidentNos: world.persons.filter((p: Person) => p.stints.length > 1).length,
    twinDeliveries: deliveries.filter((g) => g.children.length > 1).length,
    deliveries: deliveries.length,
    singleParentHouseholds: world.households.filter(
      (h) => h.kind === "single_mother" || h.kind === "single_father",
    ).length,
    foreignPersons: world.persons.filter((p) => p.nationality !== "").length,
    aliasPersons: world.persons.filter((p) => p.alias !== null).length,
    nameChanges: world.persons.filter((p) => p.formerFamily !== null).length,
    prevalence,
  };
}

/** truth/README.md. `files` gives the data rows and broken rows written per file. */
export function truthReadme(
  world: World,
  files: readonly { file: string; rows: number; broken: number }[],
): string {
  const s = worldStats(world);
  const fileLines = files.map((f) => `| ${f.file} | ${f.rows} | ${f.broken} |`).join("\n");
  const prevalenceLines = DIFFICULTIES.map((d) => `| ${d} | ${s.prevalence[d]} |`).join("\n");
  return `# Ground truth of a synthetic municipality

Generated by \`mimamori synth --profile ${world.profile.id} --seed ${world.seed} --as-of ${isoOf(world.asOf)}\`.
**Never import this folder**: it is what record linkage, data items and scoring are measured
against. Everything here is synthetic; no real person is described.

- Municipality: ${world.profile.municipality} (profile \`${world.profile.id}\`, a municipality of about ${world.profile.residents.toLocaleString("en-US")} residents; the registry extract holds households with children or a pregnancy only).
- As-of date (抽出日): ${isoOf(world.asOf)}; data period ${isoOf(world.periodStart)} – ${isoOf(world.asOf - 1)}; removed residents since ${isoOf(world.extractStart)} are in jumin.csv.
- Persons ${s.persons}, households ${s.households}, children (ever, any age) ${s.children}, children 0–18 resident on the as-of date ${s.residentChildren}.
- Persons with two 宛名番号 (moved out and back): ${s.twoResidentNos}. Twin deliveries: ${s.twinDeliveries} of ${s.deliveries}. Single-parent households: ${s.singleParentHouseholds}. Foreign nationals: ${s.foreignPersons}, of whom ${s.aliasPersons} with a registered 通称. Children whose family name changed: ${s.nameChanges}.

## Files

| file | what |
|---|---|
| records.csv | \`source,file,row,true_person_id\`: one line per data row of every source file (\`row\` is the 1-based data row, header not counted). Mothers' checkups (ninpu/sanpu) are about the mother; 児童扶養手当 rows about the 受給者. |
| related.csv | \`source,file,row,role,true_person_id\`: other people a row refers to — \`child\` of a mother's 妊婦/産婦健診 (the child the 子宛名番号 would name; twins give two lines; none for a pregnancy not ended in a birth), \`target_child\` of a 児童扶養手当 row. |
| broken_rows.csv | \`source,file,row,column,problem\`: rows broken on purpose (a required value missing, an impossible date, neither 宛名番号 nor 世帯番号). Every other row is valid under layouts.md. |
| persons.csv | true persons: ids, registry name (異体字 as registered), kana, birth date, sex (1 男 2 女), nationality (blank = 日本), every 宛名番号 (\`|\`-joined, in order), 世帯番号s, first registration and final removal, mother, father, twin; a foreign resident's registered 通称 and its kana (blank = none); a child's former family name and kana and the day the change took effect (records made before it carry the former name; blank = no change). |
| difficulties.csv | latent difficulties per child (ever a child of the municipality): 1 has it, 0 not, blank not applicable (truancy: 小1–中3 in the school year; young_carer: aged 9–18; postpartum: born since the 産婦健診 records start, to a mother in the data). |

Rows per file:

| file | data rows | broken |
|---|---|---|
${fileLines}

## Latent difficulties in this run

| difficulty | children with it / applicable |
|---|---|
${prevalenceLines}

Definitions: abuse = maltreatment at any time; poverty = household below the relative poverty
line; truancy = absent ≥ 30 days a school year for non-medical reasons (不登校); young_carer =
caring for a family member beyond what is expected; postpartum = the mother's postpartum
depression after this child's birth; developmental = a developmental disability (diagnosed or
not). How each is drawn (logistic model, risk factors, rates and their sources) is in
src/domain/synth/model.ts and docs/synthetic-data.md.

## Which data items depend on which difficulty, by construction

"direct" = the item's generating probability uses the difficulty; every such effect is noisy.
"indirect" = no direct effect, but the difficulties are correlated (they share household risk
factors: poverty, single parent, parental mental illness, family disability), so a chi-square
test on a large profile may still find an association. "none" = independent of every latent
difficulty and household factor: a test that finds an association here is a false positive.

| item (source) | direct | indirect only |
|---|---|---|
| B01 要対協登録 (yotaikyo) | abuse (strong), poverty, truancy, developmental, postpartum (age ≤ 3), young_carer; mothers: 特定妊婦 from poverty, young mother, mental illness | — |
| B02 一時保護 (ichiji_hogo) | abuse | others |
| B03 乳幼児健診未受診 (nyuyoji_kenshin) | abuse, poverty, developmental, postpartum; foreign household | truancy |
| B04 家に残して外出 | abuse | poverty, … |
| B05 長時間食事を与えなかった | abuse | poverty, … |
| B06 口をふさいだ | abuse, postpartum | poverty, … |
| B07 激しく揺さぶった | **none** | **none** |
| B08 低体重 (percentile < 3; school 肥満度 ≤ −20 %) | poverty, abuse (small); twins | — |
| B09 発達障害の精神手帳 | developmental (uptake ×1.8 when poor); abuse (attachment-disorder codes F94.1/F94.2) | truancy |
| B10 障害児支援受給者証 | developmental (and any child certificate); poverty (free services) | abuse, truancy |
| 特別支援学級 (gakureibo) | developmental | — |
| B11 欠席 (shukketsu) | truancy (defines it), and smaller effects of poverty, developmental, abuse, young_carer; 1.2 % long illness absences as noise | — |
| B12 遅刻 | truancy, developmental, young_carer, poverty | abuse |
| 出席停止忌引等 | **none** | **none** |
| B13 心の健康チェック 要支援 / 希死念慮 | truancy, abuse, young_carer, developmental | poverty |
| 要精密検査 (gakko_kenshin) | **none** | **none** |
| B14 妊婦健診 0 回 | poverty, foreign, abuse (of the child born), postpartum | — |
| B15 EPDS ≥ 9 | postpartum (≈ 85 % sensitivity, ≈ 4 % of others) | abuse, poverty |
| EPDS 項目10 ≥ 1 | postpartum | abuse, poverty |
| B16 家族の障害者手帳 | parental / grandparent disability raises poverty, abuse (via mental illness), young_carer, developmental | truancy |
| B17 生活保護 | poverty (≈ 11 % of poor households, 20 % with parental disability) | abuse, truancy |
| B18 児童扶養手当 | single parent; 全部支給 mostly when poor | poverty, abuse, truancy |
| 虫歯数 | poverty | — |
| 母親の喫煙 | abuse, poverty | — |
| 要フォロー | developmental, abuse | — |
| 就学援助 (shugaku_enjo) | poverty (要保護 = on 生活保護), truancy (small) | abuse |
| 要介護認定 (kaigo_nintei) in the household | young_carer (through care need) | — |
| 医療費助成 ひとり親 / 障がい者 | single parent (poverty) / severe disability | — |
| 相談記録 児童虐待 / 生活困窮 / 障がい / DV / 養護 | abuse / poverty / developmental or family disability / DV (single mothers) / young_carer | — |
| 保育所・幼稚園在籍 (none at 3–5) | abuse, poverty, foreign household | — |

## Traps for record linkage, by construction

- 宛名番号 is absent in shukketsu, gakko_kenshin, kokoro_check and ichiji_hogo, and blank in
  about 20 % of yotaikyo rows; 子宛名番号 is blank in about 65 % of ninpu and 60 % of sanpu rows.
- Households that moved out and back hold a second 宛名番号 and 世帯番号; records made before
  they left carry the old numbers.
- Twins share birth date, household and family name, never a given name (siblings never share
  one, compared by reading); homonyms: about 1 % of households have a
  child with the same family name, given name, sex and birth year as an unrelated child.
- Names: the registry keeps 異体字 (from the MJ縮退マップ); JIS X 0208-only systems write 外字
  as 〓 or ●; schools and hand-kept registers usually type the common form. Kana: hiragana at
  some schools, half-width and mixed forms in hand-kept registers, ヴ/ブ, ヂ/ジ, long-vowel
  variants, keying slips. A single mother may use her maiden name while her children keep
  their father's. About 3 % of children aged two and over changed family name in the last four
  years (divorce, remarriage): the registry and 学齢簿 hold the new name, while a school's
  master typed before the change and 要対協 / 一時保護 files opened before it keep the old
  one. Foreign residents: full-width capitals in the registry, katakana at school,
  two readings for Chinese and Korean family names. Foreign households with a registered 通称
  (about 45 % of Korean, 15 % of Chinese and 3 % of other foreign households) have it in
  jumin 通称 / 通称カナ; schools write the 通称 instead of the registered name for about 85 % of
  such children and 要対協 / 一時保護 registers for about half (decided per child).
- 生年月日 in the school master has a transposed-digit slip for about 0.5 % of students (the
  same slip in all three school files), and about 1 % of ichiji_hogo rows.
`;
}
