// Revocation felt at once: PostgreSQL announces every change to a key that
// matters for verification (trigger "ApiKey_notify_change": revocation,
// expiry, deletion; by the app or anyone else) on the channel below, and each
// instance drops that key from its verification cache when told. If the
// channel drops, the cache is emptied and entries live under a second until it
// is back (reconnecting with backoff).
// The same trigger logs each change in "ApiKeyChange": on reconnect, and every
// second while the channel is down (through the pool, when the database
// answers), the instance reads back which keys changed since it last heard
// (with a margin) and forgets them, so the last verdicts it may serve during an
// outage (verify-cache.ts staleEntry) never hold a change it missed.
// The listener proves it is alive: every HEARTBEAT_MS a `SELECT 1` on its
// connection; answered within HEARTBEAT_TIMEOUT_MS, every change committed
// before it was sent has been heard (verify-cache.ts heartbeatAnswered). Not
// answered (a silent partition: bytes held, no reset), the channel counts as
// lost: the stuck connection is destroyed and replaced, entries live briefly,
// and what changed is read back, exactly as on a reset.
import pg from "pg";
import { pool, within } from "@/lib/db/client";
import { env } from "@/lib/env";
import { logger } from "@/lib/log";
import { cacheForgetKey, heartbeatAnswered, heartbeatStart, reconciled, reconcileStart, setInvalidationsLive } from "./verify-cache";

export const KEY_CHANNEL = "dolfin_api_key_changed";
/** The listener connection's application_name. */
export const KEY_EVENTS_APPLICATION = "dolfin-key-events";
/** How long "ApiKeyChange" rows are kept (pruned hourly); an instance that heard nothing for longer forgets every last verdict. */
export const KEY_CHANGE_RETENTION_MS = 24 * 3_600_000;
const RECONCILE_WHILE_DOWN_MS = 1_000;
/** How often the listener proves its connection alive, and how long an answer may take before the channel counts as lost. */
export const HEARTBEAT_MS = 2_000;
export const HEARTBEAT_TIMEOUT_MS = 2_000;


type Queryable = { query: (sql: string, values: unknown[]) => Promise<{ rows: { id: string }[] }> };

/** Read back the keys changed since this process last heard, and forget them (verify-cache.ts reconciled). */
export async function reconcileKeyChanges(via: Queryable): Promise<number> {
  const r = reconcileStart();
  const all = r.since.getTime() < Date.now() - KEY_CHANGE_RETENTION_MS + 3_600_000;
  const { rows } = all ? { rows: [] } : await via.query(`SELECT DISTINCT "keyId"::text AS id FROM "ApiKeyChange" WHERE "at" > $1`, [r.since]);
  reconciled(r, rows.map((x) => x.id), all);
  return rows.length;
}

/** Delete change-log rows past KEY_CHANGE_RETENTION_MS (the hourly retention pass). */
export async function pruneKeyChanges(now = Date.now()): Promise<number> {
  const r = await pool().query(`DELETE FROM "ApiKeyChange" WHERE "at" < $1`, [new Date(now - KEY_CHANGE_RETENTION_MS)]);
  return r.rowCount ?? 0;
}

type Listener = { stop: () => Promise<void> };
const g = globalThis as unknown as { __dolfinKeyListener?: Listener };

export function startKeyEventListener(): Listener {
  if (g.__dolfinKeyListener) return g.__dolfinKeyListener;
  let client: pg.Client | null = null;
  let stopped = false;
  let retryMs = 250;
  let timer: NodeJS.Timeout | null = null;
  let catchUp: NodeJS.Timeout | null = null;

  // While the channel is down, read back what changed every second through the pool (when the database answers).
  const catchUpWhileDown = () => {
    if (catchUp || stopped) return;
    let busy = false; // one at a time: a frozen pool must not pile up reads
    const tick = () => {
      if (live || busy) return;
      busy = true;
      reconcileKeyChanges(pool())
        .catch(() => {}) // the database is away too: the next tick tries again
        .finally(() => (busy = false));
    };
    tick();
    catchUp = setInterval(() => {
      if (live || stopped) {
        clearInterval(catchUp!);
        catchUp = null;
      } else tick();
    }, RECONCILE_WHILE_DOWN_MS);
    catchUp.unref();
  };
  let live = false;

  let beat: NodeJS.Timeout | null = null;
  const stopBeating = () => {
    if (beat) clearInterval(beat);
    beat = null;
  };
  /** End a connection that may be stuck: a graceful end would wait on a peer that never answers. */
  const destroy = (c: pg.Client | null) => {
    if (!c) return;
    c.removeAllListeners();
    c.on("error", () => {});
    c.end().catch(() => {});
    (c as unknown as { connection?: { stream?: { destroy: () => void } } }).connection?.stream?.destroy();
  };

  const lost = (err?: unknown) => {
    live = false;
    stopBeating();
    setInvalidationsLive(false);
    catchUpWhileDown();
    if (err) logger.warn({ err }, "key invalidation channel lost; caching briefly until it is back");
    const c = client;
    client = null;
    destroy(c);
    if (!stopped && !timer) {
      timer = setTimeout(() => {
        timer = null;
        void connect();
      }, retryMs);
      timer.unref();
      retryMs = Math.min(retryMs * 2, 10_000);
    }
  };

  const connect = async () => {
    // Named, so that pg_stat_activity (and the outage test's proxy) tell it from the pool's connections.
    const c = new pg.Client({ connectionString: env().DATABASE_URL, connectionTimeoutMillis: 3_000, keepAlive: true, application_name: KEY_EVENTS_APPLICATION });
    client = c;
    c.on("error", lost);
    c.on("end", () => client === c && lost());
    c.on("notification", (n) => {
      if (n.channel === KEY_CHANNEL && n.payload) cacheForgetKey(n.payload);
    });
    try {
      await c.connect();
      await within(c.query(`LISTEN ${KEY_CHANNEL}`), HEARTBEAT_TIMEOUT_MS, "LISTEN");
      retryMs = 250;
      setInvalidationsLive(true);
      live = true;
      // Heard from now on; what changed before (while nobody listened, or in flight when it dropped) is read back.
      const n = await within(reconcileKeyChanges(c), HEARTBEAT_TIMEOUT_MS * 2, "reading back the key changes");
      if (n > 0) logger.info({ keys: n }, "key invalidation channel back: forgot the keys changed while it was down");
      if (client !== c) return;
      let inFlight = false;
      stopBeating();
      beat = setInterval(() => {
        if (inFlight || client !== c) return;
        inFlight = true;
        const h = heartbeatStart();
        within(c.query("SELECT 1"), HEARTBEAT_TIMEOUT_MS, "key events heartbeat")
          .then(() => client === c && heartbeatAnswered(h))
          .catch((err: unknown) => client === c && lost(err))
          .finally(() => (inFlight = false));
      }, HEARTBEAT_MS);
      beat.unref();
    } catch (err) {
      if (client === c) lost(err);
    }
  };

  void connect();
  const listener: Listener = {
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (catchUp) clearInterval(catchUp);
      stopBeating();
      setInvalidationsLive(false);
      const c = client;
      client = null;
      c?.removeAllListeners();
      c?.on("error", () => {});
      await within(c?.end() ?? Promise.resolve(), HEARTBEAT_TIMEOUT_MS, "closing the listener").catch(() => destroy(c));
      g.__dolfinKeyListener = undefined;
    },
  };
  g.__dolfinKeyListener = listener;
  return listener;
}
