/**
 * The few error types of mimamori (STYLE.md §8). Each carries a stable `code`
 * and a Japanese message that says what to do; one mapper per edge (HTTP in
 * server/errors.ts, CLI in cli/main.ts) turns them into responses or exit codes.
 */
export type ErrorCode =
  | "invalid_input"
  | "unauthenticated"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "rate_limited"
  | "timeout"
  | "config"
  | "internal";

const STATUS: Record<ErrorCode, number> = {
  invalid_input: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  timeout: 408,
  config: 500,
  internal: 500,
};

export class MimamoriError extends Error {
  readonly code: ErrorCode;
  /** Extra, non-personal detail for the user (e.g. the list of problems). */
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, details: readonly string[] = [], cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "MimamoriError";
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return STATUS[this.code];
  }
}

export const isMimamoriError = (e: unknown): e is MimamoriError => e instanceof MimamoriError;
