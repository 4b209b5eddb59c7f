// wrk, the load generator (Debian's package), run and read: requests per
// second, socket errors, non-2xx answers and, with --latency, percentiles.
// Every run gets `--timeout 10s` unless its arguments say otherwise: wrk
// drops a reply slower than its timeout (2 s by default) from the latency
// histogram, and says nothing of a connection never answered at all (the
// benches count answered connections on the server's side: counts.mjs).
import { spawn, spawnSync } from "node:child_process";

/**
 * @typedef {object} WrkResult
 * @property {number} rate Requests per second.
 * @property {number} requests
 * @property {{ connect: number, read: number, write: number, timeout: number }} errors
 * @property {number} non2xx Non-2xx or 3xx responses.
 * @property {{ p50: number, p99: number } | undefined} latency Milliseconds, with --latency.
 */

/** wrk processes running, killed on exit like the servers. */
const running = new Set();
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** Fails unless wrk is on the PATH. */
export function checkWrk() {
  const found = spawnSync("wrk", ["--version"], { encoding: "utf8" });
  if (found.error !== undefined)
    throw new Error("wrk is not installed (apt-get install -y wrk)", { cause: found.error });
}

/** wrk's latency text ("812.00us", "1.20ms", "2.01s") in milliseconds. */
function millis(/** @type {string} */ text) {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (match === null) return Number.NaN;
  const unit = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[/** @type {"us"} */ (match[2])];
  return Number(match[1]) * unit;
}

/** wrk's --timeout, unless a run's arguments give one. */
export const WRK_TIMEOUT = "10s";

/**
 * Runs wrk with `args` against 127.0.0.1:`port` for about `ms` (whole
 * seconds), with `--timeout 10s` unless `args` hold a --timeout, over
 * `scheme` (https: wrk's OpenSSL, which takes any certificate).
 * @param {number} port
 * @param {number} ms
 * @param {readonly string[]} args
 * @param {"http" | "https"} [scheme]
 * @returns {Promise<WrkResult>}
 */
export function wrk(port, ms, args, scheme = "http") {
  const seconds = Math.max(1, Math.round(ms / 1000));
  return new Promise((resolve, reject) => {
    const timeout = args.includes("--timeout") ? [] : ["--timeout", WRK_TIMEOUT];
    const all = [...args, ...timeout, `-d${seconds}s`, `${scheme}://127.0.0.1:${port}/`];
    const child = spawn("wrk", all, {
      stdio: ["ignore", "pipe", "pipe"],
    });
    running.add(child);
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      out += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk) => {
      out += chunk;
    });
    child.on("error", (error) => {
      running.delete(child);
      reject(error);
    });
    child.on("exit", (code) => {
      running.delete(child);
      const rate = /Requests\/sec:\s*([\d.]+)/.exec(out);
      const requests = /(\d+) requests in/.exec(out);
      if (code !== 0 || rate === null || requests === null) {
        reject(new Error(`wrk failed (exit ${code}):\n${out}`));
        return;
      }
      const e = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
      const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
      const p50 = /^\s+50%\s+(\S+)/m.exec(out);
      const p99 = /^\s+99%\s+(\S+)/m.exec(out);
      resolve({
        rate: Number(rate[1]),
        requests: Number(requests[1]),
        errors: {
          connect: Number(e?.[1] ?? 0),
          read: Number(e?.[2] ?? 0),
          write: Number(e?.[3] ?? 0),
          timeout: Number(e?.[4] ?? 0),
        },
        non2xx: Number(non2xx?.[1] ?? 0),
        latency:
          p50 !== null && p99 !== null
            ? {
                p50: millis(/** @type {string} */ (p50[1])),
                p99: millis(/** @type {string} */ (p99[1])),
              }
            : undefined,
      });
    });
  });
}
