import type { SessionInfo } from "../../lib/types.ts";
import { MyFollowUps } from "../cases/MyFollowUps.tsx";
import { HomeInbox } from "../sheets/HomeInbox.tsx";
import { TopFlagged } from "./TopFlagged.tsx";

export function HomePage({ session }: { session: SessionInfo }) {
  const { user, roleCatalog } = session;
  const labels = user.roles.map((r) => roleCatalog.find((c) => c.id === r)?.label ?? r);
  return (
    <section>
      <h1>ホーム</h1>
      <p className="lead">
        mimamori
        は、各部署が持つこどもに関するデータをつなぎ、支援が必要かもしれないこどもと家庭に早く気づくための仕組みです。データは気づきのきっかけであり、判断するのは常に人です。
      </p>
      <dl className="facts">
        <dt>ログイン中</dt>
        <dd>
          {user.displayName}（{user.loginName}）
        </dd>
        <dt>役割</dt>
        <dd>{labels.join("、")}</dd>
        <dt>自治体</dt>
        <dd>{user.municipality.name}</dd>
        <dt>最終ログイン</dt>
        <dd>
          {user.lastLoginAt ? new Date(user.lastLoginAt).toLocaleString("ja-JP") : "記録なし"}
        </dd>
      </dl>
      {user.permissions.includes("cases.work") && <MyFollowUps />}
      {user.permissions.includes("sheets.answer") && <HomeInbox />}
      {user.permissions.includes("children.list") && <TopFlagged />}
    </section>
  );
}
