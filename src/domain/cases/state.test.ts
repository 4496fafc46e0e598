import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ALL_ACTIONS,
  CASE_STATES,
  type CaseAction,
  type CaseState,
  isOpen,
  transition,
} from "./state.ts";

const action = fc.constantFrom(...ALL_ACTIONS);

describe("case state machine", () => {
  it("random sequences of actions never reach an undefined state; refusals leave the state as it was", () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 60 }), (actions) => {
        let state: CaseState = "listed";
        for (const a of actions) {
          const r = transition(state, a);
          if (r.ok) {
            expect(CASE_STATES).toContain(r.state);
            state = r.state;
          } else {
            expect(r.reason).toMatch(/できません/);
          }
        }
        expect(CASE_STATES).toContain(state);
      }),
      { numRuns: 2000 },
    );
  });

  it("every state is reachable from a new listing", () => {
    const seen = new Set<CaseState>(["listed"]);
    const queue: CaseState[] = ["listed"];
    while (queue.length) {
      const s = queue.shift() as CaseState;
      for (const a of ALL_ACTIONS) {
        const r = transition(s, a);
        if (r.ok && !seen.has(r.state)) {
          seen.add(r.state);
          queue.push(r.state);
        }
      }
    }
    expect([...seen].sort()).toEqual([...CASE_STATES].sort());
  });

  it("a closed case can always be reopened, and every state can be closed", () => {
    for (const s of CASE_STATES) {
      const closed = transition(s, { kind: "close" });
      if (s === "closed") expect(closed.ok).toBe(false);
      else expect(closed).toEqual({ ok: true, state: "closed" });
    }
    expect(transition("closed", { kind: "reopen" })).toEqual({ ok: true, state: "listed" });
  });

  it("decisions are taken only in a conference, and map to the four outcomes", () => {
    const decide = (decision: "support" | "investigate" | "watch" | "no_support"): CaseAction => ({
      kind: "decide",
      decision,
    });
    expect(transition("listed", decide("support")).ok).toBe(false);
    expect(transition("on_agenda", decide("support"))).toEqual({
      ok: true,
      state: "support_planned",
    });
    expect(transition("on_agenda", decide("investigate"))).toEqual({
      ok: true,
      state: "investigating",
    });
    expect(transition("on_agenda", decide("watch"))).toEqual({ ok: true, state: "watching" });
    expect(transition("on_agenda", decide("no_support"))).toEqual({
      ok: true,
      state: "no_support",
    });
    const refused = transition("supporting", decide("watch"));
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.reason).toContain("支援中");
  });

  it("open means neither closed nor 支援不要", () => {
    expect(CASE_STATES.filter((s) => !isOpen(s)).sort()).toEqual(["closed", "no_support"]);
  });
});
