// npm test: unit tests, then integration tests over HTTP against the real
// production server and a real PostgreSQL, then Playwright e2e in Chromium.
//   npm test                        everything
//   npm test -- --only=integration  one or more of unit,integration,e2e (comma-separated)
//   SKIP_BUILD=1 npm test           reuse an existing .next build
// DATABASE_URL set: a fresh database is created on that server (and dropped after).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ensureChromium } from "./lib/chromium";
import { build, hasBuild, migrate, randomSecret, startServer, startTestDatabase, type Db, type Server } from "./lib/stack";

/** The service token the tests call the verify API with (not a secret: a throwaway server's). */
const TEST_SERVICE_TOKEN = "test-service-token-0123456789abcdefghijklmnop";

const GENEROUS_LIMITS = {
  RATE_LIMIT_KEY_WRITES_PER_MINUTE: "100000",
  RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: "100000",
  RATE_LIMIT_LEAK_REPORTS_PER_MINUTE: "100000",
  RATE_LIMIT_SIGN_IN_FAILURES_PER_MINUTE: "100000",
  // The tests stand in for a proxy on loopback: the X-Forwarded-For they send is believed.
  TRUSTED_PROXIES: "loopback",
  VERIFY_SERVICE_TOKENS: TEST_SERVICE_TOKEN,
  // Usage counts reach the database quickly, so tests wait little.
  USAGE_FLUSH_MS: "200",
  // Webhook receivers in the tests are http servers on 127.0.0.1; failures are retried within tens of ms.
  WEBHOOK_ALLOW_LOOPBACK: "1",
  WEBHOOK_RETRY_BASE_MS: "50",
  WEBHOOK_POLL_INTERVAL_MS: "100",
};

type Counts = { passed: number; failed: number; skipped: number };
const total: Counts = { passed: 0, failed: 0, skipped: 0 };
const REPORTS = path.resolve("test-results");

function add(c: Counts) {
  total.passed += c.passed;
  total.failed += c.failed;
  total.skipped += c.skipped;
}

function vitestCounts(file: string): Counts {
  if (!fs.existsSync(file)) return { passed: 0, failed: 1, skipped: 0 };
  const r = JSON.parse(fs.readFileSync(file, "utf8"));
  // A file that failed to load counts as a failure even with no test results.
  // So does a file whose setup failed (its tests are reported skipped, none failed).
  const brokenFiles = (r.testResults ?? []).filter(
    (f: { status: string; assertionResults: { status: string }[] }) => f.status === "failed" && !f.assertionResults.some((a) => a.status === "failed"),
  ).length;
  return { passed: r.numPassedTests, failed: r.numFailedTests + brokenFiles, skipped: r.numPendingTests + r.numTodoTests };
}

function playwrightCounts(file: string): Counts {
  if (!fs.existsSync(file)) return { passed: 0, failed: 1, skipped: 0 };
  const s = JSON.parse(fs.readFileSync(file, "utf8")).stats ?? {};
  return { passed: s.expected ?? 0, failed: (s.unexpected ?? 0) + (s.flaky ?? 0 ? 0 : 0), skipped: s.skipped ?? 0 };
}

function run(cmd: string, args: string[], env: Record<string, string> = {}): number {
  const r = spawnSync(cmd, args, { stdio: "inherit", env: { ...process.env, ...env } });
  return r.status ?? 1;
}

async function main() {
  const only = process.argv.find((a) => a.startsWith("--only="))?.slice(7).split(",") ?? ["unit", "integration", "e2e"];
  const extra = process.argv.slice(2).filter((a) => !a.startsWith("--only="));
  fs.mkdirSync(REPORTS, { recursive: true });
  const started = Date.now();

  if (only.includes("unit")) {
    console.log("\n▶ unit tests");
    const out = path.join(REPORTS, "unit.json");
    fs.rmSync(out, { force: true });
    run("npx", ["--no-install", "vitest", "run", "--project", "unit", "--reporter=default", "--reporter=json", `--outputFile.json=${out}`, ...extra]);
    add(vitestCounts(out));
  }

  if (only.includes("stress")) {
    // Each stress file starts its own embedded PostgreSQL and server (it stops the database on purpose).
    if (process.env.SKIP_BUILD !== "1" || !hasBuild()) build();
    console.log("\n▶ stress: load, faults and fuzzing");
    const out = path.join(REPORTS, "stress.json");
    fs.rmSync(out, { force: true });
    run("npx", ["--no-install", "vitest", "run", "--project", "stress", "--reporter=default", "--reporter=json", `--outputFile.json=${out}`, ...extra]);
    add(vitestCounts(out));
  }

  const needStack = only.includes("integration") || only.includes("e2e");
  let db: Db | null = null;
  let server: Server | null = null;
  try {
    if (needStack) {
      if (only.includes("e2e")) ensureChromium();
      if (process.env.SKIP_BUILD !== "1" || !hasBuild()) build();
      console.log(`\n▶ database (${process.env.DATABASE_URL ? "DATABASE_URL's server" : "embedded PostgreSQL"})`);
      db = await startTestDatabase();
      await migrate(db.url);
      const authSecret = randomSecret();
      const logFile = path.join(REPORTS, "server.log");
      fs.rmSync(logFile, { force: true });
      // The shared server runs with generous limits (every test comes from 127.0.0.1);
      // tests/instances.test.ts starts its own servers with small ones.
      server = await startServer({ databaseUrl: db.url, authSecret, logFile, env: GENEROUS_LIMITS });
      console.log(`  server ${server.url}, database ${db.url.replace(/:[^:@/]*@/, ":***@")}`);
      const env = { TEST_BASE_URL: server.url, TEST_DATABASE_URL: db.url, TEST_AUTH_SECRET: authSecret, TEST_SERVER_LOG: logFile, TEST_SERVICE_TOKEN };

      if (only.includes("integration")) {
        console.log("\n▶ integration tests (HTTP against next start + PostgreSQL)");
        const out = path.join(REPORTS, "integration.json");
        fs.rmSync(out, { force: true });
        run("npx", ["--no-install", "vitest", "run", "--project", "integration", "--project", "integration-mail", "--reporter=default", "--reporter=json", `--outputFile.json=${out}`, ...extra], env);
        add(vitestCounts(out));
      }
      if (only.includes("e2e")) {
        console.log("\n▶ e2e tests (Playwright, Chromium)");
        const out = path.join(REPORTS, "e2e.json");
        fs.rmSync(out, { force: true });
        run("npx", ["--no-install", "playwright", "test", ...extra], { ...env, PLAYWRIGHT_JSON_OUTPUT_NAME: out });
        add(playwrightCounts(out));
      }
    }
  } finally {
    await server?.stop();
    await db?.stop();
  }
  const secs = Math.round((Date.now() - started) / 1000);
  console.log(`\n${only.join(" + ")} in ${secs}s`);
  console.log(`Tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
  process.exit(total.failed > 0 || total.passed === 0 ? 1 : 0);
}

main().catch((err) => {
  console.error(err instanceof Error ? (err.name === "SetupError" ? err.message : err.stack) : err);
  console.log(`Tests: ${total.passed} passed, ${total.failed + 1} failed`);
  process.exit(1);
});
