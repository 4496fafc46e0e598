import type { SheetInboxRequestView } from "../../lib/types.ts";

/** What a request shares about the child, exactly as the server stored it for the mode. */
export function SharedResult({ shared }: { shared: SheetInboxRequestView["shared"] }) {
  if (!shared.types)
    return <p data-testid="shared-none">判定結果は共有されていません（氏名のみの依頼です）。</p>;
  return (
    <ul className="shared-types" data-testid="shared-types">
      {shared.types.map((t) => (
        <li key={t.difficulty} data-difficulty={t.difficulty}>
          <strong>{t.label}</strong>:{" "}
          {t.flagged ? "基準以上" : t.flagged === null ? "—" : "基準未満"}
          {t.score !== undefined && t.threshold !== undefined
            ? `（点数 ${t.score ?? "—"}／基準 ${t.threshold}）`
            : null}
          {t.items && t.items.length > 0 && (
            <ul>
              {t.items.map((i) => (
                <li key={i.itemId}>
                  {i.name}: {i.text}
                </li>
              ))}
            </ul>
          )}
        </li>
      ))}
    </ul>
  );
}
