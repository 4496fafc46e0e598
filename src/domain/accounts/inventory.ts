/**
 * The account inventory's flags (issue 12, the periodic 棚卸): what a
 * reviewer should look at first. Thresholds chosen here (the issue is silent):
 * 90 days without a login (counted from creation for an account never used),
 * administrators and 総括管理 without a second factor (it is required for
 * them), a temporary password still unchanged, a locked account, and a
 * disabled account that still has open sessions (should never happen).
 */
export const INVENTORY_FLAGS = {
  no_login_90_days: "90日以上ログインなし",
  privileged_without_totp: "管理者・総括管理で二要素認証なし",
  temporary_password: "仮パスワードのまま",
  locked: "ロック中",
  disabled_with_sessions: "無効なのにセッションあり",
} as const;

export type InventoryFlag = keyof typeof INVENTORY_FLAGS;

export const NO_LOGIN_DAYS = 90;

export function inventoryFlags(
  a: {
    roles: readonly string[];
    disabled: boolean;
    createdAt: Date;
    lastLoginAt: Date | null;
    mustChangePassword: boolean;
    secondFactor: boolean;
    lockedUntil: Date | null;
    activeSessions: number;
  },
  now: Date,
): InventoryFlag[] {
  const flags: InventoryFlag[] = [];
  const since = a.lastLoginAt ?? a.createdAt;
  if (!a.disabled && now.getTime() - since.getTime() > NO_LOGIN_DAYS * 86_400_000)
    flags.push("no_login_90_days");
  if (
    !a.disabled &&
    !a.secondFactor &&
    (a.roles.includes("admin") || a.roles.includes("coordinator"))
  )
    flags.push("privileged_without_totp");
  if (!a.disabled && a.mustChangePassword) flags.push("temporary_password");
  if (a.lockedUntil) flags.push("locked");
  if (a.disabled && a.activeSessions > 0) flags.push("disabled_with_sessions");
  return flags;
}
