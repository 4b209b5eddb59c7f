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
 * answer until the server closes, or `waitMillis` pass.
 */
export function raw(
  port: number,
  pieces: Array<string | Buffer> | string | Buffer,
  options: { gapMillis?: number; waitMillis?: number; until?: (text: string) => boolean } = {},
): Promise<RawResult> {
  const list = Array.isArray(pieces) ? pieces : [pieces];
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
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
    socket.on("end", () => finish("end"));
    socket.on("error", () => finish("reset"));
    socket.once("connect", async () => {
      for (const piece of list) {
        if (done) return;
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
