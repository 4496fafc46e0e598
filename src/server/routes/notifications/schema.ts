import { z } from "@hono/zod-openapi";
import { pageSize, wholeNumber } from "../../openapi/whole-number.ts";

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
  limit: pageSize(100, 20).openapi({ description: "件数（最大 100）" }),
});

export const notificationIdParam = z.object({
  notificationId: wholeNumber("お知らせの指定が正しくありません。").openapi({
    param: { name: "notificationId", in: "path" },
    example: 1,
  }),
});

export const markedSchema = z.object({ marked: z.number().int() }).openapi("NotificationsMarked");
