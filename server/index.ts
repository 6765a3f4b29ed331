// The serving layer (a Next.js custom server): it owns the socket. It resolves
// the true client IP for every request, answers the verify API itself (no
// Next.js router on the hot path), hands everything else to Next's request
// handler (after the security headers and the settings pages' sign-in
// redirect: server/page-policy.ts), answers GET /metrics behind METRICS_TOKEN
// (server/metrics.ts), listens for key invalidations, and shuts down gracefully.
//   npm start / npm run dev / the tests / the benchmark all run this.
// Environment: PORT (3000), HOST (0.0.0.0), DOLFIN_DEV=1 for `next dev`, plus the app's.
import http from "node:http";
import next from "next";
import { flushAuthFailures } from "@/lib/api-keys/auth-failures";
import { refuseDemoAccounts } from "@/lib/admin/demo-data";
import { startKeyEventListener } from "@/lib/api-keys/key-events";
import { flushUsage } from "@/lib/api-keys/usage";
import { closeDatabase } from "@/lib/db/client";
import { env } from "@/lib/env";
import { logger } from "@/lib/log";
import { countHttp, httpRoute } from "@/lib/metrics/counters";
import { compileTrust, rewriteForwardedHeaders } from "./client-ip";
import { handleMetrics, METRICS_PATH, metricsAuthorized } from "./metrics";
import { applyPagePolicy } from "./page-policy";
import { handleVerify, VERIFY_PATH } from "./verify-endpoint";

const dev = process.env.DOLFIN_DEV === "1";
const port = Number(process.env.PORT ?? 3000);
const hostname = process.env.HOST ?? "0.0.0.0";
/** How long in-flight requests may take to finish after SIGTERM. */
const DRAIN_MS = Number(process.env.SHUTDOWN_DRAIN_MS ?? 10_000);

async function main() {
  const e = env(); // a bad environment stops the boot here, with the reason
  // Production serves no demo accounts (their password is public), whoever started it (npm start, or node directly).
  if (!dev) await refuseDemoAccounts();
  const trust = compileTrust(e.TRUSTED_PROXIES);
  const app = next({ dev, hostname, port, dir: process.cwd() });
  const handle = app.getRequestHandler();
  await app.prepare();
  const listener = startKeyEventListener();

  let inFlight = 0;
  let draining = false;
  const server = http.createServer({
    // A request must arrive whole within REQUEST_TIMEOUT_MS (else 408 and the connection closes); checked this often.
    requestTimeout: e.REQUEST_TIMEOUT_MS,
    connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(e.REQUEST_TIMEOUT_MS / 10))),
  }, (req, res) => {
    inFlight++;
    res.once("close", () => inFlight--);
    if (draining) res.setHeader("connection", "close");
    const url = req.url ?? "/";
    if (url === VERIFY_PATH || url.startsWith(VERIFY_PATH + "?")) {
      // The calling service passes the end client's address in the body; its own headers are not rewritten (hot path).
      void handleVerify(req, res);
      return;
    }
    // Everything else is counted here by a bounded route label (the verify API counts its own answers).
    res.once("finish", () => countHttp(httpRoute(url.split("?", 1)[0], res.statusCode), res.statusCode));
    if ((url === METRICS_PATH || url.startsWith(METRICS_PATH + "?")) && (req.method === "GET" || req.method === "HEAD") && metricsAuthorized(req)) {
      void handleMetrics(req, res); // without the token: Next's 404, like any unknown path
      return;
    }
    rewriteForwardedHeaders(req, trust);
    if (applyPagePolicy(req, res)) return;
    handle(req, res).catch((err) => {
      logger.error({ err }, "request handler failed");
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  server.keepAliveTimeout = 65_000; // longer than common load balancers' idle timeouts
  server.headersTimeout = Math.min(66_000, e.REQUEST_TIMEOUT_MS);

  await new Promise<void>((resolve) => server.listen(port, hostname, resolve));
  logger.info({ event: "listening", port, hostname, dev }, `ready on http://${hostname === "0.0.0.0" ? "localhost" : hostname}:${port}`);

  const shutdown = async (signal: string) => {
    if (draining) return;
    draining = true;
    logger.info({ event: "shutdown", signal, inFlight }, "stopping: no new connections, finishing requests in flight");
    server.close(); // stop accepting
    server.closeIdleConnections();
    const deadline = Date.now() + DRAIN_MS;
    while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    server.closeAllConnections();
    // Counted in memory, written in batches: write what is left before the pool closes.
    await Promise.all([flushUsage(), flushAuthFailures()]);
    await listener.stop();
    await closeDatabase();
    await app.close().catch(() => {});
    logger.info({ event: "stopped", unfinished: inFlight }, "stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
