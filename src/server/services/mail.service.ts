/**
 * Mail settings and addresses (issue 13): what the mail routes and the
 * `mimamori mail` commands call. The relay is one per installation, so a
 * change is audited in every municipality of the server (each one's
 * auditors see who changed where their staff's mail goes); an address is
 * staff personal data, audited masked.
 */
import { createAuditRepository } from "../../db/audit.repository.ts";
import type { Database } from "../../db/database.ts";
import { createMailRepository } from "../../db/mail.repository.ts";
import { createMunicipalityRepository } from "../../db/municipality.repository.ts";
import { withDataScope } from "../../db/scope.ts";
import { MimamoriError } from "../../domain/errors.ts";
import {
  type MailSettingsInput,
  maskEmail,
  type PublicMailSettings,
  publicMailSettings,
  testMail,
} from "../../domain/notifications/mail.ts";
import { sendMailNow } from "../mail-sender.ts";

export interface MailActor {
  /** null: the CLI (the operator at the server). */
  readonly userId: number | null;
  readonly loginName: string;
  readonly clientAddress?: string | null;
}

/** May an administrator of one municipality change the installation's relay in the app? */
export async function relayEditableInApp(db: Database): Promise<boolean> {
  return (await createMunicipalityRepository(db).list()).length <= 1;
}

/** Saves the relay settings and audits the change (never the password) in every municipality. */
export async function saveMailSettings(
  db: Database,
  input: MailSettingsInput,
  actor: MailActor,
): Promise<PublicMailSettings> {
  const repo = createMailRepository(db);
  const before = publicMailSettings(await repo.settings());
  const after = publicMailSettings(await repo.saveSettings(input, actor.loginName));
  const view = (s: PublicMailSettings) => ({
    enabled: s.enabled,
    host: s.host,
    port: s.port,
    security: s.security,
    authUser: s.authUser,
    passwordSet: s.passwordSet,
    fromAddress: s.fromAddress,
    appUrl: s.appUrl,
  });
  for (const m of await createMunicipalityRepository(db).list()) {
    await withDataScope({ municipalityId: m.id, council: false }, () =>
      createAuditRepository(db).append({
        municipalityId: m.id,
        actorUserId: actor.userId,
        actor: actor.loginName,
        action: "mail.settings",
        target: "mail_setting",
        clientAddress: actor.clientAddress ?? null,
        detail: {
          before: view(before),
          after: view(after),
          passwordChanged: input.clearPassword || input.authPassword !== undefined,
        },
      }),
    );
  }
  return after;
}

/**
 * Sends the test mail now to `to` and audits the attempt (masked address,
 * outcome) in `municipalityId` (the CLI, acting for the installation: in
 * every municipality). Throws the relay's answer in Japanese.
 */
export async function sendTestMail(
  db: Database,
  to: string,
  actor: MailActor & { readonly municipalityId: number | "all" },
): Promise<void> {
  const settings = await createMailRepository(db).settings();
  let error: string | null = null;
  try {
    await sendMailNow(settings, to, testMail(settings.appUrl));
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
    throw e;
  } finally {
    const ids =
      actor.municipalityId === "all"
        ? (await createMunicipalityRepository(db).list()).map((m) => m.id)
        : [actor.municipalityId];
    for (const municipalityId of ids) {
      await withDataScope({ municipalityId, council: false }, () =>
        createAuditRepository(db).append({
          municipalityId,
          actorUserId: actor.userId,
          actor: actor.loginName,
          action: "mail.test",
          target: "mail_setting",
          clientAddress: actor.clientAddress ?? null,
          detail: { to: maskEmail(to), ok: error === null, ...(error ? { error } : {}) },
        }),
      );
    }
  }
}

/**
 * Sets or clears the address of `userId` (the caller's own, or an
 * administrator's change to a user of their municipality) and audits it masked.
 */
export async function setUserEmail(
  db: Database,
  input: {
    readonly userId: number;
    readonly email: string | null;
    readonly actor: MailActor & { readonly municipalityId: number };
  },
): Promise<string | null> {
  const repo = createMailRepository(db);
  const before = await repo.email(input.userId);
  if (before === undefined || !(await repo.setEmail(input.userId, input.email))) {
    throw new MimamoriError(
      "not_found",
      "指定された利用者はいません。一覧を再読み込みしてください。",
    );
  }
  await createAuditRepository(db).append({
    municipalityId: input.actor.municipalityId,
    actorUserId: input.actor.userId,
    actor: input.actor.loginName,
    action: "user.email",
    target: `user:${input.userId}`,
    clientAddress: input.actor.clientAddress ?? null,
    detail: {
      before: before ? maskEmail(before) : null,
      after: input.email ? maskEmail(input.email) : null,
    },
  });
  return input.email;
}
