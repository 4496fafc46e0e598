/**
 * The change feed (issue 11): one dedicated connection that LISTENs on the
 * channel the triggers of migrations 0092 / 0093 notify, and publishes each
 * notification on the database's change bus (change-bus.ts), which clears
 * the in-process caches that depend on it. The server starts it
 * (server/http.ts); caches of mutable data serve entries only while it is
 * connected. When the connection drops, every cache is cleared and bypassed
 * until it is back (reconnecting every `retryMs`), and cleared again on
 * reconnection (notifications sent meanwhile are lost).
 */
import pg from "pg";
import { type ChangeBus, type ChangeTopic, changeBusOf } from "./change-bus.ts";
import type { Database } from "./database.ts";

export const CHANGE_CHANNEL = "mimamori_change";

const TOPICS: readonly ChangeTopic[] = [
  "session",
  "app_user",
  "masking",
  "score_run",
  "run_data",
  "usage_stop",
  "fact_correction",
  "casework",
  "notification",
  "municipality",
];

export interface ChangeFeed {
  /** Resolves once listening (or rejects when the first connection fails). */
  readonly ready: Promise<void>;
  stop(): Promise<void>;
}

/** Parses `topic` or `topic:userId`; unknown topics clear everything. */
export function parsePayload(payload: string | undefined): {
  topic: ChangeTopic;
  userId?: number;
} {
  const [topic, key] = (payload ?? "").split(":");
  if (!TOPICS.includes(topic as ChangeTopic)) return { topic: "*" };
  const userId = key !== undefined && /^\d+$/.test(key) ? Number(key) : undefined;
  return userId === undefined
    ? { topic: topic as ChangeTopic }
    : { topic: topic as ChangeTopic, userId };
}

/** Starts listening for `db`'s changes on a connection of its own to `url`. */
export function startChangeFeed(
  db: Database,
  url: string,
  options: { retryMs?: number; onError?: (e: unknown) => void } = {},
): ChangeFeed {
  const bus = changeBusOf(db);
  const retryMs = options.retryMs ?? 1000;
  let stopped = false;
  let client: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  let up = false;

  const down = (bus: ChangeBus) => {
    if (!up) return;
    up = false;
    bus.feedsUp--;
    bus.publish({ topic: "*" });
  };

  async function connect(): Promise<void> {
    const c = new pg.Client({ connectionString: url });
    client = c;
    c.on("notification", (n) => {
      if (n.channel === CHANGE_CHANNEL) bus.publish(parsePayload(n.payload));
    });
    const lost = (e?: unknown) => {
      if (client !== c) return;
      client = undefined;
      // Reported once per loss, not on every failed reconnection.
      if (e && up) options.onError?.(e);
      down(bus);
      c.end().catch(() => {});
      if (!stopped) {
        timer = setTimeout(() => connect().catch(() => {}), retryMs);
        // Retrying never keeps a process alive on its own.
        timer.unref();
      }
    };
    c.on("error", lost);
    c.on("end", () => lost());
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch (e) {
      lost(e);
      throw e;
    }
    if (stopped || client !== c) return;
    // Anything may have changed while nobody listened.
    bus.publish({ topic: "*" });
    up = true;
    bus.feedsUp++;
  }

  const ready = connect();
  ready.catch(() => {});
  return {
    ready,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      const c = client;
      client = undefined;
      down(bus);
      await c?.end().catch(() => {});
    },
  };
}
