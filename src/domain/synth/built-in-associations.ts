/**
 * The item × difficulty associations the generator builds in: those the 2024
 * report found (● or ◆ in its summary table, spec/associations.md; 特別支援学級
 * from its "other items"). A validation of generated data must find every one.
 * Items are B-ids or the synth tests' names for the others (喫煙 = 母親の喫煙,
 * 特別支援学級, 虫歯); groups are the report's 抽出群 names.
 */
export type ReportGroup = "虐待" | "産後うつ" | "発達障がい" | "貧困" | "不登校";

export const BUILT_IN_ASSOCIATIONS: readonly (readonly [string, ReportGroup])[] = [
  ["B02", "虐待"],
  ["B03", "虐待"],
  ["B04", "虐待"],
  ["B06", "虐待"],
  ["B09", "虐待"],
  ["B10", "虐待"],
  ["B11", "虐待"],
  ["B15", "虐待"],
  ["B16", "虐待"],
  ["B17", "虐待"],
  ["B18", "虐待"],
  ["喫煙", "虐待"],
  ["B06", "産後うつ"],
  ["B10", "発達障がい"],
  ["B16", "発達障がい"],
  ["特別支援学級", "発達障がい"],
  ["B01", "貧困"],
  ["B03", "貧困"],
  ["B08", "貧困"],
  ["B09", "貧困"],
  ["B10", "貧困"],
  ["B11", "貧困"],
  ["B16", "貧困"],
  ["虫歯", "貧困"],
  ["B01", "不登校"],
  ["B12", "不登校"],
  ["B13", "不登校"],
  ["B16", "不登校"],
  ["B17", "不登校"],
  ["B18", "不登校"],
];
