import { z } from "@hono/zod-openapi";
import {
  MAIL_SECURITY,
  mailSettingsInput,
  optionalEmail,
} from "../../../domain/notifications/mail.ts";
import { wholeNumber } from "../../openapi/whole-number.ts";

/** The relay settings as the API shows them: never the password, only whether one is set. */
export const mailSettingsSchema = z
  .object({
    enabled: z.boolean(),
    host: z.string().nullable(),
    port: z.number().int().nullable(),
    security: z.enum(MAIL_SECURITY),
    authUser: z.string().nullable(),
    passwordSet: z
      .boolean()
      .openapi({ description: "認証のパスワードが保存されているか（値は返さない）" }),
    fromAddress: z.string().nullable(),
    appUrl: z.string().nullable(),
    updatedBy: z.string().nullable(),
    updatedAt: z.string().nullable(),
  })
  .openapi("MailSettings");

const outboxStatus = z.enum(["queued", "sent", "failed", "cancelled"]);

export const mailOverviewSchema = z
  .object({
    settings: mailSettingsSchema,
    editable: z.boolean().openapi({
      description:
        "この画面で中継サーバーを変更できるか（複数の自治体が使うサーバーでは mimamori mail set で）",
    }),
    ownEmail: z.string().nullable().openapi({ description: "試験メールの宛先（自分のアドレス）" }),
    outbox: z.object({
      counts: z.record(outboxStatus, z.number().int()),
      recent: z.array(
        z.object({
          id: z.number().int(),
          recipient: z.string().openapi({ description: "宛先の利用者の表示名" }),
          kind: z.string(),
          status: outboxStatus,
          attempts: z.number().int(),
          lastError: z.string().nullable(),
          createdAt: z.string(),
          sentAt: z.string().nullable(),
          nextAttemptAt: z.string().nullable(),
        }),
      ),
    }),
  })
  .openapi("MailOverview");

/**
 * The settings form (domain/notifications/mail.ts, shared with the CLI):
 * authPassword left out keeps the stored password; clearPassword removes it.
 */
export const mailSettingsBody = mailSettingsInput;

export const emailBody = z
  .object({
    // Empty text or null removes the address.
    email: optionalEmail,
  })
  .openapi("EmailBody");

export const myEmailSchema = z
  .object({
    email: z.string().nullable(),
    mailEnabled: z.boolean().openapi({ description: "このサーバーでメール通知が有効か" }),
  })
  .openapi("MyEmail");

export const testSentSchema = z
  .object({ sentTo: z.string().openapi({ description: "送った宛先（一部を伏せて表示）" }) })
  .openapi("MailTestSent");

export const userEmailParam = z.object({
  id: wholeNumber("利用者の番号が正しくありません。").openapi({
    param: { name: "id", in: "path" },
  }),
});
