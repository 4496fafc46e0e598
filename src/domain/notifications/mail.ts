/**
 * Mail about in-app notifications (issue 13): the optional SMTP relay's
 * settings, what a mail says, and the retry schedule. Pure: the outbox lives
 * in db/mail.repository.ts and the sender in server/mail-sender.ts.
 *
 * The rule of the content: a mail says only that there is something in
 * mimamori, and where to log in. It never carries a child's name, a school,
 * a date, a difficulty type or any other fact — a mail leaves the system's
 * access control, its audit trail and its retention (a mail server keeps
 * copies, staff forward mail). The in-app notification stays the source of
 * truth; the mail is a nudge to look at it.
 */
import { z } from "zod";

export const MAIL_SECURITY = ["starttls", "tls", "none"] as const;
export type MailSecurity = (typeof MAIL_SECURITY)[number];

export const MAIL_SECURITY_LABELS: Record<MailSecurity, string> = {
  starttls: "STARTTLS（通常 587 番）",
  tls: "TLS（SMTPS、通常 465 番）",
  none: "暗号化なし（庁内の中継サーバーのみ、通常 25 番）",
};

/** An e-mail address as a user types it (RFC 5321 length; one @; no spaces or angle brackets). */
export const emailAddress = z
  .string({ error: "メールアドレスを文字で入力してください。" })
  .trim()
  .max(254, "メールアドレスが長すぎます（254 文字まで）。")
  .regex(
    /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/,
    "メールアドレスの形が正しくありません（例: taro.yamada@city.example.lg.jp）。",
  );

/** The address of a user: an address, or null (empty text clears it). */
export const optionalEmail = z.preprocess(
  (v) => (typeof v === "string" && v.trim() === "" ? null : v),
  emailAddress.nullable(),
);

const hostName = z
  .string()
  .trim()
  .min(1, "SMTP サーバー（中継サーバー）のホスト名を入力してください。")
  .max(253, "ホスト名が長すぎます。")
  .regex(
    /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$|^\d{1,3}(?:\.\d{1,3}){3}$|^\[[0-9A-Fa-f:]+\]$/,
    "ホスト名は smtp.city.example.lg.jp や 10.0.0.25 の形で入力してください。",
  );

const appUrl = z
  .string()
  .trim()
  .url("mimamori の URL は https://mimamori.city.example.lg.jp/ の形で入力してください。")
  .refine(
    (u) => /^https?:\/\//.test(u),
    "mimamori の URL は http:// か https:// で始めてください。",
  )
  .refine((u) => !/[?#]/.test(u), "mimamori の URL に ? や # は入れないでください。");

/**
 * The relay settings as an administrator submits them. `authPassword`:
 * absent keeps the stored one, a text replaces it; `clearPassword` removes
 * it. Turning mail on needs host, port, from address and the app URL.
 */
export const mailSettingsInput = z
  .object({
    enabled: z.boolean({ error: "メール通知を使うかどうかを選んでください。" }),
    host: hostName.nullable().default(null),
    port: z
      .number({ error: "ポート番号を数字で入力してください。" })
      .int("ポート番号は整数で入力してください。")
      .min(1, "ポート番号は 1〜65535 で入力してください。")
      .max(65535, "ポート番号は 1〜65535 で入力してください。")
      .nullable()
      .default(null),
    security: z.enum(MAIL_SECURITY, "暗号化の方式を選んでください。").default("starttls"),
    authUser: z
      .string()
      .trim()
      .max(254, "認証のユーザー名が長すぎます。")
      .nullable()
      .default(null)
      .transform((v) => (v === "" ? null : v)),
    authPassword: z.string().max(512, "認証のパスワードが長すぎます。").optional(),
    clearPassword: z.boolean().default(false),
    fromAddress: emailAddress.nullable().default(null),
    appUrl: appUrl.nullable().default(null),
  })
  .superRefine((s, ctx) => {
    if (!s.enabled) return;
    const need: [keyof typeof s, string][] = [
      ["host", "メール通知を使うには SMTP サーバーのホスト名を入力してください。"],
      ["port", "メール通知を使うにはポート番号を入力してください。"],
      ["fromAddress", "メール通知を使うには差出人のアドレスを入力してください。"],
      ["appUrl", "メール通知を使うには、メールに載せる mimamori の URL を入力してください。"],
    ];
    for (const [key, message] of need) {
      if (s[key] === null || s[key] === undefined)
        ctx.addIssue({ code: "custom", path: [key], message });
    }
  });
export type MailSettingsInput = z.infer<typeof mailSettingsInput>;

/**
 * The relay settings as stored (with the secret, sealed at rest by
 * db/secret-box.ts; the sender opens it).
 */
export interface MailSettings {
  readonly enabled: boolean;
  readonly host: string | null;
  readonly port: number | null;
  readonly security: MailSecurity;
  readonly authUser: string | null;
  readonly authPassword: string | null;
  readonly fromAddress: string | null;
  readonly appUrl: string | null;
  readonly updatedBy: string | null;
  readonly updatedAt: string | null;
}

/** What the API and CLI show: everything but the secret, which is only "set" or not. */
export type PublicMailSettings = Omit<MailSettings, "authPassword"> & {
  readonly passwordSet: boolean;
};

export const MAIL_OFF: MailSettings = {
  enabled: false,
  host: null,
  port: null,
  security: "starttls",
  authUser: null,
  authPassword: null,
  fromAddress: null,
  appUrl: null,
  updatedBy: null,
  updatedAt: null,
};

export function publicMailSettings(s: MailSettings): PublicMailSettings {
  const { authPassword, ...rest } = s;
  return { ...rest, passwordSet: authPassword !== null && authPassword !== "" };
}

/** Settings the sender can use: on, and every field it needs present. */
export function usableMailSettings(
  s: MailSettings,
): (MailSettings & { host: string; port: number; fromAddress: string; appUrl: string }) | null {
  if (!s.enabled || !s.host || !s.port || !s.fromAddress || !s.appUrl) return null;
  return { ...s, host: s.host, port: s.port, fromAddress: s.fromAddress, appUrl: s.appUrl };
}

/** One sentence per notification kind; a kind without one gets the general sentence. */
const KIND_SENTENCES: Record<string, string> = {
  "sheet.new": "情報収集シートの依頼が届いています。",
  "sheet.overdue": "情報収集シートの回答期限が過ぎています。",
  "sheet.answered": "情報収集シートの回答が届いています。",
  "follow_up.due": "担当している支援のフォローアップの期日になりました。",
};
const GENERAL_SENTENCE = "mimamori に新しいお知らせがあります。";

/** A link path safe to put in a mail: an app path of ids only (no query, no text). */
const SAFE_LINK = /^\/[A-Za-z0-9/_-]{0,200}$/;

/** The URL of the app plus the notification's path (only when the path carries ids only). */
export function mailLink(appUrl: string, link: string | null): string {
  const base = appUrl.replace(/\/+$/, "");
  return link && SAFE_LINK.test(link) ? `${base}${link}` : `${base}/`;
}

export interface MailContent {
  readonly subject: string;
  readonly text: string;
}

const FOOTER = [
  "このメールには、こどもの氏名などの個人情報は載せていません。内容は mimamori の画面で確認してください。",
  "このメールは mimamori からの送信専用です。返信しないでください。",
];

/** The mail for one notification: its kind's sentence, where to log in, nothing else. */
export function notificationMail(kind: string, link: string | null, appUrl: string): MailContent {
  const sentence = KIND_SENTENCES[kind] ?? GENERAL_SENTENCE;
  return {
    subject: "【mimamori】お知らせがあります",
    text: [
      sentence,
      "mimamori にログインして確認してください。",
      "",
      mailLink(appUrl, link),
      "",
      ...FOOTER,
      "",
    ].join("\n"),
  };
}

/** The administrator's test mail. */
export function testMail(appUrl: string | null): MailContent {
  return {
    subject: "【mimamori】メール送信の試験",
    text: [
      "mimamori のメール通知の設定を確かめるための試験メールです。",
      "このメールが届いていれば、お知らせのメールも届きます。",
      "",
      ...(appUrl ? [mailLink(appUrl, null), ""] : []),
      ...FOOTER,
      "",
    ].join("\n"),
  };
}

/** Attempts before a mail is marked failed, and the wait after each failed one. */
export const MAIL_MAX_ATTEMPTS = 5;
const RETRY_DELAYS_MS = [60_000, 5 * 60_000, 30 * 60_000, 2 * 60 * 60_000];

/** The wait before the next attempt after `attempts` failed ones; null: give up. */
export function retryDelayMs(attempts: number): number | null {
  if (attempts >= MAIL_MAX_ATTEMPTS) return null;
  return (
    RETRY_DELAYS_MS[Math.min(attempts - 1, RETRY_DELAYS_MS.length - 1)] ??
    RETRY_DELAYS_MS[0] ??
    60_000
  );
}

/** A mail not sent within this time is dropped (an old nudge misleads more than it helps). */
export const MAIL_MAX_AGE_MS = 3 * 24 * 60 * 60_000;

/** An address as logs and audit details may show it: first character and domain. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf("@");
  if (at < 1) return "***";
  return `${address.slice(0, 1)}***${address.slice(at)}`;
}
