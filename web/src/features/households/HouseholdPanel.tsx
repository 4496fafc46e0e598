import { Link } from "@tanstack/react-router";
import type { HouseholdView } from "../../lib/types.ts";

type Member = HouseholdView["members"][number];

const SEX: Record<string, string> = { male: "男", female: "女" };

function ageText(m: Member): string {
  return m.age === null ? "年齢不明" : `${m.age}歳`;
}

function isParent(m: Member): boolean {
  return /世帯主|妻|夫|父|母|祖/.test(m.relationship ?? "");
}

/**
 * A simple family diagram (昭島市's household picture): adults on the upper
 * row, children on the lower, each box with 続柄, name and age. The list
 * below it says the same in text (the diagram is aria-hidden beside a
 * described figure).
 */
function FamilyDiagram({ members, focus }: { members: readonly Member[]; focus?: string }) {
  const adults = members.filter((m) => isParent(m) || (m.age ?? 0) >= 18);
  const children = members.filter((m) => !adults.includes(m));
  const row = (list: readonly Member[]) => (
    <div className="family-row">
      {list.map((m) => (
        <div
          key={m.personId}
          className={`family-box${m.personId === focus ? " family-focus" : ""}${m.resident ? "" : " family-gone"}`}
        >
          <span className="family-rel">{m.relationship ?? "続柄不明"}</span>
          <span>{m.name ?? "（氏名なし）"}</span>
          <span className="muted">
            {ageText(m)}
            {m.sex ? `・${SEX[m.sex] ?? m.sex}` : ""}
          </span>
        </div>
      ))}
    </div>
  );
  const text = members
    .map((m) => `${m.relationship ?? "続柄不明"} ${m.name ?? ""}（${ageText(m)}）`)
    .join("、");
  return (
    <figure className="family-diagram" aria-label={`家族図: ${text}`}>
      <div aria-hidden="true">
        {row(adults)}
        {children.length > 0 && adults.length > 0 && <div className="family-line" />}
        {row(children)}
      </div>
      <figcaption className="muted">
        家族図（住民基本台帳の世帯。上段は大人、下段はこども。点線の枠は転出・消除済み）
      </figcaption>
    </figure>
  );
}

/** The household panel: diagram, then each member with 続柄, age, items, sources and moves. */
export function HouseholdPanel({ household, focus }: { household: HouseholdView; focus?: string }) {
  return (
    <div data-testid="household-panel">
      <p>
        世帯番号 {household.householdNo}
        {household.address ? `・${household.address}` : ""}（{household.members.length} 人）
      </p>
      <FamilyDiagram members={household.members} focus={focus} />
      <table className="table" data-testid="household-members">
        <caption className="visually-hidden">世帯員の一覧</caption>
        <thead>
          <tr>
            <th scope="col">続柄</th>
            <th scope="col">氏名</th>
            <th scope="col">年齢</th>
            <th scope="col">関係する項目</th>
            <th scope="col">記録のある部署データ</th>
            <th scope="col">住定日・消除日</th>
          </tr>
        </thead>
        <tbody>
          {household.members.map((m) => (
            <tr key={m.personId} data-person={m.personId}>
              <td>{m.relationship ?? "—"}</td>
              <td>
                {m.canOpen && m.personId !== focus ? (
                  <Link to="/children/$personId" params={{ personId: m.personId }}>
                    {m.name ?? m.personId}
                  </Link>
                ) : (
                  (m.name ?? m.personId)
                )}
                <div className="muted">{m.nameKana}</div>
                {m.usageStopped ? <div className="muted">利用停止中</div> : null}
              </td>
              <td>{ageText(m)}</td>
              <td>
                {m.items.length === 0
                  ? "—"
                  : m.items.map((i) => (
                      <div key={i.itemId} title={i.evidence.text}>
                        {i.itemId} {i.name}
                      </div>
                    ))}
              </td>
              <td>
                {m.sources.length === 0
                  ? "—"
                  : m.sources.map((s) => `${s.sourceName}（${s.rows}）`).join("、")}
              </td>
              <td>
                {m.stints.length === 0
                  ? "—"
                  : m.stints.map((s) => (
                      <div key={`${s.from}-${s.until}`}>
                        {s.from ?? "不明"} 〜{" "}
                        {s.until ? `${s.until} 消除${s.reason ? `（${s.reason}）` : ""}` : "現在"}
                      </div>
                    ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {!household.councilFacts && (
        <p className="muted">要対協・一時保護の情報は、要対協の構成員にだけ表示されます。</p>
      )}
    </div>
  );
}
