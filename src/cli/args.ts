import { type ParseArgsConfig, parseArgs } from "node:util";
import { MimamoriError } from "../domain/errors.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * node:util parseArgs with a Japanese error, so every command rejects unknown
 * or malformed options the same way.
 */
export function parseCommandArgs<O extends Options>(
  args: string[],
  options: O,
  usage: string,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (e) {
    throw new MimamoriError("invalid_input", parseArgsMessage(e, options), [`使い方: ${usage}`]);
  }
}

/**
 * node:util's parseArgs errors are English: one Japanese sentence per kind
 * (an unknown option, with the command's options listed; a missing or
 * unexpected value; an argument the command does not take).
 */
export function parseArgsMessage(e: unknown, options: Options): string {
  const message = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: string } | null)?.code;
  const quoted = /'([^']+)'/.exec(message)?.[1] ?? "";
  const name = quoted.replace(/ <value>$/, "");
  const known = Object.keys(options)
    .map((o) => `--${o}`)
    .join(", ");
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION")
    return known
      ? `「${name}」というオプションはありません。使えるオプション: ${known}`
      : `「${name}」というオプションはありません。このコマンドにはオプションがありません。`;
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    if (/does not take an argument/.test(message))
      return `${name} には値を付けずに指定してください。`;
    return `${name} には値が必要です（例: ${name} 値）。`;
  }
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL")
    return `「${name}」は使えません。このコマンドはオプション以外の引数を取りません。`;
  return `オプションが正しくありません: ${message}`;
}

/** Parses a whole number option (e.g. `--seed`, `--port`) with a Japanese error. */
export function intOption(
  value: string | undefined,
  name: string,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value))
    throw new MimamoriError(
      "invalid_input",
      `${name} には整数を指定してください（「${value}」）。`,
    );
  const n = Number(value);
  if (n < min || n > max)
    throw new MimamoriError(
      "invalid_input",
      `${name} は ${min}〜${max} の範囲で指定してください。`,
    );
  return n;
}
