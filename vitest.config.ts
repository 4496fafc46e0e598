import { defineConfig } from "vitest/config";

// One embedded PostgreSQL for the whole run (test/global-setup.ts); each test
// file that needs a database creates its own fresh one (test/db.ts).
export default defineConfig({
  test: {
    include: [
      "src/**/*.test.ts",
      "test/**/*.test.ts",
      "scripts/**/*.test.ts",
      "bench/**/*.test.ts",
    ],
    globalSetup: ["test/global-setup.ts"],
    pool: "forks",
    reporters: ["default", "./test/summary-reporter.ts"],
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
