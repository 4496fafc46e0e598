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
    throw new MimamoriError(
      "invalid_input",
      `オプションが正しくありません: ${e instanceof Error ? e.message : String(e)}`,
      [`使い方: ${usage}`],
    );
  }
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
