/**
 * zod's own messages are English ("Invalid input: expected number, received
 * NaN") and must never reach a user (issue 16). Schemas give Japanese
 * messages where they can; every issue whose message is not Japanese is
 * rewritten here from its code, in Japanese that says what to do. The HTTP
 * error mapper (src/server/errors.ts) and the CLI's (src/cli/main.ts) both
 * call this, so no path shows zod's English.
 */
import type { z } from "zod";

const JAPANESE = /[\u3040-\u30ff\u3400-\u9fff\uff01-\uff5e]/;

const TYPE_NAMES: Record<string, string> = {
  string: "文字",
  number: "数値",
  int: "整数",
  bigint: "整数",
  boolean: "はい・いいえ",
  date: "日付",
  array: "一覧",
  object: "項目の組",
  nan: "数値ではない値",
  undefined: "空",
  null: "空",
};

const typeName = (t: unknown) => TYPE_NAMES[String(t)] ?? String(t);

/** One issue as a Japanese sentence (the schema's own message when it is already Japanese). */
export function japaneseIssueMessage(issue: z.core.$ZodIssue): string {
  if (JAPANESE.test(issue.message)) return issue.message;
  const i = issue as z.core.$ZodIssue & Record<string, unknown>;
  switch (issue.code) {
    case "invalid_type":
      // zod leaves the input out of issues; its English default names what it got.
      if (/received undefined/.test(issue.message)) return "入力が必要です。";
      return `${typeName(i.expected)}で入力してください。`;
    case "too_small":
      if (i.origin === "string")
        return Number(i.minimum) <= 1
          ? "入力が必要です。"
          : `${i.minimum} 文字以上で入力してください。`;
      if (i.origin === "array" || i.origin === "set")
        return `${i.minimum} 件以上指定してください。`;
      return `${i.minimum} ${i.inclusive === false ? "より大きい" : "以上の"}値を入力してください。`;
    case "too_big":
      if (i.origin === "string") return `${i.maximum} 文字以内で入力してください。`;
      if (i.origin === "array" || i.origin === "set") return `${i.maximum} 件以内にしてください。`;
      return `${i.maximum} ${i.inclusive === false ? "より小さい" : "以下の"}値を入力してください。`;
    case "invalid_format":
      return i.format === "email"
        ? "メールアドレスの形が正しくありません。"
        : i.format === "date" || i.format === "datetime"
          ? "日付の形が正しくありません（例: 2024-04-01）。"
          : "入力の形が正しくありません。";
    case "not_multiple_of":
      return `${i.divisor} の倍数で入力してください。`;
    case "unrecognized_keys":
      return `使えない項目が含まれています（${((i.keys as string[]) ?? []).join("、")}）。`;
    case "invalid_value":
      return `使える値ではありません（使える値: ${((i.values as unknown[]) ?? []).map(String).join("、")}）。`;
    case "invalid_union":
    case "invalid_key":
    case "invalid_element":
      return "入力の形が正しくありません。";
    default:
      return "入力内容に誤りがあります。";
  }
}

/** Every issue as "項目: 理由" lines, in Japanese. */
export function japaneseIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const message = japaneseIssueMessage(issue);
    return issue.path.length ? `${issue.path.join(".")}: ${message}` : message;
  });
}
