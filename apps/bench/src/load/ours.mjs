// What our bench servers (src/http/ and src/parking/moonbridge-server.mjs)
// share: the hello-world request callback every server here answers with,
// the parking options from the environment, and the supervisor's pool stats
// written to a file for the bench to read (a worker cannot see them).
import { renameSync, writeFileSync } from "node:fs";
import { http } from "moonbridge";

/**
 * generateHandler's parking options from BENCH_PARKING (1: `parking: true`,
 * 0: `parking: false`; unset: not passed, for a build that does not know the
 * option) and BENCH_PARK_AFTER (seconds: `parkAfter`).
 * @returns {Record<string, unknown>}
 */
export function parkingOptions() {
  /** @type {Record<string, unknown>} */
  const options = {};
  const parking = process.env.BENCH_PARKING;
  if (parking === "1") options.parking = true;
  else if (parking === "0") options.parking = false;
  else if (parking !== undefined) throw new Error(`BENCH_PARKING must be 0 or 1, got "${parking}"`);
  if (process.env.BENCH_PARK_AFTER !== undefined)
    options.parkAfter = Number(process.env.BENCH_PARK_AFTER);
  return options;
}

/**
 * A connect handler answering every request with 200 text/plain "Hello World!\n";
 * `onRequest` is called with each request (to count them).
 * @param {Record<string, unknown>} options generateHandler's options
 * @param {(request: import("moonbridge").Request) => void} [onRequest]
 * @param {typeof http} [module] the http module to use (another build's, to compare)
 */
export function helloHandler(options, onRequest, module = http) {
  return module.generateHandler(options, async (request) => {
    onRequest?.(request);
    request.sendStatus(200);
    request.sendHeader("Content-Type", "text/plain");
    request.sendData("Hello World!\n");
    await request.finish();
    return true;
  });
}

/**
 * In the supervisor: writes `pool.stats()` (with the time, `at`) as JSON to
 * BENCH_STATS_FILE now and every 200 ms, if that is set. Readers never see
 * half a file (write, then rename).
 * @param {{ stats(): object }} pool
 */
export function writeStatsToFile(pool) {
  const file = process.env.BENCH_STATS_FILE;
  if (file === undefined) return;
  const write = () => {
    writeFileSync(`${file}.tmp`, JSON.stringify({ at: Date.now(), ...pool.stats() }));
    renameSync(`${file}.tmp`, file);
  };
  write();
  setInterval(write, 200).unref();
}
