/**
 * Roles (least privilege). A user holds one or more roles; 要対協 membership is
 * not a role but a mark on the user (`council`), because a council member is
 * also a coordinator, a support worker or a school account in their daily job
 * (児童福祉法 25条の2: the council is made of the organisations' own staff).
 *
 * The set follows the actors of the 2024 pilot report (§4 体制): the office that
 * coordinates the project (総括管理), the departments that provide data
 * (データ提供), the support staff (支援担当), the schools and nurseries asked for
 * information (所属), analysts (仮名化データのみ), auditors, and the system
 * administrator, who manages accounts but sees no child.
 */
export const ROLES = [
  "admin",
  "coordinator",
  "data_owner",
  "staff",
  "affiliation",
  "analyst",
  "auditor",
] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  admin: "システム管理者",
  coordinator: "総括管理（こども家庭センター）",
  data_owner: "データ提供（保有部署）",
  staff: "支援担当",
  affiliation: "所属（学校・保育所等）",
  analyst: "分析担当（仮名化データのみ）",
  auditor: "監査（閲覧のみ）",
};

/** What each role is for, in one sentence (shown when an administrator picks roles). */
export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  admin: "利用者の管理と監査ログの確認を行います。こどもの情報は見られません。",
  coordinator:
    "判定結果・こども詳細・世帯・検索・判定ルール・月次実行・名寄せ確認・候補リストと会議を扱います。",
  data_owner: "担当するデータの取込（ファイル・手入力）と取込履歴の確認を行います。",
  staff: "担当ケースと所属のこどもについて、詳細の確認と支援の記録を行います。",
  affiliation: "自分の所属（学校・保育所など）に届いた情報収集シートに回答します。",
  analyst: "仮名化されたデータと集計だけを扱います（氏名・住所・宛名番号は見られません）。",
  auditor: "監査ログと利用者の一覧を閲覧します（変更はできません）。",
};

/**
 * Role ids of earlier versions, still accepted on input: `council` was a role
 * until 要対協 membership became a mark on the user (migration 0008).
 */
export const LEGACY_ROLE_ALIASES: Record<string, { roles: Role[]; council: boolean }> = {
  council: { roles: ["staff"], council: true },
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
