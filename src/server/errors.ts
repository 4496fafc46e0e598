import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ZodError } from "zod";
import { isMimamoriError } from "../domain/errors.ts";
import { japaneseIssues } from "../domain/zod-messages.ts";
import type { Logger } from "./logger.ts";

/** The JSON body of every API error: a stable code and a Japanese message. */
export interface ApiError {
  error: { code: string; message: string; details: string[] };
}

/** The one HTTP error mapper (STYLE.md §8). */
export function mapError(err: Error, c: Context, logger: Logger): Response {
  if (isMimamoriError(err)) {
    if (err.status >= 500)
      logger.error({ err: { code: err.code, message: err.message } }, "request failed");
    return c.json<ApiError>(
      { error: { code: err.code, message: err.message, details: [...err.details] } },
      err.status as ContentfulStatusCode,
    );
  }
  if (err instanceof ZodError) {
    return c.json<ApiError>(
      {
        error: {
          code: "invalid_input",
          message: "入力内容に誤りがあります。",
          // zod's own messages are English: every issue in Japanese (issue 16).
          details: japaneseIssues(err),
        },
      },
      400,
    );
  }
  if (err instanceof HTTPException) {
    const message =
      err.status === 403
        ? "この操作は許可されていません。"
        : err.status === 413
          ? "送信されたデータが大きすぎます。"
          : "リクエストを処理できませんでした。";
    return c.json<ApiError>(
      { error: { code: `http_${err.status}`, message, details: [] } },
      err.status,
    );
  }
  logger.error(
    { err: { name: err.name, message: err.message, stack: err.stack } },
    "unexpected error",
  );
  return c.json<ApiError>(
    {
      error: {
        code: "internal",
        message: "サーバー内部でエラーが発生しました。時間をおいて再度お試しください。",
        details: [],
      },
    },
    500,
  );
}
