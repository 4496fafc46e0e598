import { describe, expect, it } from "vitest";
import {
  MAIL_MAX_ATTEMPTS,
  MAIL_OFF,
  mailLink,
  mailSettingsInput,
  maskEmail,
  notificationMail,
  optionalEmail,
  publicMailSettings,
  retryDelayMs,
  usableMailSettings,
} from "./mail.ts";

describe("mail content", () => {
  it("says only that there is something, and where to log in", () => {
    const m = notificationMail("sheet.overdue", "/sheets/inbox/7", "https://m.example.lg.jp/");
    expect(m.text).toContain(
      "情報収集シートの回答期限が過ぎています。\nmimamori にログインして確認してください。",
    );
    expect(m.text).toContain("https://m.example.lg.jp/sheets/inbox/7");
    expect(m.subject).toBe("【mimamori】お知らせがあります");
  });

  it("uses the general sentence for a kind it does not know", () => {
    expect(notificationMail("case.follow_up", null, "https://m").text).toMatch(
      /^mimamori に新しいお知らせがあります。/,
    );
  });

  it("drops a link that could carry text (query, non-ASCII)", () => {
    expect(mailLink("https://m/", "/search?q=山田")).toBe("https://m/");
    expect(mailLink("https://m/", "/children/山田")).toBe("https://m/");
    expect(mailLink("https://m", "/cases/12")).toBe("https://m/cases/12");
  });
});

describe("mail settings", () => {
  it("is off by default and never exposes the password", () => {
    expect(usableMailSettings(MAIL_OFF)).toBeNull();
    const pub = publicMailSettings({ ...MAIL_OFF, authPassword: "s3cret" });
    expect(JSON.stringify(pub)).not.toContain("s3cret");
    expect(pub.passwordSet).toBe(true);
  });

  it("needs host, port, from address and app URL to turn on, with Japanese messages", () => {
    const r = mailSettingsInput.safeParse({ enabled: true });
    expect(r.success).toBe(false);
    const messages = r.error?.issues.map((i) => i.message).join("\n") ?? "";
    for (const w of ["ホスト名", "ポート番号", "差出人", "URL"]) expect(messages).toContain(w);
    expect(mailSettingsInput.safeParse({ enabled: false }).success).toBe(true);
  });

  it("refuses a host that is not a host name or address", () => {
    const r = mailSettingsInput.safeParse({ enabled: false, host: "smtp://x y" });
    expect(r.success).toBe(false);
  });
});

describe("addresses and retries", () => {
  it("validates and clears addresses", () => {
    expect(optionalEmail.parse(" taro@city.example.lg.jp ")).toBe("taro@city.example.lg.jp");
    expect(optionalEmail.parse("")).toBeNull();
    expect(optionalEmail.safeParse("taro@localhost").success).toBe(false);
    expect(optionalEmail.safeParse("a b@c.jp").success).toBe(false);
  });

  it("masks an address to its first character and domain", () => {
    expect(maskEmail("taro.yamada@city.example.lg.jp")).toBe("t***@city.example.lg.jp");
  });

  it("backs off and gives up after the last attempt", () => {
    const delays = [1, 2, 3, 4].map(retryDelayMs);
    expect(delays).toEqual([...delays].sort((a, b) => (a ?? 0) - (b ?? 0)));
    expect(retryDelayMs(MAIL_MAX_ATTEMPTS)).toBeNull();
  });
});
