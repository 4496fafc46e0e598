/**
 * Which municipality a CLI command works on (cli.md: global `--municipality
 * CODE`, optional while the server holds only one), and entering its data
 * scope (db/scope.ts) for the rest of the command.
 */
import type { Database } from "../db/database.ts";
import { createMunicipalityRepository } from "../db/municipality.repository.ts";
import { enterDataScope } from "../db/scope.ts";
import { MimamoriError } from "../domain/errors.ts";
import { DEFAULT_MUNICIPALITY_NAME } from "../server/bootstrap.ts";
import type { GlobalOptions } from "./command.ts";

export interface SelectedMunicipality {
  readonly id: number;
  readonly name: string;
  readonly code: string | null;
}

/**
 * The municipality of `--municipality CODE`; without it the only one (created
 * on first use, as before several municipalities could share a server); a
 * Japanese error naming the codes when there are several.
 */
export async function resolveMunicipality(
  db: Database,
  globals: Pick<GlobalOptions, "municipality">,
): Promise<SelectedMunicipality> {
  const repo = createMunicipalityRepository(db);
  if (globals.municipality !== undefined) {
    const code = globals.municipality;
    const found = await repo.findByCode(code);
    if (!found) {
      throw new MimamoriError(
        "not_found",
        `自治体コード ${code} の自治体はこのサーバーにありません。コードを確認するか、mimamori municipality add --code CODE --name 名前 で追加してください。`,
        (await repo.list()).map((m) => `${m.code ?? "（コードなし）"}: ${m.name}`),
      );
    }
    return found;
  }
  const all = await repo.list();
  if (all.length > 1) {
    throw new MimamoriError(
      "invalid_input",
      `このサーバーには ${all.length} の自治体があります。--municipality CODE でどの自治体のデータかを指定してください。`,
      all.map((m) => `${m.code ?? "（コードなし）"}: ${m.name}`),
    );
  }
  if (all[0]) return all[0];
  const created = await repo.ensureDefault(DEFAULT_MUNICIPALITY_NAME);
  return { ...created, code: null };
}

/**
 * Enters the municipality's data scope for the rest of the calling command
 * (synchronous on purpose: AsyncLocalStorage.enterWith must run in the
 * command's own async frame; cli/main.ts isolates each command). The CLI is
 * run by the server's operator, who holds the database itself: council-only
 * rows are in scope. Returns the municipality's id.
 */
export function enterMunicipality(m: SelectedMunicipality): number {
  enterDataScope({ municipalityId: m.id, council: true });
  return m.id;
}
