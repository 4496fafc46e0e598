/**
 * A rule version's label as a clerk reads it: the built-in rule set is stored
 * as `default` / `default-2025.1`, shown as 既定 / 既定（2025.1）. The same rule
 * as ruleLabelJa in src/domain/audit/targets.ts (web/ imports no domain code).
 */
export function ruleLabel(label: string): string {
  const m = /^default(?:-(.+))?$/.exec(label);
  if (!m) return label;
  return m[1] ? `既定（${m[1]}）` : "既定";
}

/**
 * The date a rule version applies from; the built-in set's stored date
 * (1900-01-01, pipeline/score.ts) means "from the start", which is what a
 * clerk should read instead of a date from before any record.
 */
export function effectiveFromLabel(date: string): string {
  return date <= "1900-01-01" ? "当初から" : date;
}

/**
 * The version of a rule set's item definitions as a clerk reads it: the
 * built-in catalog `items-2025.1` is 既定（2025.1）; a version that added or
 * changed items (rule-edit.ts: `items-2025.1+town-2025.1`) names the rule
 * versions that did, after the built-in one.
 */
export function catalogLabel(version: string): string {
  const [base, ...changes] = version.split("+");
  const m = /^items-(.+)$/.exec(base ?? "");
  const head = m ? `既定（${m[1]}）` : (base ?? version);
  return changes.length === 0 ? head : `${head}に ${changes.join("、")} で追加・変更`;
}
