import { NAV_ITEMS } from "../../app/menu.ts";
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
      {!["cases.work", "children.list", "sheets.answer"].some((p) =>
        user.permissions.includes(p as (typeof user.permissions)[number]),
      ) && <WhatYouCanDo permissions={user.permissions} />}
      {user.permissions.includes("sheets.answer") && <HomeInbox />}
      {user.permissions.includes("children.list") && <TopFlagged />}
    </section>
  );
}

/**
 * For a role whose home has no list of its own (データ提供, 分析担当, 監査, 管理者):
 * the pages it can use, so the first screen says where to start instead of
 * showing only who is logged in.
 */
function WhatYouCanDo({ permissions }: { permissions: readonly string[] }) {
  const items = NAV_ITEMS.filter(
    (n) =>
      n.to !== "/" &&
      n.group !== "account" &&
      (!n.permission || permissions.includes(n.permission)),
  ).sort((a, b) => a.order - b.order);
  if (items.length === 0) return null;
  // Names, not links: the side menu holds the links (a second link of the same
  // name on the page would make "the 「データの取込」 link" ambiguous).
  return (
    <section aria-labelledby="home-can-title" data-testid="home-can">
      <h2 id="home-can-title">このアカウントでできること</h2>
      <p>左のメニューから、次のページを使えます。</p>
      <ul>
        {items.map((n) => (
          <li key={n.to}>{n.label}</li>
        ))}
      </ul>
    </section>
  );
}
