import type { Command } from "../command.ts";
import { exportLinks, exportPersons } from "./export-links.ts";
import { runCommand } from "./run.ts";

/** The 名寄せ commands: `run`, `export links`, `export persons` (one registration in index.ts). */
export const linkageCommands: readonly Command[] = [runCommand, exportLinks, exportPersons];
