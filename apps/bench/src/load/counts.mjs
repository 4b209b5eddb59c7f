// Requests per connection as the servers count them (src/http/*-server.mjs
// with BENCH_COUNTS_FILE): each appends a line "PORT REQUESTS" when it is
// done with a connection, or, ours, each time its connect handler returns (a
// parked keep-alive connection comes back to a worker in another call, so
// one connection can have several lines; they are summed by the client's
// port). wrk says nothing of a connection that is never answered, so the
// benches count answered connections here, on the server's side. A server
// that takes a connection after its client has gone does not count the
// request: ours never serves it (generateHandler's serveHalfClosed is off),
// and node:http takes every connection at once.
import { closeSync, openSync, readSync } from "node:fs";

/**
 * @typedef {object} Answered
 * @property {number} seen Connections the server took (distinct ports; each "?" line counts as one).
 * @property {number} answered Of those, the ones that carried at least one request.
 * @property {number} requests Requests served, summed.
 * @property {number} fewest Fewest requests on an answered connection (0 when none was).
 */

/**
 * Requests per connection from lines "PORT REQUESTS" (lines with the port
 * "?", from a server that could not tell it, each count as a connection of
 * their own). Blank lines are skipped; anything else is an error.
 * @param {readonly string[]} lines
 * @returns {Map<string, number>} Requests by port ("?" lines under "?1", "?2", ...).
 * @example
 * perConnection(["40000 3", "40002 0", "40000 2"]); // Map { "40000" => 5, "40002" => 0 }
 */
export function perConnection(lines) {
  /** @type {Map<string, number>} */
  const map = new Map();
  let unknown = 0;
  for (const line of lines) {
    if (line === "") continue;
    const space = line.indexOf(" ");
    const port = line.slice(0, space);
    const count = line.slice(space + 1);
    if (space < 1 || !/^(\d+|\?)$/.test(port) || !/^\d+$/.test(count))
      throw new Error(`a counts line must be "PORT REQUESTS", got ${JSON.stringify(line)}`);
    const requests = Number(count);
    const key = port === "?" ? `?${++unknown}` : port;
    map.set(key, (map.get(key) ?? 0) + requests);
  }
  return map;
}

/**
 * What `lines` say of the connections: how many the server took, how many
 * of them were answered, the requests and the fewest on an answered one.
 * @param {readonly string[]} lines
 * @returns {Answered}
 * @example
 * answeredOf(["40000 3", "40002 0", "40000 2"]); // { seen: 2, answered: 1, requests: 5, fewest: 5 }
 */
export function answeredOf(lines) {
  const counts = [...perConnection(lines).values()];
  const served = counts.filter((n) => n > 0);
  return {
    seen: counts.length,
    answered: served.length,
    requests: served.reduce((a, b) => a + b, 0),
    fewest: served.length === 0 ? 0 : Math.min(...served),
  };
}

/**
 * A counts file read as it grows: `take()` returns the whole lines written
 * since the last `take()` or `skip()`.
 */
export class CountsFile {
  /** @param {string} path Created by the server on its first line; missing reads as empty. */
  constructor(path) {
    this.path = path;
    /** Bytes consumed so far. */
    this.offset = 0;
  }

  /** Whole lines written after `offset`, without consuming them. */
  #peek() {
    let fd;
    try {
      fd = openSync(this.path, "r");
    } catch {
      return { lines: /** @type {string[]} */ ([]), bytes: 0 };
    }
    try {
      /** @type {Buffer[]} */
      const chunks = [];
      let position = this.offset;
      for (;;) {
        const chunk = Buffer.allocUnsafe(1 << 16);
        const n = readSync(fd, chunk, 0, chunk.length, position);
        if (n === 0) break;
        chunks.push(chunk.subarray(0, n));
        position += n;
      }
      const text = Buffer.concat(chunks).toString("latin1");
      const end = text.lastIndexOf("\n") + 1;
      return { lines: text.slice(0, end).split("\n").filter(Boolean), bytes: end };
    } finally {
      closeSync(fd);
    }
  }

  /** Forgets what was written so far. */
  skip() {
    this.offset += this.#peek().bytes;
  }

  /**
   * Waits until the lines since the last take name at least `connections`
   * connections and no line came for `quietMs`, or until `timeoutMs` pass;
   * then consumes and returns them.
   * @param {number} connections
   * @param {{ quietMs?: number, timeoutMs?: number }} [options] defaults 300 and 10,000 ms
   * @returns {Promise<string[]>}
   */
  async take(connections, options = {}) {
    const { quietMs = 300, timeoutMs = 10_000 } = options;
    const deadline = Date.now() + timeoutMs;
    let last = -1;
    let since = Date.now();
    for (;;) {
      const { lines, bytes } = this.#peek();
      if (bytes !== last) {
        last = bytes;
        since = Date.now();
      }
      const enough = perConnection(lines).size >= connections;
      if ((enough && Date.now() - since >= quietMs) || Date.now() > deadline) {
        this.offset += bytes;
        return lines;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
