// A raw HTTP/1.1 client for the tests: writes exactly the bytes given (in the
// pieces given), and reads responses with a small, strict response parser,
// so that framing (Content-Length, chunked, close-delimited) is checked too.

import { connect, type Socket } from "node:net";

export interface RawResponse {
  version: string;
  status: number;
  reason: string;
  /** Lowercased name -> values, in order. */
  headers: Record<string, string[]>;
  rawHead: string;
  body: Buffer;
  /** How the body was framed. */
  framing: "length" | "chunked" | "close" | "none";
  /** The size of each chunk of a chunked body, the last (0) included. */
  chunkSizes?: number[];
}

export class RawClient {
  readonly socket: Socket;
  #buffer = Buffer.alloc(0);
  #ended = false;
  #error: Error | undefined;
  #waiters: Array<() => void> = [];
  readonly connected: Promise<void>;

  /** `halfOpen`: the server's FIN leaves this side open for writing (Node would end it). */
  constructor(port: number, halfOpen = false) {
    this.socket = connect({ port, host: "127.0.0.1", allowHalfOpen: halfOpen });
    this.socket.setNoDelay(true);
    this.connected = new Promise((resolve, reject) => {
      this.socket.once("connect", resolve);
      this.socket.once("error", reject);
    });
    this.socket.on("data", (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#wake();
    });
    this.socket.on("end", () => {
      this.#ended = true;
      this.#wake();
    });
    this.socket.on("error", (error) => {
      this.#error = error;
      this.#ended = true;
      this.#wake();
    });
  }

  static async open(port: number, halfOpen = false): Promise<RawClient> {
    const client = new RawClient(port, halfOpen);
    await client.connected;
    return client;
  }

  /** Writes each piece in its own write, waiting `gapMillis` between pieces. */
  async send(pieces: string | Buffer | Array<string | Buffer>, gapMillis = 0): Promise<void> {
    const list = Array.isArray(pieces) ? pieces : [pieces];
    for (const piece of list) {
      await new Promise<void>((resolve, reject) =>
        this.socket.write(piece, (e) => (e ? reject(e) : resolve())),
      );
      if (gapMillis > 0) await new Promise((resolve) => setTimeout(resolve, gapMillis));
    }
  }

  /** Reads one response; `head` for a response to HEAD (no body). Skips 1xx unless `interim`. */
  async response(options: { head?: boolean; interim?: boolean } = {}): Promise<RawResponse> {
    for (;;) {
      const end = await this.#until(() => this.#buffer.indexOf("\r\n\r\n"));
      const rawHead = this.#buffer.subarray(0, end).toString("latin1");
      this.#buffer = this.#buffer.subarray(end + 4);
      const [line = "", ...lines] = rawHead.split("\r\n");
      const match = /^(HTTP\/1\.[01]) (\d{3}) ?(.*)$/.exec(line);
      if (match === null) throw new Error(`bad status line: ${JSON.stringify(line)}`);
      const headers: Record<string, string[]> = {};
      for (const field of lines) {
        const colon = field.indexOf(":");
        const name = field.slice(0, colon).toLowerCase();
        const values = headers[name] ?? [];
        values.push(field.slice(colon + 1).trim());
        headers[name] = values;
      }
      const status = Number(match[2]);
      const base = {
        version: match[1] as string,
        status,
        reason: match[3] as string,
        headers,
        rawHead,
      };
      if (status < 200) {
        if (options.interim) return { ...base, body: Buffer.alloc(0), framing: "none" };
        continue;
      }
      if (options.head || status === 204 || status === 304)
        return { ...base, body: Buffer.alloc(0), framing: "none" };
      const length = headers["content-length"];
      if (length !== undefined) {
        const n = Number(length[0]);
        await this.#until(() => (this.#buffer.length >= n ? n : -1));
        const body = this.#buffer.subarray(0, n);
        this.#buffer = this.#buffer.subarray(n);
        return { ...base, body, framing: "length" };
      }
      if (headers["transfer-encoding"]?.[0] === "chunked") {
        const parts: Buffer[] = [];
        const chunkSizes: number[] = [];
        for (;;) {
          const lineEnd = await this.#until(() => this.#buffer.indexOf("\r\n"));
          const size = Number.parseInt(this.#buffer.subarray(0, lineEnd).toString(), 16);
          await this.#until(() => (this.#buffer.length >= lineEnd + 2 + size + 2 ? 0 : -1));
          parts.push(this.#buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
          chunkSizes.push(size);
          if (this.#buffer.subarray(lineEnd + 2 + size, lineEnd + 4 + size).toString() !== "\r\n") {
            throw new Error("chunk not followed by CRLF");
          }
          this.#buffer = this.#buffer.subarray(lineEnd + 4 + size);
          if (size === 0) break;
        }
        return { ...base, body: Buffer.concat(parts), framing: "chunked", chunkSizes };
      }
      await this.#until(() => (this.#ended ? 0 : -1));
      const body = this.#buffer;
      this.#buffer = Buffer.alloc(0);
      return { ...base, body, framing: "close" };
    }
  }

  /** Resolves once the server has closed the connection: "end" (FIN) or "reset"; the bytes left unread must be none. */
  async closed(): Promise<{ how: "end" | "reset"; rest: string }> {
    await this.#until(() => (this.#ended ? 0 : -1));
    return {
      how: this.#error === undefined ? "end" : "reset",
      rest: this.#buffer.toString("latin1"),
    };
  }

  get ended(): boolean {
    return this.#ended;
  }

  close(): void {
    this.socket.destroy();
  }

  async #until(find: () => number): Promise<number> {
    for (;;) {
      const at = find();
      if (at >= 0) return at;
      if (this.#ended) {
        throw new Error(
          `connection ended (${this.#error?.message ?? "FIN"}) with ${JSON.stringify(this.#buffer.toString("latin1").slice(0, 200))} unparsed`,
        );
      }
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }
}

/** One request on a fresh connection: its response, and how the connection ended if it did. */
export async function exchange(
  port: number,
  request: string | Buffer | Array<string | Buffer>,
): Promise<RawResponse> {
  const client = await RawClient.open(port);
  try {
    await client.send(request);
    return await client.response({
      head: typeof request === "string" && request.startsWith("HEAD "),
    });
  } finally {
    client.close();
  }
}
