/**
 * `mimamori synth --profile village|town|city|metro --seed N --out DIR [--as-of DATE]
 * [--names FILE]` (spec/cli.md): writes the 19 canonical source CSVs of a synthetic municipality
 * into DIR and the ground truth into DIR/truth/. The generator is pure (src/domain/synth); the
 * files are written by src/pipeline/synth.ts. Names come from the built-in table made at
 * `npm install` (scripts/build-name-table.ts), or from a gimei-names.yml given with --names or
 * MIMAMORI_NAMES.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import YAML from "yaml";
import { MimamoriError } from "../../domain/errors.ts";
import {
  BUILT_IN_NAME_POOLS,
  DEFAULT_AS_OF,
  type NamePools,
  namePoolsFromGimei,
  parseIsoDay,
} from "../../domain/synth/index.ts";
import { runSynth } from "../../pipeline/synth.ts";
import { intOption, parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";

export { encodeCp932, runSynth, type SynthRunResult } from "../../pipeline/synth.ts";

const usage =
  "mimamori synth --profile village|town|city|metro --seed N --out DIR [--as-of DATE] [--names FILE]";

/** Reads and validates a gimei-names.yml file. */
export function readNamePools(path: string): NamePools {
  if (!existsSync(path)) {
    throw new MimamoriError(
      "config",
      `氏名リスト ${path} が見つかりません。--names で gimei-names.yml の場所を指定してください。`,
    );
  }
  return namePoolsFromGimei(YAML.parse(readFileSync(path, "utf8")));
}

/**
 * The names `mimamori synth` uses: a gimei list from --names or MIMAMORI_NAMES, else the
 * built-in pools (faker + IPADIC, see docs/synthetic-data.md).
 */
export function namePoolsFor(namesOption: string | undefined): NamePools {
  const file = namesOption ?? process.env.MIMAMORI_NAMES;
  return file === undefined || file === "" ? BUILT_IN_NAME_POOLS : readNamePools(file);
}

export const synth: Command = {
  path: ["synth"],
  summary: "合成自治体（架空の住民と各課のデータ、正解データ）を生成します",
  usage,
  async run(args) {
    const { values } = parseCommandArgs(
      args,
      {
        profile: { type: "string" },
        seed: { type: "string" },
        out: { type: "string" },
        "as-of": { type: "string" },
        names: { type: "string" },
      },
      usage,
    );
    if (!values.profile || values.seed === undefined || !values.out) {
      throw new MimamoriError("invalid_input", "--profile、--seed、--out は必須です。", [
        `使い方: ${usage}`,
      ]);
    }
    const seed = intOption(values.seed, "--seed") as number;
    const asOf = values["as-of"] ?? DEFAULT_AS_OF;
    if (parseIsoDay(asOf) === undefined) {
      throw new MimamoriError(
        "invalid_input",
        `--as-of は YYYY-MM-DD 形式の実在する日付で指定してください（「${asOf}」）。`,
      );
    }
    const names = namePoolsFor(values.names);
    const t0 = performance.now();
    const result = runSynth({
      profile: values.profile,
      seed,
      out: values.out,
      asOf,
      names,
      progress: (line) => process.stderr.write(`${line}\n`),
    });
    const rows = result.files.reduce((s, f) => s + f.rows, 0);
    process.stdout.write(
      `${resolve(values.out)} に ${result.files.length} ファイル（${rows.toLocaleString("ja-JP")} 行）と正解データ truth/ を書き出しました（${((performance.now() - t0) / 1000).toFixed(1)} 秒）。\n`,
    );
    return 0;
  },
};
