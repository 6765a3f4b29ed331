import { defineConfig } from "vitest/config";

const alias = { "@": import.meta.dirname };

/** Integration files that start servers with SMTP on the shared test database (see the integration-mail project). */
const SHARED_DB_MAIL_FILES = ["tests/two-factor.test.ts", "tests/account-sessions.test.ts", "tests/passkeys.test.ts", "tests/github-secret-scanning.test.ts"];

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      { resolve: { alias }, test: { name: "unit", include: ["lib/**/*.test.ts"], environment: "node", env: { LOG_LEVEL: "silent" } } },
      {
        resolve: { alias },
        test: {
          name: "integration",
          include: ["tests/*.test.ts"],
          exclude: SHARED_DB_MAIL_FILES,
          sequence: { groupOrder: 0 },
          environment: "node",
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // One server, two cores: a couple of files at a time.
          maxWorkers: 2,
        },
      },
      {
        resolve: { alias },
        test: {
          // Files whose own servers send mail from the shared test database: a mail worker sends any due row,
          // so two such files at once would take each other's emails. One at a time, after the others.
          name: "integration-mail",
          include: SHARED_DB_MAIL_FILES,
          environment: "node",
          testTimeout: 30_000,
          hookTimeout: 60_000,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
      {
        resolve: { alias },
        test: { name: "stress", include: ["tests/stress/**/*.test.ts"], environment: "node", testTimeout: 600_000, hookTimeout: 120_000, maxWorkers: 1, fileParallelism: false },
      },
    ],
  },
});
