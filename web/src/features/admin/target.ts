/**
 * An audit row's 対象 as a clerk reads it: the server's Japanese label
 * (取り込み元の名称, 判定実行の基準日, 規則の版, 利用者名…) and, for a child,
 * the name in the form the viewer's masking rules give (absent when hidden).
 */
export function targetText(row: { targetLabel: string; personName?: string | null }): string {
  return row.personName ? `${row.targetLabel}（${row.personName}）` : row.targetLabel;
}
