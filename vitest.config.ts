import { join } from "node:path";
import { defineConfig } from "vitest/config";

// Tests build and serve the web app from a folder of their own (web/dist-test):
// a test run must never rebuild web/dist under an `npm start` demo that is
// serving it from the same clone. Set before global-setup and the test workers
// (and the `mimamori serve` processes they spawn) read it; MIMAMORI_TEST_WEB_DIST
// picks another folder.
process.env.MIMAMORI_WEB_DIST =
  process.env.MIMAMORI_TEST_WEB_DIST || join(import.meta.dirname, "web", "dist-test");

// A fixed key for secrets at rest (src/db/secret-box.ts), so tests never
// write a secret.key into a home of their own or the clone; tests of the key
// file unset it in their process.
process.env.MIMAMORI_SECRET_KEY ||= "bWltYW1vcmktdGVzdC1zZWNyZXQta2V5LTMyLWJ5dGU=";

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
