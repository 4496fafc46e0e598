/**
 * `mimamori export flags --out FILE` (spec/cli.md): one CSV line per person
 * and data item that holds in the newest scoring run, with its evidence. The
 * writing is shared with `export scores` (export-scores.ts).
 */
import type { Command } from "../command.ts";
import { exportScores, exportScoring } from "./export-scores.ts";

const flagsUsage = "mimamori export flags --out FILE";
export const exportFlags: Command = {
  path: ["export", "flags"],
  summary: "こどもごとに該当したデータ項目と根拠（ファイル・行・値）を CSV に書き出します。",
  usage: flagsUsage,
  run: (args, globals) => exportScoring(args, globals, flagsUsage, "flags"),
};

/** The scoring exports (one registration in index.ts). */
export const scoringExportCommands: readonly Command[] = [exportFlags, exportScores];
