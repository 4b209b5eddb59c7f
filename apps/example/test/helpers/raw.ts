// Raw TCP for the end-to-end tests: exactly the bytes given, in the pieces
// given, and everything the server sends until it closes the connection.

import { connect } from "node:net";

export interface RawResult {
  /** Everything received, as latin1 text. */
  text: string;
  /** "end": the server closed with FIN; "reset": with RST; "open": still open at the deadline. */
  how: "end" | "reset" | "open";
}

/**
 * Writes `pieces` (waiting `gapMillis` between them) and collects the
 * answer until the server closes, or `waitMillis` pass. `stopOnAnswer`: no
 * piece is written once the server has answered (as a client does that stops
 * sending when a response comes early: a byte sent after the server closed
 * would be answered with a reset). `halfOpen`: the server's FIN does not end
 * the exchange; the pieces go on until the server closes its side for
 * reading too (the writes fail: "reset").
 */
export function raw(
  port: number,
  pieces: Array<string | Buffer> | string | Buffer,
  options: {
    gapMillis?: number;
    waitMillis?: number;
    until?: (text: string) => boolean;
    stopOnAnswer?: boolean;
    halfOpen?: boolean;
  } = {},
): Promise<RawResult> {
  const list = Array.isArray(pieces) ? pieces : [pieces];
  return new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1", allowHalfOpen: options.halfOpen ?? false });
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (how: RawResult["how"]) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString("latin1"), how });
    };
    const timer = setTimeout(() => finish("open"), options.waitMillis ?? 20_000);
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      if (options.until?.(Buffer.concat(chunks).toString("latin1"))) finish("open");
    });
    socket.on("end", () => {
      if (!options.halfOpen) finish("end");
    });
    socket.on("error", () => finish("reset"));
    socket.once("connect", async () => {
      for (const piece of list) {
        if (done || (options.stopOnAnswer && chunks.length > 0)) return;
        socket.write(piece);
        if (options.gapMillis) await new Promise((r) => setTimeout(r, options.gapMillis));
      }
    });
  });
}

/** The status codes of the responses in `text`, in order. */
export function statuses(text: string): number[] {
  return [...text.matchAll(/(?:^|\n)HTTP\/1\.1 (\d{3}) /g)].map((match) => Number(match[1]));
}
