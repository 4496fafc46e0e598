/**
 * What an audit row's `target` means to a municipal clerk. Writers store a
 * stable machine form (`person:P00000020`, `source:boshi_techo`,
 * `rule_version:3`, `score_run:12`, `GET /api/children/:id`); the audit
 * views show this Japanese label instead, with names looked up by the route
 * (db/audit.repository.ts `targetFacts`). A child's name is never part of the
 * label: it travels in its own field, masked per the viewer's roles like every
 * identity field (server/openapi/identity.ts). Nothing here adds a fact the
 * row did not already name: council-only rows are filtered before (SQL), and
 * a case is labelled by its number only, never its kind.
 */

/** Names the labels use, looked up for the page's rows. Missing entries fall back to numbers. */
export interface TargetFacts {
  users: ReadonlyMap<number, { displayName: string; loginName: string }>;
  /** 取り込み元 id → 名称. */
  sources: ReadonlyMap<string, string>;
  /** rule_version id (as text) → label. */
  ruleVersions: ReadonlyMap<string, string>;
  /** score_run id → 基準日 and the label of its rules. */
  scoreRuns: ReadonlyMap<number, { asOf: string; ruleLabel: string }>;
  /** link_run id → 基準日. */
  linkRuns: ReadonlyMap<number, { asOf: string }>;
  /** import_snapshot id → source id, file name and 抽出日. */
  imports: ReadonlyMap<number, { sourceId: string; fileName: string; asOf: string | null }>;
}

export const NO_FACTS: TargetFacts = {
  users: new Map(),
  sources: new Map(),
  ruleVersions: new Map(),
  scoreRuns: new Map(),
  linkRuns: new Map(),
  imports: new Map(),
};

/** `kind:rest` (the rest may hold colons); a target without a colon is its own kind. */
export function splitTarget(target: string): { kind: string; id: string } {
  const i = target.indexOf(":");
  return i < 0 ? { kind: target, id: "" } : { kind: target.slice(0, i), id: target.slice(i + 1) };
}

/** The ids of each kind a page of targets names (for one look-up per kind). */
export function targetIds(targets: readonly (string | null)[]) {
  const ids = {
    users: new Set<number>(),
    sources: new Set<string>(),
    ruleVersions: new Set<string>(),
    scoreRuns: new Set<number>(),
    linkRuns: new Set<number>(),
    imports: new Set<number>(),
  };
  const num = (s: string) => (/^\d{1,15}$/.test(s) ? Number(s) : undefined);
  for (const t of targets) {
    if (!t) continue;
    const { kind, id } = splitTarget(t);
    const n = num(id);
    if (kind === "user" && n !== undefined) ids.users.add(n);
    else if (kind === "source") ids.sources.add(id);
    else if (kind === "rule_version") ids.ruleVersions.add(id);
    else if (kind === "score_run" && n !== undefined) ids.scoreRuns.add(n);
    else if (kind === "link_run" && n !== undefined) ids.linkRuns.add(n);
    else if (kind === "import_snapshot" && n !== undefined) ids.imports.add(n);
  }
  return ids;
}

const SEARCH_KINDS: Record<string, string> = {
  name: "氏名",
  kana: "カナ",
  birthDate: "生年月日",
  residentNo: "宛名番号",
};

const METHODS: Record<string, string> = {
  GET: "閲覧",
  POST: "操作",
  PUT: "変更",
  PATCH: "変更",
  DELETE: "削除",
};

/**
 * The Japanese label of a target (null target: "—"). A person is labelled by
 * its 人物番号 only; the route adds the (masked) name beside it.
 */
export function targetLabel(target: string | null, facts: TargetFacts = NO_FACTS): string {
  if (!target) return "—";
  const route = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\/\S*)$/.exec(target);
  if (route) return `画面・API（${METHODS[route[1] ?? ""] ?? route[1]}）${route[2]}`;
  const { kind, id } = splitTarget(target);
  const n = /^\d{1,15}$/.test(id) ? Number(id) : undefined;
  switch (kind) {
    case "person":
      return `こども ${id}`;
    case "household":
      return `世帯 ${id}`;
    case "case":
      return `ケース ${id}`;
    case "user": {
      const u = n === undefined ? undefined : facts.users.get(n);
      return u ? `利用者 ${u.displayName}（${u.loginName}）` : `利用者（番号 ${id}）`;
    }
    case "source":
      return `取り込み元「${facts.sources.get(id) ?? id}」`;
    case "rule_version": {
      const label = facts.ruleVersions.get(id);
      if (label) return `判定の規則「${ruleLabelJa(label)}」`;
      // export-register writes the label itself.
      return /^\d+$/.test(id) ? `判定の規則（番号 ${id}）` : `判定の規則「${ruleLabelJa(id)}」`;
    }
    case "score_run": {
      const r = n === undefined ? undefined : facts.scoreRuns.get(n);
      return r
        ? `判定実行 ${id}（基準日 ${r.asOf}、規則「${ruleLabelJa(r.ruleLabel)}」）`
        : `判定実行 ${id}`;
    }
    case "link_run": {
      const r = n === undefined ? undefined : facts.linkRuns.get(n);
      return r ? `名寄せ ${id}（基準日 ${r.asOf}）` : `名寄せ ${id}`;
    }
    case "import_snapshot": {
      const s = n === undefined ? undefined : facts.imports.get(n);
      if (!s) return `取込 ${id}`;
      const source = facts.sources.get(s.sourceId) ?? s.sourceId;
      return `取込 ${id}（${source}、${s.fileName}${s.asOf ? `、抽出日 ${s.asOf}` : ""}）`;
    }
    case "run_job":
      return `月次実行 ${id}`;
    case "link_decision":
      return `名寄せの確認 ${id}`;
    case "municipality":
      return "自治体全体の設定・データ";
    case "masking_rule_version":
      return `マスキングルール 第 ${id} 版`;
    case "sheet_template":
      return `情報収集シートのひな形「${id}」`;
    case "sheet_request":
      return `情報収集シートの依頼 ${id}`;
    case "sheet_batch":
      return `情報収集シートの一括依頼 ${id}`;
    case "break_glass":
      return `緊急時の閲覧 ${id}`;
    case "audit":
      return `監査ログの記録 ${id}`;
    case "label":
      return `モデルの正解ラベル「${id}」`;
    case "search":
      return `こどもの検索（${SEARCH_KINDS[id] ?? id}）`;
    case "mail_setting":
      return "メール通知の設定";
    default:
      return target;
  }
}

/** The built-in rule set's labels (`default`, `default-2025.1`) in Japanese: 既定, 既定（2025.1）. */
export function ruleLabelJa(label: string): string {
  const m = /^default(?:-(.+))?$/.exec(label);
  if (!m) return label;
  return m[1] ? `既定（${m[1]}）` : "既定";
}
