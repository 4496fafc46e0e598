import { describe, expect, it } from "vitest";
import { checkPassword } from "./password-policy.ts";

describe("checkPassword", () => {
  it("accepts a long passphrase and refuses well-known passwords and simple runs", () => {
    expect(checkPassword("みかん畑の朝 glass river 7", { loginName: "sato" })).toEqual([]);
    expect(checkPassword("correct-horse-battery", { loginName: "sato" })).toEqual([]);
    for (const bad of [
      "Password2024!",
      "qwerty123456",
      "123456789012",
      "abcdefghijkl9",
      "mimamori2026",
    ]) {
      expect(checkPassword(bad, { loginName: "sato" }).join()).toContain("よく使われるパスワード");
    }
  });

  it("refuses short passwords, the login name and the current password", () => {
    expect(checkPassword("short", { loginName: "sato" }).join()).toContain("12 文字以上");
    expect(checkPassword("sato-is-my-name", { loginName: "sato" }).join()).toContain("ログイン名");
    expect(
      checkPassword("the same one again", {
        loginName: "x",
        currentPassword: "the same one again",
      }).join(),
    ).toContain("現在のパスワード");
  });
});
