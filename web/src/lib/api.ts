import type { ApiErrorBody } from "./types.ts";

/** An API failure with the server's Japanese message. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: string[],
    readonly code: string,
  ) {
    super(message);
  }
}

let csrfToken = "";
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** fetch for the mimamori API: same-origin cookies, JSON, CSRF header, Japanese errors. */
export function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const method = init.method ?? "GET";
  const headers: Record<string, string> = { Accept: "application/json" };
  if (init.body !== undefined) headers["Content-Type"] = "application/json";
  return send<T>(
    path,
    method,
    headers,
    init.body === undefined ? undefined : JSON.stringify(init.body),
  );
}

/** Sends a file as the raw request body (streamed by the browser). */
export function uploadFile<T>(path: string, file: File): Promise<T> {
  return send<T>(
    path,
    "POST",
    { Accept: "application/json", "Content-Type": "application/octet-stream" },
    file,
  );
}

async function send<T>(
  path: string,
  method: string,
  headers: Record<string, string>,
  body: BodyInit | undefined,
): Promise<T> {
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  let res: Response;
  try {
    res = await fetch(`/api${path}`, { method, headers, credentials: "same-origin", body });
  } catch {
    throw new ApiFailure(
      0,
      "サーバーに接続できません。ネットワークとサーバーの状態を確認してください。",
      [],
      "network",
    );
  }
  const text = await res.text();
  const data: unknown = text ? safeParse(text) : undefined;
  if (!res.ok) {
    const e = (data as ApiErrorBody | undefined)?.error;
    throw new ApiFailure(
      res.status,
      e?.message ?? `エラーが発生しました（${res.status}）。`,
      e?.details ?? [],
      e?.code ?? "unknown",
    );
  }
  return data as T;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** POSTs JSON and returns the response body as a Blob (file downloads such as CSV exports). */
export async function apiDownload(path: string, body: unknown): Promise<Blob> {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (csrfToken) headers["X-CSRF-Token"] = csrfToken;
  const res = await fetch(`/api${path}`, {
    method: "POST",
    headers,
    credentials: "same-origin",
    body: JSON.stringify(body),
  });
  if (!res.ok) {
    const e = (safeParse(await res.text()) as ApiErrorBody | undefined)?.error;
    throw new ApiFailure(
      res.status,
      e?.message ?? `エラーが発生しました（${res.status}）。`,
      e?.details ?? [],
      e?.code ?? "unknown",
    );
  }
  return res.blob();
}
