// bench:burst's probe: a client that sends one ordinary request on a new
// connection at a fixed interval, whatever became of the ones before (so a
// server that stalls shows as latency, not as fewer probes), and times each
// from the connect call to the whole answer (src/load/response.mjs checks it).
import net from "node:net";
import { ResponseReader } from "../load/response.mjs";

const REQUEST = Buffer.from("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");

/**
 * @typedef {object} ProbeResult
 * @property {number} sent
 * @property {number[]} latencies Milliseconds of each correct answer, in the order sent.
 * @property {Record<string, number>} failures By reason.
 */

/**
 * One request on a new connection to 127.0.0.1:`port`; resolves with the
 * milliseconds to its whole answer, or a problem.
 * @param {number} port
 * @param {number} timeoutMs
 * @returns {Promise<{ ms: number } | { problem: string }>}
 */
export function probeOnce(port, timeoutMs) {
  const began = performance.now();
  return new Promise((resolve) => {
    const reader = new ResponseReader();
    let settled = false;
    const settle = (/** @type {{ ms: number } | { problem: string }} */ result) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(
      () => settle({ problem: `no answer within ${timeoutMs / 1000} s` }),
      timeoutMs,
    );
    const socket = net.connect({ port, host: "127.0.0.1" }, () => socket.write(REQUEST));
    socket.on("data", (chunk) => {
      const problem = reader.push(chunk);
      if (problem === "") settle({ ms: performance.now() - began });
      else if (problem !== undefined) settle({ problem: `answer: ${problem}` });
    });
    socket.on("error", (error) =>
      settle({ problem: /** @type {NodeJS.ErrnoException} */ (error).code ?? error.message }),
    );
    socket.on("close", () => settle({ problem: "closed before the answer" }));
  });
}

/**
 * Probes every `intervalMs` for `durationMs`, then waits for the last answers.
 * @param {number} port
 * @param {{ durationMs: number, intervalMs: number, timeoutMs: number }} options
 * @returns {Promise<ProbeResult>}
 */
export async function probeLoop(port, { durationMs, intervalMs, timeoutMs }) {
  /** @type {Array<Promise<{ ms: number } | { problem: string }>>} */
  const pending = [];
  const began = performance.now();
  for (let i = 0; i * intervalMs < durationMs; i++) {
    const due = began + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(probeOnce(port, timeoutMs));
  }
  /** @type {ProbeResult} */
  const result = { sent: pending.length, latencies: [], failures: {} };
  for (const outcome of await Promise.all(pending)) {
    if ("ms" in outcome) result.latencies.push(outcome.ms);
    else result.failures[outcome.problem] = (result.failures[outcome.problem] ?? 0) + 1;
  }
  return result;
}
