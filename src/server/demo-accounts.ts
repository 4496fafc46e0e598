/**
 * The demo's accounts (issue 11; `npm start` = `serve --demo` only): one per
 * role, so each role's view can be tried — the administrator alone sees no
 * child. Created once, right after the demo town is loaded into an empty
 * database; each gets a one-time password that must be changed at first login.
 */
import { createChildRepository } from "../db/child.repository.ts";
import type { Database } from "../db/database.ts";
import type { Role } from "../domain/policy/index.ts";
import { seedDemoSheets } from "./demo-sheets.ts";
import { createUserWithTemporaryPassword } from "./services/user.service.ts";

export interface DemoAccount {
  readonly loginName: string;
  readonly password: string;
  /** What to try with it (Japanese, one line). */
  readonly use: string;
}

interface Spec {
  loginName: string;
  displayName: string;
  roles: Role[];
  council?: boolean;
  school?: boolean;
  use: string;
}

export const DEMO_ACCOUNT_SPECS: readonly Spec[] = [
  {
    loginName: "coordinator",
    displayName: "総括管理（要対協構成員）",
    roles: ["coordinator"],
    council: true,
    use: "判定結果・こども詳細・世帯・検索をすべて見る（要対協の情報を含む）",
  },
  {
    loginName: "coordinator2",
    displayName: "総括管理（要対協構成員でない）",
    roles: ["coordinator"],
    use: "同じ画面で、要対協・一時保護の情報が出ないことを確かめる",
  },
  {
    loginName: "staff",
    displayName: "支援担当",
    roles: ["staff"],
    school: true,
    use: "所属する学校のこどもだけを詳細・検索で見る",
  },
  {
    loginName: "school",
    displayName: "学校（所属）",
    roles: ["affiliation"],
    school: true,
    use: "所属アカウント（情報収集シートへの回答。こどもは依頼があったときだけ）",
  },
  {
    loginName: "dataowner",
    displayName: "データ提供（保有部署）",
    roles: ["data_owner"],
    use: "ファイルの取込と取込履歴",
  },
  {
    loginName: "analyst",
    displayName: "分析担当",
    roles: ["analyst"],
    use: "仮名化データと集計だけ（こどもの詳細は見られない）",
  },
  {
    loginName: "auditor",
    displayName: "監査",
    roles: ["auditor"],
    use: "監査ログと利用者一覧の閲覧",
  },
];

/** Creates the demo accounts; the school is the demo's school with the most flagged children. */
export async function createDemoAccounts(
  db: Database,
  municipalityId: number,
): Promise<{ accounts: DemoAccount[]; school: string | null }> {
  const repo = createChildRepository(db);
  const run = await repo.latestRun(municipalityId);
  const school = run ? ((await repo.busiestSchool(municipalityId, run)) ?? null) : null;
  const accounts: DemoAccount[] = [];
  const made = new Map<string, { id: number; loginName: string; displayName: string }>();
  for (const spec of DEMO_ACCOUNT_SPECS) {
    const { user, temporaryPassword } = await createUserWithTemporaryPassword(db, {
      municipalityId,
      loginName: spec.loginName,
      displayName: spec.displayName,
      roles: spec.roles,
      council: spec.council ?? false,
      affiliation: spec.school ? school : null,
      actor: { id: null, loginName: "demo" },
    });
    made.set(spec.loginName, {
      id: user.id,
      loginName: user.loginName,
      displayName: user.displayName,
    });
    accounts.push({
      loginName: user.loginName,
      password: temporaryPassword,
      use: spec.school && school ? `${spec.use}（${school}）` : spec.use,
    });
  }
  // 情報収集シート answered, overdue and open for the school account (issue 13).
  const coordinator = made.get("coordinator");
  const schoolUser = made.get("school");
  if (school && coordinator && schoolUser)
    await seedDemoSheets(db, municipalityId, school, coordinator, schoolUser);
  return { accounts, school };
}

/** The lines `serve --demo` prints (once) for the demo accounts. */
export function describeDemoAccounts(accounts: readonly DemoAccount[]): string[] {
  return [
    "",
    "┌────────────────────────────────────────────────────────┐",
    "  デモ用アカウント（役割ごと。この表示は一度だけです。初回ログイン時にパスワードの変更が必要です）",
    ...accounts.map((a) => `    ${a.loginName.padEnd(13)} ${a.password}  … ${a.use}`),
    "  こどもの判定理由を見るには coordinator でログインしてください（admin はこどもを見られません）。",
    "└────────────────────────────────────────────────────────┘",
    "",
  ];
}
