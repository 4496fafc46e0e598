import { z } from "@hono/zod-openapi";

export const notificationListSchema = z
  .object({
    unread: z.number().int(),
    items: z.array(
      z.object({
        id: z.number().int(),
        kind: z
          .string()
          .openapi({ description: "sheet.new / sheet.answered / sheet.overdue / follow_up.due" }),
        text: z.string(),
        link: z.string().nullable(),
        requestId: z.number().int().nullable(),
        createdAt: z.string(),
        read: z.boolean(),
      }),
    ),
  })
  .openapi("Notifications");

export const notificationQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(20)
    .openapi({ description: "件数（最大 100）" }),
});

export const notificationIdParam = z.object({
  notificationId: z.coerce
    .number({ error: "お知らせの指定が正しくありません。" })
    .int()
    .positive()
    .openapi({ param: { name: "notificationId", in: "path" }, example: 1 }),
});

export const markedSchema = z.object({ marked: z.number().int() }).openapi("NotificationsMarked");
