/**
 * In-app notifications (issue 13), mounted at /api/notifications: any signed-in
 * user reads and marks their own. These are the source of truth; a mail is
 * sent only when the installation's SMTP relay is on (off by default, routes/mail,
 * docs/operations.md 「メール通知」) and then says only that there is something here.
 */
import { createNotificationRepository } from "../../../db/notification.repository.ts";
import {
  createRouter,
  json,
  policyRoute,
  refuseAsNotFound,
  scopeOfRequest,
} from "../../openapi/route.ts";
import { readerAnswer } from "../../services/reader-answers.ts";
import { createSheetService } from "../../services/sheet.service.ts";
import {
  markedSchema,
  notificationIdParam,
  notificationListSchema,
  notificationQuery,
} from "./schema.ts";

const tags = ["お知らせ"];

export const notificationRoutes = createRouter()
  .openapi(
    policyRoute("authenticated", {
      method: "get",
      path: "/",
      tags,
      summary: "自分あてのお知らせ（新しい順）と未読の数",
      description:
        "期限を過ぎた情報収集シートの催促は、起動中のサーバーが毎日作ります（1件につき1日1回。まだなら、ここでもその日の最初の表示で作られます）。",
      request: { query: notificationQuery },
      responses: { 200: json(notificationListSchema) },
    }),
    async (c) => {
      const scope = scopeOfRequest(c);
      const db = c.get("deps").db;
      if (scope.children !== "none") await createSheetService(db).remindOverdue(scope);
      const { limit } = c.req.valid("query");
      // The reader's own list from memory until one of theirs (or anyone's)
      // お知らせ changes (services/reader-answers.ts).
      const list = await readerAnswer(db, scope, "notifications", [limit], () =>
        createNotificationRepository(db).list(scope, limit),
      );
      return c.json(list, 200);
    },
  )
  .openapi(
    policyRoute("authenticated", {
      method: "post",
      path: "/read",
      tags,
      summary: "すべて既読にする",
      responses: { 200: json(markedSchema) },
    }),
    async (c) => {
      const marked = await createNotificationRepository(c.get("deps").db).markRead(
        scopeOfRequest(c),
      );
      return c.json({ marked }, 200);
    },
  )
  .openapi(
    policyRoute("authenticated", {
      method: "post",
      path: "/{notificationId}/read",
      tags,
      summary: "1件を既読にする",
      request: { params: notificationIdParam },
      responses: { 200: json(markedSchema) },
    }),
    async (c) => {
      const { notificationId } = c.req.valid("param");
      const marked = await createNotificationRepository(c.get("deps").db).markRead(
        scopeOfRequest(c),
        notificationId,
      );
      if (marked === 0) return refuseAsNotFound(c, `notification:${notificationId}`);
      return c.json({ marked }, 200);
    },
  );
