import pino from "pino";

/**
 * Structured logs. They never contain names, resident numbers or request
 * bodies: only ids, methods, paths, statuses and timings. The redact list is a
 * second line of defence for fields that must never be logged even by mistake.
 */
export function createLogger(level = process.env.LOG_LEVEL ?? "info"): pino.Logger {
  return pino({
    level,
    base: { app: "mimamori" },
    redact: {
      paths: [
        "password",
        "*.password",
        "*.currentPassword",
        "*.newPassword",
        "name",
        "*.name",
        "*.kana",
        "*.residentNo",
        "*.resident_no",
        "req.headers.cookie",
        "*.headers.cookie",
      ],
      censor: "[秘匿]",
    },
  });
}

export type Logger = pino.Logger;
