import { defineConfig } from "vitest/config";

const alias = { "@": import.meta.dirname };

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
          environment: "node",
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // One server, two cores: a couple of files at a time.
          maxWorkers: 2,
        },
      },
      {
        resolve: { alias },
        test: { name: "stress", include: ["tests/stress/**/*.test.ts"], environment: "node", testTimeout: 600_000, hookTimeout: 120_000, maxWorkers: 1, fileParallelism: false },
      },
    ],
  },
});
