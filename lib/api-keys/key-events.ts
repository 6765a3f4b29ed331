// Revocation felt at once: PostgreSQL announces every change to a key that
// matters for verification (trigger "ApiKey_notify_change": revocation,
// expiry, deletion; by the app or anyone else) on the channel below, and each
// instance drops that key from its verification cache when told. If the
// channel drops, the cache is emptied and entries live under a second until it
// is back (reconnecting with backoff).
import pg from "pg";
import { env } from "@/lib/env";
import { logger } from "@/lib/log";
import { cacheForgetKey, setInvalidationsLive } from "./verify-cache";

export const KEY_CHANNEL = "dolfin_api_key_changed";

type Listener = { stop: () => Promise<void> };
const g = globalThis as unknown as { __dolfinKeyListener?: Listener };

export function startKeyEventListener(): Listener {
  if (g.__dolfinKeyListener) return g.__dolfinKeyListener;
  let client: pg.Client | null = null;
  let stopped = false;
  let retryMs = 250;
  let timer: NodeJS.Timeout | null = null;

  const lost = (err?: unknown) => {
    setInvalidationsLive(false);
    if (err) logger.warn({ err }, "key invalidation channel lost; caching briefly until it is back");
    const c = client;
    client = null;
    c?.removeAllListeners();
    c?.end().catch(() => {});
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
    const c = new pg.Client({ connectionString: env().DATABASE_URL, connectionTimeoutMillis: 3_000, keepAlive: true });
    client = c;
    c.on("error", lost);
    c.on("end", () => client === c && lost());
    c.on("notification", (n) => {
      if (n.channel === KEY_CHANNEL && n.payload) cacheForgetKey(n.payload);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${KEY_CHANNEL}`);
      retryMs = 250;
      setInvalidationsLive(true);
    } catch (err) {
      if (client === c) lost(err);
    }
  };

  void connect();
  const listener: Listener = {
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      setInvalidationsLive(false);
      const c = client;
      client = null;
      c?.removeAllListeners();
      await c?.end().catch(() => {});
      g.__dolfinKeyListener = undefined;
    },
  };
  g.__dolfinKeyListener = listener;
  return listener;
}
