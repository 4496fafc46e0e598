/**
 * A real SMTP server on 127.0.0.1 for mail tests (the `smtp-server` package):
 * it accepts mail like a municipality's relay (plain, optionally with AUTH;
 * or with a certificate, STARTTLS or implicit TLS) and keeps what it
 * received, so a test reads the raw message.
 */
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  readonly from: string;
  readonly to: string[];
  /** The raw message (headers and body) as the relay received it. */
  readonly raw: string;
}

export interface TestSmtpServer {
  readonly port: number;
  readonly received: ReceivedMail[];
  /** TCP connections accepted so far. */
  readonly connections: () => number;
  close(): Promise<void>;
}

export async function startTestSmtpServer(
  options: {
    user?: string;
    password?: string;
    /**
     * A certificate for TLS: `starttls` offers STARTTLS on a plain connection,
     * `tls` speaks TLS from the first byte (SMTPS). Without it: plain, no STARTTLS.
     */
    tls?: { mode: "starttls" | "tls"; key: string; cert: string };
  } = {},
): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  let connections = 0;
  const tls = options.tls;
  const server = new SMTPServer({
    secure: tls?.mode === "tls",
    ...(tls ? { key: tls.key, cert: tls.cert } : {}),
    disabledCommands: tls ? [] : ["STARTTLS"],
    authOptional: options.user === undefined,
    // With a certificate, AUTH only after TLS, as a real relay would.
    allowInsecureAuth: !tls,
    logger: false,
    onConnect(_session, callback) {
      connections++;
      callback();
    },
    onAuth(auth, _session, callback) {
      if (auth.username === options.user && auth.password === options.password) {
        callback(null, { user: auth.username });
      } else {
        callback(new Error("Invalid username or password"));
      }
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString("utf8"),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  // A client that refuses the certificate closes mid-handshake: the server
  // reports it as an error event, which is the test's expected outcome.
  server.on("error", () => {});
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    received,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The text body of a received message: quoted-printable / base64 decoded, as UTF-8. */
export function mailBody(raw: string): string {
  const split = raw.indexOf("\r\n\r\n");
  const headers = raw.slice(0, split);
  const body = raw.slice(split + 4);
  if (/content-transfer-encoding:\s*base64/i.test(headers)) {
    return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  }
  if (/content-transfer-encoding:\s*quoted-printable/i.test(headers)) {
    const bytes = body
      .replace(/=\r?\n/g, "")
      .replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
    return Buffer.from(bytes, "latin1").toString("utf8");
  }
  return body;
}

/** The decoded Subject header (RFC 2047 encoded words). */
export function mailSubject(raw: string): string {
  const m = raw.match(/^Subject: ((?:.*)(?:\r\n[ \t].*)*)/im);
  const value = (m?.[1] ?? "").replace(/\r\n[ \t]/g, " ");
  return value.replace(/=\?utf-8\?([BQ])\?([^?]*)\?=\s*/gi, (_x, enc: string, text: string) =>
    enc.toUpperCase() === "B"
      ? Buffer.from(text, "base64").toString("utf8")
      : Buffer.from(
          text
            .replace(/_/g, " ")
            .replace(/=([0-9A-F]{2})/gi, (_y, h: string) =>
              String.fromCharCode(Number.parseInt(h, 16)),
            ),
          "latin1",
        ).toString("utf8"),
  );
}
