import { type Kysely, sql } from "kysely";

/**
 * The screening workflow (issue 13): from a flag to a decided, recorded,
 * followed-up case.
 *
 * - `child_case`: one case per child (durable person id, so it follows the
 *   child across runs) with its current state (domain/cases/state.ts), the
 *   responsible user, the next review date, and `council` (registered with
 *   要対協). The state is a projection of `case_event`.
 * - `case_event`: the append-only trail of transitions — who, when, why,
 *   from → to; a mistake is corrected by a new event, never by editing or
 *   deleting one (trigger).
 * - `review_list` / `review_list_entry`: a month's 候補リスト, the children
 *   picked from 判定一覧 (with the exclusions that applied and, when one was
 *   overridden, the reason).
 * - `conference`: a meeting on a month's list (date, attendees).
 * - `support_plan`, `support_action`, `follow_up`, `result_evaluation`: the
 *   support of a 要支援 case and the staff's verdict on each system result.
 *
 * 要対協: a case registered with the council is visible to council members
 * only. RESTRICTIVE policies (like 0040's) hide council cases from a
 * transaction without mimamori.council = 'on', and every dependent row
 * (events, entries, plans, actions, follow-ups, evaluations) is visible only
 * when its case is (`case_id IN (SELECT id FROM child_case)`, which
 * child_case's own policies limit). The standard municipality policy is added
 * by row-security.ts after the migration run.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE child_case (
      id serial PRIMARY KEY,
      municipality_id integer NOT NULL REFERENCES municipality (id),
      person_id text NOT NULL,
      state text NOT NULL,
      council boolean NOT NULL DEFAULT false,
      responsible_user_id integer REFERENCES app_user (id),
      review_on date,
      last_decision text,
      opened_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT child_case_person_key UNIQUE (municipality_id, person_id)
    )`.execute(db);
  await sql`CREATE INDEX child_case_responsible_idx ON child_case (responsible_user_id) WHERE state <> 'closed'`.execute(
    db,
  );

  await sql`
    CREATE TABLE case_event (
      id serial PRIMARY KEY,
      municipality_id integer NOT NULL REFERENCES municipality (id),
      case_id integer NOT NULL REFERENCES child_case (id),
      at timestamptz NOT NULL DEFAULT now(),
      actor_user_id integer,
      actor text NOT NULL,
      action text NOT NULL,
      decision text,
      from_state text,
      to_state text NOT NULL,
      reason text,
      list_id integer,
      conference_id integer,
      corrects_id integer REFERENCES case_event (id),
      detail jsonb NOT NULL DEFAULT '{}'
    )`.execute(db);
  await sql`CREATE INDEX case_event_case_idx ON case_event (case_id, id)`.execute(db);
  await sql`
    CREATE FUNCTION case_event_append_only() RETURNS trigger AS $$
    BEGIN
      RAISE EXCEPTION 'case_event is an append-only trail: record a correction as a new event';
    END $$ LANGUAGE plpgsql`.execute(db);
  await sql`
    CREATE TRIGGER case_event_append_only BEFORE UPDATE OR DELETE ON case_event
    FOR EACH ROW EXECUTE FUNCTION case_event_append_only()`.execute(db);

  await sql`
    CREATE TABLE review_list (
      id serial PRIMARY KEY,
      municipality_id integer NOT NULL REFERENCES municipality (id),
      month text NOT NULL,
      run_id integer NOT NULL,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT review_list_month_key UNIQUE (municipality_id, month)
    )`.execute(db);
  await sql`
    CREATE TABLE review_list_entry (
      id serial PRIMARY KEY,
      municipality_id integer NOT NULL REFERENCES municipality (id),
      list_id integer NOT NULL REFERENCES review_list (id),
      case_id integer NOT NULL REFERENCES child_case (id),
      person_id text NOT NULL,
      difficulty text NOT NULL,
      household_no text,
      exclusions text[] NOT NULL DEFAULT '{}',
      override_reason text,
      added_by text NOT NULL,
      added_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT review_list_entry_key UNIQUE (list_id, person_id)
    )`.execute(db);
  await sql`CREATE INDEX review_list_entry_case_idx ON review_list_entry (case_id)`.execute(db);

  await sql`
    CREATE TABLE conference (
      id serial PRIMARY KEY,
      municipality_id integer NOT NULL REFERENCES municipality (id),
      list_id integer NOT NULL REFERENCES review_list (id),
      held_on date NOT NULL,
      title text NOT NULL,
      attendees text[] NOT NULL DEFAULT '{}',
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);

  await sql`
    CREATE TABLE support_plan (
      id serial PRIMARY KEY,
      municipality_id integer NOT NULL REFERENCES municipality (id),
      case_id integer NOT NULL REFERENCES child_case (id),
      goals text NOT NULL,
      organisations text[] NOT NULL DEFAULT '{}',
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`
    CREATE TABLE support_action (
      id serial PRIMARY KEY,
      municipality_id integer NOT NULL REFERENCES municipality (id),
      case_id integer NOT NULL REFERENCES child_case (id),
      kind text NOT NULL,
      done_on date NOT NULL,
      outcome text NOT NULL,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`
    CREATE TABLE follow_up (
      id serial PRIMARY KEY,
      municipality_id integer NOT NULL REFERENCES municipality (id),
      case_id integer NOT NULL REFERENCES child_case (id),
      due_on date NOT NULL,
      what text NOT NULL,
      assignee_user_id integer NOT NULL REFERENCES app_user (id),
      done_at timestamptz,
      done_note text,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX follow_up_assignee_idx ON follow_up (assignee_user_id, due_on) WHERE done_at IS NULL`.execute(
    db,
  );
  await sql`
    CREATE TABLE result_evaluation (
      id serial PRIMARY KEY,
      municipality_id integer NOT NULL REFERENCES municipality (id),
      case_id integer NOT NULL REFERENCES child_case (id),
      run_id integer,
      difficulty text NOT NULL,
      verdict text NOT NULL CHECK (verdict IN ('hit', 'miss', 'other')),
      note text,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);

  // 要対協 cases: council members only, and everything hanging off them.
  await sql`
    CREATE POLICY council_only ON child_case AS RESTRICTIVE
    USING (mimamori_scope_council() OR NOT council)
    WITH CHECK (mimamori_scope_council() OR NOT council)`.execute(db);
  for (const table of [
    "case_event",
    "review_list_entry",
    "support_plan",
    "support_action",
    "follow_up",
    "result_evaluation",
  ]) {
    await sql`
      CREATE POLICY council_only ON ${sql.id(table)} AS RESTRICTIVE
      USING (case_id IN (SELECT id FROM child_case))
      WITH CHECK (case_id IN (SELECT id FROM child_case))`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    "result_evaluation",
    "follow_up",
    "support_action",
    "support_plan",
    "conference",
    "review_list_entry",
    "review_list",
    "case_event",
    "child_case",
  ])
    await sql`DROP TABLE IF EXISTS ${sql.id(table)}`.execute(db);
  await sql`DROP FUNCTION IF EXISTS case_event_append_only()`.execute(db);
}
