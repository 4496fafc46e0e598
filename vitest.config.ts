import { join } from "node:path";
import { defineConfig } from "vitest/config";

// Tests build and serve the web app from a folder of their own (web/dist-test):
// a test run must never rebuild web/dist under an `npm start` demo that is
// serving it from the same clone. Set before global-setup and the test workers
// (and the `mimamori serve` processes they spawn) read it; MIMAMORI_TEST_WEB_DIST
// picks another folder.
process.env.MIMAMORI_WEB_DIST =
  process.env.MIMAMORI_TEST_WEB_DIST || join(import.meta.dirname, "web", "dist-test");

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
