import type { Role } from "./roles.ts";

/**
 * Every permission a route or command can require. The OpenAPI document names
 * the one each route needs (`x-mimamori-policy`), and docs/security.md carries
 * the table generated from GRANTS (scripts: `mimamori policy table`).
 *
 * Two pseudo-permissions need no role: `public` (no session: login, the API
 * document) and `authenticated` (any signed-in user: who am I, logout, my
 * password, my home page).
 */
export const PERMISSIONS = [
  "users.manage",
  "audit.read",
  "data.import",
  "runs.start",
  "runs.view",
  "children.list",
  "children.view",
  "children.search",
  "children.export",
  "households.view",
  "linkage.review",
  "rules.manage",
  "stats.view",
  "stats.pseudonymised",
  "cases.manage",
  "cases.work",
  "sheets.answer",
  "breakglass.use",
  "breakglass.report",
  "rights.manage",
  "settings.manage",
] as const;
export type Permission = (typeof PERMISSIONS)[number];
export type PolicyName = Permission | "public" | "authenticated";

/** Who holds each permission. Scope (which children, 要対協 facts) is decided separately in scope.ts. */
export const GRANTS: Record<Permission, readonly Role[]> = {
  "users.manage": ["admin"],
  // The account inventory (棚卸) and the audit trail: administrators and auditors.
  "audit.read": ["admin", "auditor"],
  "data.import": ["data_owner"],
  "runs.start": ["coordinator"],
  // Run summaries (counts per type, freshness, linkage summary) — counts that
  // would reveal 要対協 facts are removed for non-members (scope.ts).
  "runs.view": ["coordinator", "staff", "data_owner", "analyst"],
  // The whole judgement list, the rule matrix and the dashboard per child.
  "children.list": ["coordinator"],
  // One child's view: coordinators any child; staff the children of their
  // cases or their affiliation; 所属 accounts the children of their requests,
  // as far as each request's sharing mode allows.
  "children.view": ["coordinator", "staff", "affiliation"],
  "children.search": ["coordinator", "staff"],
  "children.export": ["coordinator"],
  "households.view": ["coordinator", "staff"],
  // Deciding whether two records are one child needs the records themselves.
  "linkage.review": ["coordinator"],
  "rules.manage": ["coordinator"],
  "stats.view": ["coordinator", "analyst"],
  "stats.pseudonymised": ["analyst"],
  "cases.manage": ["coordinator"],
  "cases.work": ["coordinator", "staff"],
  "sheets.answer": ["affiliation"],
  "breakglass.use": ["coordinator", "staff"],
  "breakglass.report": ["coordinator"],
  "rights.manage": ["coordinator"],
  "settings.manage": ["admin", "coordinator"],
};

export const PERMISSION_LABELS: Record<PolicyName, string> = {
  public: "ログイン不要",
  authenticated: "ログインしていれば可",
  "users.manage": "利用者の管理",
  "audit.read": "監査ログ・利用者一覧の閲覧",
  "data.import": "データの取込",
  "runs.start": "月次実行の開始",
  "runs.view": "実行結果の集計の閲覧",
  "children.list": "判定一覧・ルール詳細の閲覧",
  "children.view": "こども詳細の閲覧",
  "children.search": "こどもの検索",
  "children.export": "判定一覧の出力",
  "households.view": "世帯の閲覧",
  "linkage.review": "名寄せの確認",
  "rules.manage": "判定ルールの管理",
  "stats.view": "検証報告の閲覧",
  "stats.pseudonymised": "仮名化データの出力",
  "cases.manage": "候補リスト・会議の管理",
  "cases.work": "ケース・支援の記録",
  "sheets.answer": "情報収集シートへの回答",
  "breakglass.use": "緊急時の閲覧（ブレークグラス）",
  "breakglass.report": "緊急時の閲覧の報告の確認",
  "rights.manage": "開示・訂正・利用停止の対応",
  "settings.manage": "自治体の設定",
};

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}
