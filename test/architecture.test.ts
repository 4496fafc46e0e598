/**
 * The import-direction rule of STYLE.md is enforced by Biome (biome.json
 * overrides). These tests lint a short-lived probe file in each layer, so a
 * change to biome.json that silently drops the rule fails here.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");
const biome = join(root, "node_modules", ".bin", "biome");

function lint(path: string, source: string): { ok: boolean; output: string } {
  const probe = join(dirname(path), `arch-probe-${randomBytes(4).toString("hex")}.ts`);
  writeFileSync(join(root, probe), source);
  try {
    const r = spawnSync(biome, ["lint", "--max-diagnostics=5", probe], {
      cwd: root,
      encoding: "utf8",
    });
    return { ok: r.status === 0, output: r.stdout + r.stderr };
  } finally {
    rmSync(join(root, probe), { force: true });
  }
}

describe("import direction (lint)", () => {
  it("refuses db, server and I/O imports in domain/", () => {
    const r = lint(
      "src/domain/probe.ts",
      'import { openDatabase } from "../db/database.ts";\nexport const x = openDatabase;\n',
    );
    expect(r.ok).toBe(false);
    expect(r.output).toContain("domain/ is the pure core");
    const io = lint(
      "src/domain/probe.ts",
      'import { readFileSync } from "node:fs";\nexport const x = readFileSync;\n',
    );
    expect(io.ok).toBe(false);
    expect(io.output).toContain("domain/ does no I/O");
  });

  it("refuses server imports in db/ and domain imports in web/", () => {
    expect(
      lint(
        "src/db/probe.ts",
        'import { createApp } from "../server/app.ts";\nexport const x = createApp;\n',
      ).ok,
    ).toBe(false);
    expect(
      lint(
        "web/src/probe.ts",
        'import { can } from "../../src/domain/roles.ts";\nexport const x = can;\n',
      ).ok,
    ).toBe(false);
  });

  it("allows the arrows STYLE.md allows", () => {
    expect(
      lint(
        "src/db/probe.ts",
        'import { MimamoriError } from "../domain/errors.ts";\nexport const x = MimamoriError;\n',
      ).ok,
    ).toBe(true);
    expect(
      lint(
        "src/cli/probe.ts",
        'import { openDatabase } from "../db/database.ts";\nexport const x = openDatabase;\n',
      ).ok,
    ).toBe(true);
  });
});
