/**
 * An audit record's detail as an auditor reads it (監査ログ's 詳細): each field
 * under a Japanese name, yes/no, lists and numbers written out, nested values
 * indented — instead of the stored JSON. The JSON itself stays one click away
 * (記録のまま), since the hash chain is over it.
 */
import { useSession } from "../../app/session.tsx";

/** Japanese names of the detail fields the server writes (src/**: `detail: {…}`). */
const FIELD_NAMES: Readonly<Record<string, string>> = {
  accounts: "アカウント",
  action: "操作",
  affiliation: "所属",
  after: "変更後",
  answered: "回答済み",
  asOf: "基準日・抽出日",
  auc: "AUC",
  before: "変更前",
  byReason: "理由ごとの件数",
  cases: "ケース",
  changed: "変更",
  changes: "変更点",
  children: "こども",
  codeVersion: "プログラムの版",
  corrected: "訂正",
  correctionId: "訂正の番号",
  corrections: "訂正",
  council: "要対協構成員",
  councilHidden: "要対協の情報を除いた",
  count: "件数",
  cutoff: "基準の日",
  deletedImportRows: "削除した取込行",
  deletedLinkRunIds: "削除した名寄せ実行",
  deletedScoreRunIds: "削除した判定実行",
  deletedSnapshotIds: "削除した取込データ",
  difficulties: "困難の種類",
  difficulty: "困難の種類",
  disclosed: "開示",
  entries: "登録",
  extends: "拡張した標準の取り込み元",
  failedFiles: "取り込めなかったファイル",
  field: "項目",
  files: "ファイル",
  filter: "絞り込み条件",
  flagged: "基準以上",
  followUps: "フォローアップ",
  from: "開始",
  households: "世帯",
  hours: "時間",
  items: "データ項目",
  keptForRunsSnapshotIds: "判定に使ったため残した取込データ",
  kind: "種類",
  label: "名前",
  linkRunId: "名寄せ実行",
  listId: "候補リスト",
  listed: "確認リスト",
  locked: "ロック",
  method: "方法",
  methods: "方法",
  mode: "方式",
  month: "月",
  moves: "入る・外れる",
  next: "次の手順",
  note: "メモ",
  offset: "表示の開始位置",
  ok: "成功",
  origin: "元",
  pairs: "組",
  passwordChanged: "パスワード変更",
  permission: "権限",
  person: "人物番号",
  persons: "人物番号",
  policy: "方針",
  positives: "該当",
  profile: "規模",
  purpose: "目的",
  questions: "質問",
  reason: "理由",
  recipientKind: "送付先の種類",
  records: "記録",
  renamedFirst: "先に名前を変えた",
  replaced: "置き換えた",
  requestIds: "依頼の番号",
  requests: "依頼",
  reset: "リセット",
  responsibleUserId: "担当者の利用者番号",
  restored: "元に戻した",
  review: "確認",
  roles: "役割",
  route: "経路",
  rowNo: "行番号",
  rows: "行数",
  rowsBrokenOnPurpose: "検証用に誤りを入れた行",
  rowsRead: "読んだ行",
  rowsRejected: "エラー行",
  rowsStored: "保存した行",
  ruleVersion: "規則の版",
  runId: "実行番号",
  same: "同一人物",
  samples: "標本数",
  scoreRunId: "判定実行",
  seed: "乱数の種",
  sessions: "セッション",
  shown: "表示した件数",
  snapshotId: "取込データの番号",
  snapshotIds: "取込データの番号",
  snapshots: "取込データ",
  sort: "並べ順",
  sourceId: "取り込み元",
  stage: "段階",
  status: "状態",
  superseded: "置き換えた以前の版",
  tests: "検定の数",
  to: "終了",
  total: "合計",
  types: "困難の種類",
  undo: "取り消し",
  unmatched: "一致しなかった",
  user: "利用者",
  version: "版",
  view: "表示",
  withRuns: "判定も含める",
  years: "年数",
};

/** A field's Japanese name (the stored name when the page does not know it). */
export function fieldName(key: string): string {
  return FIELD_NAMES[key] ?? key;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A scalar as text: はい / いいえ, — for none, numbers with separators. */
function scalar(v: string | number | boolean | null): string {
  if (v === null) return "—";
  if (typeof v === "boolean") return v ? "はい" : "いいえ";
  if (typeof v === "number") return v.toLocaleString("ja-JP");
  return v === "" ? "（空）" : v;
}

function isScalar(v: Json): v is string | number | boolean | null {
  return v === null || typeof v !== "object";
}

/** Role ids by the names the server's role catalog gives (the session's, as the user pages). */
function RoleNames({ ids }: { ids: readonly string[] }) {
  const { roleCatalog } = useSession().session;
  if (ids.length === 0) return <>なし</>;
  return <>{ids.map((r) => roleCatalog.find((c) => c.id === r)?.label ?? r).join("、")}</>;
}

/** One value: scalars inline, a list of scalars joined with 、, anything else as a nested list. */
function Value({ value, field }: { value: Json; field?: string }) {
  if (field === "roles" && Array.isArray(value) && value.every((v) => typeof v === "string"))
    return <RoleNames ids={value as string[]} />;
  if (isScalar(value)) return <>{scalar(value)}</>;
  if (Array.isArray(value)) {
    if (value.length === 0) return <>なし</>;
    if (value.every(isScalar)) return <>{value.map(scalar).join("、")}</>;
    return (
      <ol className="audit-detail-list">
        {value.map((v, k) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a stored record's list never reorders
          <li key={k}>
            <Value value={v} />
          </li>
        ))}
      </ol>
    );
  }
  return <Fields value={value} />;
}

function Fields({ value }: { value: { [key: string]: Json } }) {
  const entries = Object.entries(value);
  if (entries.length === 0) return <>なし</>;
  return (
    <dl className="audit-detail-fields">
      {entries.map(([k, v]) => (
        <div key={k}>
          <dt>{fieldName(k)}</dt>
          <dd>
            <Value value={v} field={k} />
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** The detail of an audit record, readable, with the stored JSON on request. */
export function AuditDetailFields({ detail }: { detail: unknown }) {
  const value = (detail ?? null) as Json;
  return (
    <>
      <div data-testid="audit-detail-fields">
        {value !== null && typeof value === "object" && !Array.isArray(value) ? (
          <Fields value={value} />
        ) : (
          <Value value={value} />
        )}
      </div>
      <details>
        <summary>記録のまま（JSON）を見る</summary>
        <pre data-testid="audit-detail-json">{JSON.stringify(detail, null, 2)}</pre>
      </details>
    </>
  );
}
