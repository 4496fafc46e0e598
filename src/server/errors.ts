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
    const message = httpExceptionMessage(err);
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

/**
 * hono's own refusals (validators, body parsing) carry English messages or
 * none: each status the API can answer gets a Japanese one saying what to do.
 */
function httpExceptionMessage(err: HTTPException): string {
  switch (err.status) {
    case 400:
      return /json/i.test(err.message)
        ? "送信された JSON の形式が正しくありません。括弧や引用符、カンマを確かめてから送り直してください。"
        : "リクエストの形式が正しくありません。入力内容を確かめてから送り直してください。";
    case 403:
      return "この操作は許可されていません。";
    case 413:
      return "送信されたデータが大きすぎます。";
    case 415:
      return "送信データの形式（Content-Type）が違います。Content-Type: application/json で JSON を送ってください。";
    case 431:
      return URI_TOO_LONG;
    default:
      return "リクエストを処理できませんでした。入力内容を確かめてから、もう一度お試しください。";
  }
}

/** The answer to a request line or headers too long for the server (see http.ts). */
export const URI_TOO_LONG =
  "URL またはヘッダーが長すぎます。絞り込み条件を減らすか、短くしてから送り直してください。";
