/**
 * The web app's route guards and side menu (web/src/app/guards.ts, menu.ts):
 * every page route has a guard naming a permission of the policy module the
 * API enforces; the menu shows each page once, with the page's own
 * permission, in a unique place of its group. The browser test
 * (test/e2e/guards.browser.test.ts) shows the refusal in Chromium.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GRANTS, PERMISSIONS } from "../src/domain/policy/permissions.ts";
import { mayOpen, PAGE_PERMISSIONS } from "../web/src/app/guards.ts";
import { NAV_ITEMS } from "../web/src/app/menu.ts";

const features = join(import.meta.dirname, "..", "web", "src", "features");
const routePaths = readdirSync(features)
  .flatMap((f) => {
    try {
      return [readFileSync(join(features, f, "routes.tsx"), "utf8")];
    } catch {
      return [];
    }
  })
  .flatMap((src) => [...src.matchAll(/path: "([^"]+)"/g)].map((m) => m[1] as string));

describe("route guards", () => {
  it("every page route has exactly one guard, and every guard a route", () => {
    expect(routePaths.length).toBeGreaterThan(20);
    expect(new Set(routePaths).size).toBe(routePaths.length);
    expect([...routePaths].sort()).toEqual(Object.keys(PAGE_PERMISSIONS).sort());
  });

  it("guards name permissions of the policy module that some role holds", () => {
    for (const [path, p] of Object.entries(PAGE_PERMISSIONS)) {
      if (p === "authenticated") continue;
      expect(PERMISSIONS, path).toContain(p);
      expect(GRANTS[p].length, path).toBeGreaterThan(0);
    }
  });

  it("opens a page only with its permission", () => {
    expect(mayOpen("/rules", ["rules.manage"])).toBe(true);
    expect(mayOpen("/rules", ["runs.view", "children.list"])).toBe(false);
    expect(mayOpen("/", [])).toBe(true);
    expect(mayOpen("/password", [])).toBe(true);
    // The root route alone (an unknown address): the not-found page.
    expect(mayOpen("__root__", [])).toBe(true);
    expect(mayOpen(undefined, [])).toBe(true);
  });
});

describe("side menu", () => {
  it("lists each page once, under one label, in a unique place of its group", () => {
    const tos = NAV_ITEMS.map((n) => n.to);
    expect(new Set(tos).size).toBe(tos.length);
    const labels = NAV_ITEMS.map((n) => n.label);
    expect(new Set(labels).size).toBe(labels.length);
    const places = NAV_ITEMS.map((n) => `${n.group}:${n.order}`);
    expect(new Set(places).size).toBe(places.length);
  });

  it("shows an entry exactly to the users its page's guard lets in", () => {
    for (const n of NAV_ITEMS) {
      expect(PAGE_PERMISSIONS[n.to], n.to).toBe(n.permission ?? "authenticated");
    }
  });
});
