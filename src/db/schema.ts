/**
 * Kysely table types. One interface per table; migrations in ./migrations are
 * the source of truth and these must follow them. Other areas add their tables
 * here, next to their migration.
 */
import type { ColumnType, Generated } from "kysely";

/** timestamptz: a Date when read; Date or ISO string when written. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** timestamptz with a database default (may be omitted on insert). */
export type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** jsonb: parsed when read; a JSON string when written. */
export type Json = ColumnType<unknown, string, string>;

export interface MunicipalityTable {
  id: Generated<number>;
  /** 全国地方公共団体コード (6 digits), when known. */
  code: string | null;
  name: string;
  created_at: DefaultTimestamp;
}

export interface AppUserTable {
  id: Generated<number>;
  municipality_id: number;
  login_name: string;
  display_name: string;
  /** argon2id (PHC string). */
  password_hash: string;
  roles: string[];
  must_change_password: boolean;
  disabled: Generated<boolean>;
  created_at: DefaultTimestamp;
  password_changed_at: Timestamp | null;
  last_login_at: Timestamp | null;
  /** The login before last_login_at: what 「最終ログイン」 shows the user (0070). */
  previous_login_at: Timestamp | null;
  /** 要対協 member: may see 要対協 / 一時保護 facts (0008-policy). */
  council: Generated<boolean>;
  /** The school / nursery / office an account is scoped to (0008-policy). */
  affiliation: string | null;
  /** The sources a データ提供 account may import; null: every source (0088). */
  import_sources: Generated<string[] | null>;
  /** TOTP (RFC 6238) shared secret, base32; set once enrolment is confirmed (0046-accounts). */
  totp_secret: string | null;
  totp_enabled_at: Timestamp | null;
  /** The last accepted TOTP time step: a code is never accepted twice (0046). */
  totp_last_step: string | null;
  /** A secret shown for enrolment, not yet confirmed by a code (0046). */
  totp_pending_secret: string | null;
  /** Set by an administrator's reset: enrol a second factor at the next login (0066). */
  totp_must_enrol: Generated<boolean>;
  /** Optional address for mail about notifications (0061-mail); staff personal data. */
  email: Generated<string | null>;
  /** Consecutive failed logins; the account locks at the limit (0046). */
  failed_login_count: Generated<number>;
  locked_until: Timestamp | null;
}

/** A one-time recovery code (SHA-256 only) for a lost second factor (0046-accounts). */
export interface UserRecoveryCodeTable {
  user_id: number;
  code_hash: string;
  used_at: Timestamp | null;
  created_at: DefaultTimestamp;
}

/** A failed login, for throttling per login name and address across restarts (0046-accounts). */
export interface LoginFailureTable {
  key: string;
  at: DefaultTimestamp;
}

/** Between a correct password and the second factor / enrolment; its own cookie (0046-accounts). */
export interface LoginChallengeTable {
  token_hash: string;
  user_id: number;
  csrf_token: string;
  kind: "totp" | "enrol";
  attempts: Generated<number>;
  client_address: string | null;
  created_at: DefaultTimestamp;
  expires_at: Timestamp;
}

export interface SessionTable {
  /** sha256 of the cookie token, hex: a stolen table does not yield live cookies. */
  token_hash: string;
  user_id: number;
  csrf_token: string;
  created_at: DefaultTimestamp;
  expires_at: Timestamp;
  last_seen_at: DefaultTimestamp;
  /** Absolute end, however active the session is (0046-accounts). */
  absolute_expires_at: DefaultTimestamp;
  /** When the user last proved who they are (password or second factor): re-authentication before exports (0046). */
  authenticated_at: DefaultTimestamp;
  client_address: string | null;
}

export interface AuditLogTable {
  id: Generated<string>;
  municipality_id: number | null;
  at: DefaultTimestamp;
  actor_user_id: number | null;
  /** Login name at the time (users may be renamed; the log must not change). */
  actor: string;
  action: string;
  target: string | null;
  detail: Json;
  /** Set by the database trigger: the hash chain that makes tampering evident. */
  prev_hash: Generated<Buffer>;
  hash: Generated<Buffer>;
  /** Where the request came from (client address), when over HTTP (0045-audit-anchor). */
  client_address: string | null;
  /** The child or person the action concerned, for "who looked at this child" (0045). */
  person_id: string | null;
  /** Why: the purpose given for an export or a break-the-glass access (0045). */
  purpose: string | null;
}

/**
 * Persons an export disclosed, up to 1,000 ids per row, keyed by its audit row
 * (0078-audit-disclosure; the audit row's `detail.disclosed` holds the count and digest).
 */
export interface AuditDisclosureTable {
  audit_id: string;
  chunk: number;
  municipality_id: number;
  persons: string[];
  /** Set by a trigger from a sequence (0073): what an incremental check has not seen yet. */
  seq: Generated<string>;
  /** The writing transaction (pg_current_xact_id(), set by the same trigger, 0089); null before. */
  xid: Generated<string | null>;
}

/** A verified point of the audit chain: everything up to last_id checked (0045-audit-anchor). */
export interface AuditCheckpointTable {
  id: Generated<string>;
  last_id: string;
  hash: Buffer;
  rows_covered: string;
  full_check: boolean;
  verified_at: DefaultTimestamp;
  /** The highest audit_disclosure.seq the check covered (0073). */
  disclosure_seq: Generated<string>;
  /** The oldest transaction running when the check read the chunks (0089); null before. */
  disclosure_xmin: Generated<string | null>;
}

/** One imported file (or manual entry): a versioned snapshot of a source (0002-import). */
export interface ImportSnapshotTable {
  id: Generated<number>;
  municipality_id: number;
  source_id: string;
  version: number;
  /** date; read it with to_char (a pg Date would be shifted by the time zone). */
  as_of: ColumnType<Date | null, string | null, string | null>;
  file_name: string;
  content_hash: string;
  format: string;
  encoding: string | null;
  header: string[];
  mapping: Json | null;
  manual: Generated<boolean>;
  rows_read: Generated<number>;
  rows_stored: Generated<number>;
  rows_rejected: Generated<number>;
  imported_at: DefaultTimestamp;
  actor_user_id: number | null;
  actor: string;
  superseded_by: number | null;
}

/** One snapshot replacing another for runs, and its undo (0010-import-replacement). */
export interface ImportReplacementTable {
  id: Generated<number>;
  municipality_id: number;
  snapshot_id: number;
  replaced_snapshot_id: number;
  kind: "replace" | "correct";
  replaced_at: DefaultTimestamp;
  actor: string;
  undone_at: Date | null;
  undone_by: string | null;
}

/** One data row of an imported file, stored (data) or rejected (errors) (0002-import). */
export interface ImportRowTable {
  snapshot_id: number;
  municipality_id: number;
  row_no: number;
  line_no: number;
  as_of: ColumnType<Date | null, string | null, string | null>;
  /** The row as written: a CSV record, cells in the snapshot's header order. */
  raw: string;
  /** json: normalised values keyed by canonical column name (null when rejected). */
  data: Json | null;
  /** json: [{ column, value, reason }] (null when stored). */
  errors: Json | null;
  /** Set when retention per person erased the row's content (0085). */
  purged_at: ColumnType<Date | null, never, Date | null>;
}

/** date column: read with to_char (a pg Date would be shifted by the time zone). */
type DateColumn = ColumnType<Date | null, string | null, string | null>;

/** One 名寄せ run: what it used and produced (0003-linkage). */
export interface LinkRunTable {
  id: Generated<number>;
  municipality_id: number;
  as_of: ColumnType<Date, string, string>;
  snapshot_ids: number[];
  /** LinkageSettings. */
  settings: Json;
  /** TrainedModel. */
  model: Json;
  /** The old PersonIdAssignment (runs before 0020-durable-linkage); null since (see link_identity). */
  assignment: Json | null;
  stats: Json;
  actor: string;
  created_at: DefaultTimestamp;
  /** Null while a monthly run is writing it (0015-run-job); readers skip such runs. */
  completed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /**
   * The highest link_decision id the store read (0079-link-key-rows): link_key_row holds the
   * rows of every decision's keys up to it. Null only if never written (then none is known covered).
   */
  decisions_through: ColumnType<number | null, number | null | undefined, number | null>;
}

/** A person of a run (0003-linkage). */
export interface LinkPersonTable {
  run_id: number;
  municipality_id: number;
  person_id: string;
  resident_nos: string[];
  name: string | null;
  name_kana: string | null;
  birth_date: DateColumn;
  sex: string | null;
  household_no: string | null;
  resident: boolean;
}

/** The person of one imported row in a run (0003-linkage; written by COPY). */
export interface LinkRecordTable {
  run_id: number;
  municipality_id: number;
  snapshot_id: number;
  row_no: number;
  source_id: string;
  file_name: string;
  person_id: string | null;
  method: string;
  probability: number | null;
  profile_key: string;
  levels: number[] | null;
  weights: number[] | null;
}

/**
 * A link_record row of one of a run's review or decision keys (0079-link-key-rows): what the
 * review queue, linkageSummary and personsOfKeys look up by profile key.
 */
export interface LinkKeyRowTable {
  run_id: number;
  municipality_id: number;
  profile_key: string;
  snapshot_id: number;
  row_no: number;
  source_id: string;
  file_name: string;
  person_id: string | null;
}

/** A pair to decide (0003-linkage). */
export interface LinkReviewTable {
  run_id: number;
  municipality_id: number;
  left_key: string;
  right_key: string;
  left_person: string | null;
  right_person: string | null;
  weight: number;
  probability: number;
  reason: string;
  /** Waterfall. */
  explanation: Json;
  /** 0020-durable-linkage: one item per pair of persons. */
  left_anchors: Generated<string[]>;
  right_anchors: Generated<string[]>;
  pairs: Generated<number>;
  rows: Generated<number>;
  sources: Generated<string[]>;
  schools: Generated<string[]>;
  left_sources: Generated<string[]>;
  right_sources: Generated<string[]>;
}

/** The child of a mother-keyed 妊婦/産婦健診 row in a run; twins: two lines (0006-mother-child). */
export interface LinkMotherChildTable {
  run_id: number;
  municipality_id: number;
  snapshot_id: number;
  row_no: number;
  source_id: string;
  file_name: string;
  mother_person_id: string | null;
  child_person_id: string;
  /** "id" (子宛名番号) or "rule" (layouts.md birth-date rule). */
  method: string;
}

/** A reviewer's decision on a pair of profile keys; outlives runs (0003-linkage). */
export interface LinkDecisionTable {
  id: Generated<number>;
  municipality_id: number;
  left_key: string;
  right_key: string;
  same: boolean;
  decided_by_user_id: number | null;
  decided_by: string;
  decided_at: DefaultTimestamp;
  /** 0020-durable-linkage: "decide", or "undo" (reverses `reverses_id`); rows are never changed. */
  action: Generated<string>;
  reverses_id: number | null;
  left_anchors: Generated<string[]>;
  right_anchors: Generated<string[]>;
  run_id: number | null;
  left_person: string | null;
  right_person: string | null;
}

/** Anchor → the person id it last belonged to: the person-id state (0020-durable-linkage). */
export interface LinkIdentityTable {
  municipality_id: number;
  anchor: string;
  person_id: string;
  run_id: number;
}

/** Next fresh person number per municipality (0020-durable-linkage). */
export interface LinkIdCounterTable {
  municipality_id: number;
  next_seq: number;
}

/** A split or merge of earlier persons made by a run, explained (0020-durable-linkage). */
export interface LinkPersonEventTable {
  run_id: number;
  municipality_id: number;
  kind: string;
  person_id: string;
  other_person_id: string;
  shared: number;
  cause: string;
  explanation: string;
}

/** A municipality's rule set, effective from a date (0004-scoring). */
export interface RuleVersionTable {
  id: Generated<number>;
  municipality_id: number;
  label: string;
  effective_from: ColumnType<Date, string, string>;
  note: Generated<string>;
  /** RuleSet (domain/scoring/rules.ts). */
  rules: Json;
  actor: string;
  created_at: DefaultTimestamp;
}

/** One scoring run: rule version, linkage run, snapshots, as-of date, code version (0004-scoring). */
export interface ScoreRunTable {
  id: Generated<number>;
  municipality_id: number;
  link_run_id: number;
  rule_version_id: number;
  as_of: ColumnType<Date, string, string>;
  snapshot_ids: number[];
  code_version: string;
  catalog_version: string;
  difficulties: string[];
  stats: Json;
  actor: string;
  created_at: DefaultTimestamp;
  /** Null while a monthly run is writing it (0015-run-job); readers skip such runs. */
  completed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** Set once the run's score_child rows are written (0050-run-views). */
  children_indexed_at: ColumnType<
    Date | null,
    Date | string | null | undefined,
    Date | string | null
  >;
}

/** An item that holds for a person in a run, with its evidence (0004-scoring; COPY). */
export interface ScoreItemTable {
  run_id: number;
  municipality_id: number;
  person_id: string;
  item_id: string;
  /** Evidence (domain/items/evidence.ts). */
  evidence: Json;
}

/** A child's score for one difficulty type in a run (0004-scoring; COPY). */
export interface ScoreResultTable {
  run_id: number;
  municipality_id: number;
  person_id: string;
  type_index: number;
  difficulty: string;
  applicable: boolean;
  score: number;
  threshold: number;
  flagged: boolean;
  total_points: number;
  excluded_by: string[];
}

/** A municipality's retention policy for imported snapshots (0007-retention). */
export interface RetentionPolicyTable {
  municipality_id: number;
  keep_snapshots: number;
  keep_months: number | null;
  updated_at: DefaultTimestamp;
  actor: string;
}

/** Years a municipality keeps a person's raw rows (0085). */
export interface PersonRetentionSettingTable {
  municipality_id: number;
  years: number;
  updated_at: DefaultTimestamp;
  actor: string;
}

export interface CaseRetentionSettingTable {
  municipality_id: number;
  closed_years: number;
  until_age: number | null;
  updated_at: DefaultTimestamp;
  actor: string;
}

export interface GaijiTableTable {
  municipality_id: number;
  entries: Json;
  updated_at: DefaultTimestamp;
  actor: string;
}

export interface SourceDeclarationTable {
  municipality_id: number;
  source_id: string;
  declaration: Json;
  updated_at: DefaultTimestamp;
  actor: string;
}

/** A scored child's list attributes in a run (0050-run-views). */
export interface ScoreChildTable {
  run_id: number;
  municipality_id: number;
  person_id: string;
  age: number | null;
  affiliation: string | null;
  grade: string | null;
  household_no: string | null;
  /** Item ids the child holds in the run, sorted, B01/B02 included (0091-held-items). */
  items: Generated<string[]>;
}

/** A municipality's small settings by key (0050-run-views). */
export interface MunicipalitySettingTable {
  municipality_id: number;
  key: string;
  value: Json;
  actor: string;
  updated_at: DefaultTimestamp;
}

export interface DB {
  municipality: MunicipalityTable;
  app_user: AppUserTable;
  session: SessionTable;
  audit_log: AuditLogTable;
  audit_checkpoint: AuditCheckpointTable;
  audit_disclosure: AuditDisclosureTable;
  user_recovery_code: UserRecoveryCodeTable;
  login_failure: LoginFailureTable;
  login_challenge: LoginChallengeTable;
  import_snapshot: ImportSnapshotTable;
  import_row: ImportRowTable;
  import_replacement: ImportReplacementTable;
  retention_policy: RetentionPolicyTable;
  case_retention_setting: CaseRetentionSettingTable;
  person_retention_setting: PersonRetentionSettingTable;
  link_run: LinkRunTable;
  link_person: LinkPersonTable;
  link_record: LinkRecordTable;
  link_key_row: LinkKeyRowTable;
  link_review: LinkReviewTable;
  link_decision: LinkDecisionTable;
  link_mother_child: LinkMotherChildTable;
  link_identity: LinkIdentityTable;
  link_id_counter: LinkIdCounterTable;
  link_person_event: LinkPersonEventTable;
  rule_version: RuleVersionTable;
  score_run: ScoreRunTable;
  score_item: ScoreItemTable;
  score_result: ScoreResultTable;
  score_child: ScoreChildTable;
  municipality_setting: MunicipalitySettingTable;
  run_job: RunJobTable;
  source_declaration: SourceDeclarationTable;
  gaiji_table: GaijiTableTable;
  person_search_key: PersonSearchKeyTable;
  pseudonym_key: PseudonymKeyTable;
  break_glass: BreakGlassTable;
  sheet_template: SheetTemplateTable;
  sheet_request: SheetRequestTable;
  notification: NotificationTable;
  usage_stop: UsageStopTable;
  fact_correction: FactCorrectionTable;
  purge_log: PurgeLogTable;
  masking_rule_version: MaskingRuleVersionTable;
  mail_setting: MailSettingTable;
  mail_outbox: MailOutboxTable;
}

/** One monthly run, its stage and counts (0015-run-job). */
export interface RunJobTable {
  id: Generated<number>;
  municipality_id: number;
  state: "running" | "succeeded" | "failed";
  stage: string | null;
  counts: ColumnType<unknown, string | undefined, string>;
  as_of: DateColumn;
  link_run_id: number | null;
  score_run_id: number | null;
  actor_user_id: number | null;
  actor: string;
  origin: string;
  host: string;
  pid: number;
  started_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
  finished_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  error: string | null;
}

/** A name search key of a person of a linkage run (0055-child-views; domain/ja/search-key.ts). */
export interface PersonSearchKeyTable {
  run_id: number;
  municipality_id: number;
  person_id: string;
  key: string;
}

/** The municipality's key for pseudonymised ids (0075-security); never exported. */
export interface PseudonymKeyTable {
  municipality_id: number;
  key: Buffer;
  created_at: DefaultTimestamp;
}

/** A break-the-glass grant: one user, one child, a reason, an expiry (0075-security). */
export interface BreakGlassTable {
  id: Generated<number>;
  municipality_id: number;
  user_id: number;
  login_name: string;
  person_id: string;
  reason: string;
  opened_at: DefaultTimestamp;
  expires_at: Timestamp;
}

/** A municipality's edited 情報収集シート template (0065-sheets; built-ins in domain/sheets). */
export interface SheetTemplateTable {
  municipality_id: number;
  key: string;
  title: string;
  questions: Json;
  updated_by: number | null;
  updated_at: DefaultTimestamp;
}

/** One 情報収集シート request about one child to an affiliation (0065-sheets). */
export interface SheetRequestTable {
  id: Generated<number>;
  municipality_id: number;
  person_id: string;
  child_name: string | null;
  recipient: string;
  recipient_kind: string;
  difficulties: string[];
  mode: string;
  /** What the mode shares, fixed when sent (domain/sheets/requests.ts sharedResult). */
  shared: Json;
  questions: Json;
  due_date: ColumnType<string, string, string>;
  status: Generated<string>;
  batch_id: string | null;
  note: string | null;
  score_run_id: number | null;
  sent_by: number;
  sent_by_name: string;
  sent_at: DefaultTimestamp;
  answers: Json | null;
  answered_by: number | null;
  answered_by_name: string | null;
  answered_at: Timestamp | null;
  withdrawn_by: number | null;
  withdrawn_at: Timestamp | null;
  withdraw_reason: string | null;
  reminded_on: ColumnType<string | null, string | null | undefined, string | null>;
}

/** An in-app notification for one user (0065-sheets). */
export interface NotificationTable {
  id: Generated<number>;
  municipality_id: number;
  recipient_user_id: number;
  kind: string;
  text: string;
  link: string | null;
  request_id: number | null;
  created_at: DefaultTimestamp;
  read_at: Timestamp | null;
}

/** 利用停止 of a person (0076-rights): left out of runs from the next one; kept, never deleted. */
export interface UsageStopTable {
  id: Generated<number>;
  municipality_id: number;
  person_id: string;
  reason: string;
  actor: string;
  stopped_at: DefaultTimestamp;
  lifted_at: Date | null;
  lifted_by: string | null;
  lift_reason: string | null;
  /** 宛名番号 of the person when stopped (0082): the stop survives a relink. */
  resident_nos: ColumnType<string[], string[] | undefined, string[]>;
}

/** What a purge deleted, as counts only (0083). */
export interface PurgeLogTable {
  id: Generated<number>;
  municipality_id: number;
  at: DefaultTimestamp;
  actor: string;
  kind: string;
  policy: Json;
  counts: Json;
}

/** 訂正 of one cell of a stored source row (0081): an overlay the next run reads. */
export interface FactCorrectionTable {
  id: Generated<number>;
  municipality_id: number;
  snapshot_id: number;
  row_no: number;
  source_id: string;
  person_id: string;
  field: string;
  old_value: Json | null;
  new_value: Json | null;
  reason: string;
  actor: string;
  corrected_at: DefaultTimestamp;
  withdrawn_at: Date | null;
  withdrawn_by: string | null;
  withdraw_reason: string | null;
}

/** One saved version of a municipality's masking rules (0077-masking-rules). */
export interface MaskingRuleVersionTable {
  municipality_id: number;
  version: number;
  rules: ColumnType<unknown, string, string>;
  note: string;
  created_by: string;
  created_by_user_id: number | null;
  created_at: DefaultTimestamp;
}

/** The installation's SMTP relay (0061-mail): one row, id 1; absent or disabled = no mail. */
export interface MailSettingTable {
  id: Generated<number>;
  enabled: boolean;
  host: string | null;
  port: number | null;
  security: "starttls" | "tls" | "none";
  auth_user: string | null;
  /** Write-only for the API and CLI (never returned). */
  auth_password: string | null;
  from_address: string | null;
  app_url: string | null;
  updated_by: string | null;
  updated_at: Timestamp | null;
}

/** One mail to send about one notification (0061-mail): kind and link only, never text. */
export interface MailOutboxTable {
  id: Generated<number>;
  municipality_id: number;
  recipient_user_id: number;
  notification_id: number | null;
  kind: string;
  link: string | null;
  status: Generated<"queued" | "sent" | "failed" | "cancelled">;
  attempts: Generated<number>;
  next_attempt_at: DefaultTimestamp;
  last_error: string | null;
  created_at: DefaultTimestamp;
  sent_at: Timestamp | null;
}
