import type { Command } from "../command.ts";
import { exportLinks, exportPersons } from "./export-links.ts";
import { linkageSettingsCommands } from "./linkage-settings.ts";
import { runCommand } from "./run.ts";

/** The 名寄せ commands: `run`, `export links`, `export persons`, `linkage settings …` (one registration in index.ts). */
export const linkageCommands: readonly Command[] = [
  runCommand,
  exportLinks,
  exportPersons,
  ...linkageSettingsCommands,
];
