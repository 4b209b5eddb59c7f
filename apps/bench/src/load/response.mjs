// One HTTP/1.1 response read from bytes as they come, and checked to be the
// bench servers' hello world (200, text/plain, "Hello World!\n"): what
// bench:burst's probe and its idle clients make of an answer. Content-Length
// and chunked bodies; nothing else is needed by the servers here.

const BODY = "Hello World!\n";

/**
 * Feed it the bytes of one response with `push`: it returns undefined until
 * the response is whole, then "" if it is the hello world, or the problem.
 * @example
 * const reader = new ResponseReader();
 * reader.push(Buffer.from("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n")); // undefined
 * reader.push(Buffer.from("Content-Length: 13\r\n\r\nHello World!\n")); // ""
 */
export class ResponseReader {
  /** @param {{ keepAlive?: boolean }} [options] `keepAlive`: a `Connection: close` answer is a problem too (idle clients need the connection). */
  constructor(options = {}) {
    /** @type {Buffer} */
    this.buffer = Buffer.alloc(0);
    this.keepAlive = options.keepAlive === true;
  }

  /**
   * @param {Buffer} chunk
   * @returns {string | undefined}
   */
  push(chunk) {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const end = this.buffer.indexOf("\r\n\r\n");
    if (end < 0) return this.buffer.length > 65536 ? "head too long" : undefined;
    const lines = this.buffer.subarray(0, end).toString("latin1").split("\r\n");
    const status = lines[0] ?? "";
    /** @type {Map<string, string>} */
    const headers = new Map();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      if (colon < 1) return "bad header line";
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    let rest = this.buffer.subarray(end + 4);
    let body;
    const length = headers.get("content-length");
    if (length !== undefined) {
      const n = Number(length);
      if (!Number.isInteger(n) || n < 0) return "bad Content-Length";
      if (rest.length < n) return undefined;
      if (rest.length > n) return "bytes after the response";
      body = rest.toString("utf8");
    } else if (headers.get("transfer-encoding")?.toLowerCase() === "chunked") {
      const parts = [];
      for (;;) {
        const lineEnd = rest.indexOf("\r\n");
        if (lineEnd < 0) return undefined;
        const size = Number.parseInt(rest.subarray(0, lineEnd).toString("latin1"), 16);
        if (!Number.isInteger(size) || size < 0) return "bad chunk size";
        if (size === 0) {
          // The last chunk, then trailer lines (none from these servers) and an empty line.
          const tail = rest.subarray(lineEnd + 2);
          if (tail.indexOf("\r\n") !== 0 && tail.indexOf("\r\n\r\n") < 0) return undefined;
          break;
        }
        if (rest.length < lineEnd + 2 + size + 2) return undefined;
        parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
        rest = rest.subarray(lineEnd + 2 + size + 2);
      }
      body = Buffer.concat(parts).toString("utf8");
    } else return "no Content-Length and not chunked";
    if (status !== "HTTP/1.1 200 OK") return `status "${status.slice(0, 40)}"`;
    if (!(headers.get("content-type") ?? "").startsWith("text/plain")) return "not text/plain";
    if (body !== BODY) return "wrong body";
    if (this.keepAlive && (headers.get("connection") ?? "").toLowerCase().includes("close"))
      return "Connection: close";
    return "";
  }
}
