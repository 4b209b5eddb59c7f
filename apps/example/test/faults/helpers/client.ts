// The fault tests' HTTP client: raw TCP to 127.0.0.1, one request at a time
// per connection, and a classification of every request sent: answered (a
// status line was read; `complete` when the whole response was), reset
// (ECONNRESET, EPIPE, ... before any answer), closed (EOF before a status
// line), refused (ECONNREFUSED) or timeout (no answer within the client's
// patience; the client then gives up and destroys its socket). Tests assert
// on counts of these, never on timings beyond generous bounds.

import { connect, type Socket } from "node:net";

export type Outcome = "answered" | "reset" | "closed" | "refused" | "timeout";
export const OUTCOMES: readonly Outcome[] = ["answered", "reset", "closed", "refused", "timeout"];

/** One request and what became of it. */
export interface Exchange {
  outcome: Outcome;
  /** The status read (answered only). */
  status: number | undefined;
  /** Response headers, names in lower case (answered only). */
  headers: Record<string, string>;
  body: string;
  /** Answered, and the whole response (its body by Content-Length, chunks, or up to EOF) was read. */
  complete: boolean;
  /** The response carries `Connection: close`. */
  close: boolean;
  /** The socket error's code, if any. */
  error: string | undefined;
  /** The first request on its connection (false: sent on a kept-alive connection). */
  fresh: boolean;
  /** performance.now() when the request was written, and when its outcome was known. */
  sentAt: number;
  doneAt: number;
}

interface Parsed {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Whole, by its framing. */
  complete: boolean;
  /** Its body runs to EOF (no Content-Length, not chunked). */
  untilEof: boolean;
  /** Bytes of the buffer it used. */
  consumed: number;
}

const CRLF = Buffer.from("\r\n");
const HEAD_END = Buffer.from("\r\n\r\n");

/** The first response in `buffer`, or undefined while its head is incomplete. */
function parseResponse(buffer: Buffer, bodiless: boolean): Parsed | undefined {
  let start = 0;
  for (;;) {
    const headEnd = buffer.indexOf(HEAD_END, start);
    if (headEnd === -1) return undefined;
    const lines = buffer.subarray(start, headEnd).toString("latin1").split("\r\n");
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? "")?.[1] ?? 0);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    const bodyStart = headEnd + 4;
    if (status >= 100 && status < 200 && status !== 101) {
      start = bodyStart; // an interim response: the real one follows
      continue;
    }
    const done = (body: Buffer, complete: boolean, untilEof: boolean, consumed: number) => ({
      status,
      headers,
      body,
      complete,
      untilEof,
      consumed,
    });
    if (bodiless || status === 204 || status === 304 || status === 101) {
      return done(Buffer.alloc(0), true, false, bodyStart);
    }
    if (/\bchunked\b/i.test(headers["transfer-encoding"] ?? "")) {
      const parts: Buffer[] = [];
      let at = bodyStart;
      for (;;) {
        const lineEnd = buffer.indexOf(CRLF, at);
        if (lineEnd === -1) return done(Buffer.concat(parts), false, false, buffer.length);
        const size = Number.parseInt(buffer.subarray(at, lineEnd).toString("latin1"), 16);
        if (!Number.isFinite(size)) return done(Buffer.concat(parts), false, false, buffer.length);
        if (size === 0) {
          // No trailers expected: the last chunk's line, then an empty line (or trailer lines and one).
          const end =
            buffer.indexOf(CRLF, lineEnd + 2) === lineEnd + 2
              ? lineEnd + 4
              : buffer.indexOf(HEAD_END, lineEnd) + 4;
          if (end < 4 || end > buffer.length) {
            return done(Buffer.concat(parts), false, false, buffer.length);
          }
          return done(Buffer.concat(parts), true, false, end);
        }
        if (buffer.length < lineEnd + 2 + size + 2) {
          parts.push(buffer.subarray(lineEnd + 2, Math.min(buffer.length, lineEnd + 2 + size)));
          return done(Buffer.concat(parts), false, false, buffer.length);
        }
        parts.push(buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
        at = lineEnd + 2 + size + 2;
      }
    }
    const length = headers["content-length"];
    if (length !== undefined) {
      const end = bodyStart + Number(length);
      const complete = buffer.length >= end;
      return done(buffer.subarray(bodyStart, end), complete, false, Math.min(end, buffer.length));
    }
    return done(buffer.subarray(bodyStart), false, true, buffer.length);
  }
}

interface Pending {
  fresh: boolean;
  bodiless: boolean;
  sentAt: number;
  timer: ReturnType<typeof setTimeout>;
  resolve: (exchange: Exchange) => void;
}

/**
 * One client connection to 127.0.0.1:`port`, one request at a time. After a
 * response it may be used again (keep-alive) unless it ended.
 */
export class Connection {
  readonly socket: Socket;
  /** Requests sent on it so far. */
  sent = 0;
  #buffer: Buffer = Buffer.alloc(0);
  #pending: Pending | undefined;
  /** How it ended, once it did: EOF, or an error's code. */
  #ended: { eof: true } | { eof: false; code: string } | undefined;
  #connected = false;

  constructor(port: number) {
    this.socket = connect({ port, host: "127.0.0.1" });
    this.socket.setNoDelay(true);
    this.socket.on("connect", () => {
      this.#connected = true;
    });
    this.socket.on("data", (chunk: Buffer) => {
      this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
      this.#check(false);
    });
    this.socket.on("end", () => {
      this.#ended ??= { eof: true };
      this.#check(true);
    });
    this.socket.on("error", (error: NodeJS.ErrnoException) => {
      this.#ended ??= { eof: false, code: error.code ?? error.message };
      this.#check(true);
    });
    this.socket.on("close", () => {
      this.#ended ??= { eof: true };
      this.#check(true);
    });
  }

  /** True until the connection ended (either way) or was destroyed. */
  get open(): boolean {
    return this.#ended === undefined && !this.socket.destroyed;
  }

  /**
   * Sends `request` and resolves with what became of it, within `timeoutMs`
   * (then it is a timeout and the connection is destroyed). `bodiless`: the
   * response has no body (an answer to HEAD).
   */
  send(request: string | Buffer, timeoutMs: number, bodiless = false): Promise<Exchange> {
    if (this.#pending !== undefined) throw new Error("one request at a time");
    const fresh = this.sent === 0;
    this.sent++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#finish("timeout"), timeoutMs);
      this.#pending = { fresh, bodiless, sentAt: performance.now(), timer, resolve };
      if (this.#ended !== undefined) {
        this.#check(true);
        return;
      }
      this.socket.write(request);
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Settles the pending request if its response is whole, or if the connection ended (`final`). */
  #check(final: boolean): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    const parsed = parseResponse(this.#buffer, pending.bodiless);
    if (parsed?.complete) {
      this.#buffer = this.#buffer.subarray(parsed.consumed);
      this.#finish("answered", parsed, true);
      return;
    }
    if (!final || this.#ended === undefined) return;
    if (parsed !== undefined) {
      // The status was read; the body is whole only if it runs to an EOF.
      this.#finish("answered", parsed, parsed.untilEof && this.#ended.eof);
    } else if (this.#ended.eof) {
      this.#finish("closed");
    } else {
      const code = this.#ended.code;
      this.#finish(code === "ECONNREFUSED" && !this.#connected ? "refused" : "reset");
    }
  }

  #finish(outcome: Outcome, parsed?: Parsed, complete = false): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    this.#pending = undefined;
    clearTimeout(pending.timer);
    if (outcome === "timeout") this.socket.destroy();
    const headers = parsed?.headers ?? {};
    pending.resolve({
      outcome,
      status: parsed?.status,
      headers,
      body: parsed?.body.toString("latin1") ?? "",
      complete,
      close: /\bclose\b/i.test(headers.connection ?? ""),
      error: this.#ended !== undefined && !this.#ended.eof ? this.#ended.code : undefined,
      fresh: pending.fresh,
      sentAt: pending.sentAt,
      doneAt: performance.now(),
    });
  }
}

/** Every response in `text` (raw bytes as latin1), whole or not, in order. */
export function parseResponses(
  text: string,
): Array<{ status: number; headers: Record<string, string>; body: string; complete: boolean }> {
  const found = [];
  let buffer: Buffer = Buffer.from(text, "latin1");
  for (;;) {
    const parsed = parseResponse(buffer, false);
    if (parsed === undefined) return found;
    found.push({
      status: parsed.status,
      headers: parsed.headers,
      body: parsed.body.toString("latin1"),
      complete: parsed.complete,
    });
    if (!parsed.complete || parsed.consumed >= buffer.length) return found;
    buffer = buffer.subarray(parsed.consumed);
  }
}

/** A GET request for `path`, with extra header lines (each ending in CRLF). */
export function get(path: string, extra = ""): string {
  return `GET ${path} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;
}

/** `request` on a new connection, which is closed afterwards. */
export async function exchange(
  port: number,
  request: string | Buffer,
  timeoutMs: number,
): Promise<Exchange> {
  const connection = new Connection(port);
  try {
    return await connection.send(request, timeoutMs);
  } finally {
    connection.destroy();
  }
}

/** A health probe: GET `path` (default /ping) on a new connection, Connection: close. */
export function probe(port: number, timeoutMs: number, path = "/ping"): Promise<Exchange> {
  return exchange(port, get(path, "Connection: close\r\n"), timeoutMs);
}

/** `count` probes, one started every `everyMs` (not waiting for the one before); all their outcomes. */
export async function probes(
  port: number,
  count: number,
  everyMs: number,
  timeoutMs: number,
  path = "/ping",
): Promise<Exchange[]> {
  const all: Array<Promise<Exchange>> = [];
  for (let i = 0; i < count; i++) {
    if (i > 0) await sleep(everyMs);
    all.push(probe(port, timeoutMs, path));
  }
  return Promise.all(all);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** How many of `exchanges` had each outcome. */
export function tally(exchanges: readonly Exchange[]): Record<Outcome, number> {
  const counts = { answered: 0, reset: 0, closed: 0, refused: 0, timeout: 0 };
  for (const { outcome } of exchanges) counts[outcome]++;
  return counts;
}

/** "12 sent: answered 9 (204 x8, 500 x1), timeout 3", for failure messages. */
export function summary(exchanges: readonly Exchange[]): string {
  const counts = tally(exchanges);
  const statuses = new Map<number, number>();
  for (const { status } of exchanges) {
    if (status !== undefined) statuses.set(status, (statuses.get(status) ?? 0) + 1);
  }
  const parts = OUTCOMES.filter((outcome) => counts[outcome] > 0).map((outcome) =>
    outcome === "answered" && statuses.size > 0
      ? `answered ${counts.answered} (${[...statuses].map(([s, n]) => `${s} x${n}`).join(", ")})`
      : `${outcome} ${counts[outcome]}`,
  );
  return `${exchanges.length} sent: ${parts.join(", ") || "nothing"}`;
}
