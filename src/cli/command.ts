/** What every CLI command sees: the global options of cli.md, already parsed. */
export interface GlobalOptions {
  /** `--db URL`, else DATABASE_URL, else undefined (embedded PostgreSQL). */
  readonly databaseUrl: string | undefined;
  /** `--home DIR` (default ./.mimamori), absolute. */
  readonly home: string;
  /**
   * `--municipality CODE`: which municipality of a shared server `import`,
   * `run`, `export`, `stats` (and `user add`) work on (cli/municipality.ts).
   */
  readonly municipality?: string | undefined;
}

/** A CLI command: thin — parse options, call one function, print (STYLE.md §5). */
export interface Command {
  /** Words that select it, e.g. `["db", "migrate"]`. */
  readonly path: readonly string[];
  /** One line for `mimamori help`, in Japanese. */
  readonly summary: string;
  /** Usage line, e.g. `mimamori user add --name NAME [--role ROLE]`. */
  readonly usage: string;
  /** Returns the exit code. Throws MimamoriError for user-facing failures. */
  run(args: string[], globals: GlobalOptions): Promise<number>;
}
