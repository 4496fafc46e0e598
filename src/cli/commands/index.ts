import type { Command } from "../command.ts";
import { auditCommands } from "./audit.ts";
import { backupCommand, restoreCommand } from "./backup.ts";
import { dbMigrate } from "./db-migrate.ts";
import { scoringExportCommands } from "./export-flags.ts";
import { exportPseudonymised } from "./export-pseudonymised.ts";
import { exportRegister } from "./export-register.ts";
import { gaijiCommands } from "./gaiji.ts";
import { importCommand } from "./import.ts";
import { importHistoryCommand, importUndoCommand } from "./import-history.ts";
import { linkageCommands } from "./linkage-commands.ts";
import { mailCommands } from "./mail.ts";
import { municipalityAdd, municipalityList } from "./municipality-add.ts";
import { retentionCommand } from "./retention.ts";
import { rulesCommands } from "./rules.ts";
import { serve } from "./serve.ts";
import { sourceCommands } from "./source.ts";
import { statsContingency } from "./stats-contingency.ts";
import { statsExport } from "./stats-export.ts";
import { statsPool } from "./stats-pool.ts";
import { statsValidate } from "./stats-validate.ts";
import { synth } from "./synth.ts";
import { userAdd } from "./user-add.ts";
import { userList } from "./user-list.ts";

/** Every command of the CLI. Add a command by adding its module here. */
export const commands: readonly Command[] = [
  serve,
  dbMigrate,
  userAdd,
  statsContingency,
  statsPool,
  statsValidate,
  statsExport,
  synth,
  importCommand,
  importHistoryCommand,
  importUndoCommand,
  retentionCommand,
  ...linkageCommands,
  ...scoringExportCommands,
  ...auditCommands,
  userList,
  backupCommand,
  restoreCommand,
  ...sourceCommands,
  ...rulesCommands,
  ...gaijiCommands,
  municipalityAdd,
  municipalityList,
  exportPseudonymised,
  exportRegister,
  ...mailCommands,
];
