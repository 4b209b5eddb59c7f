// bench:tls: HTTPS under wrk on 127.0.0.1, ours (a pool's TLS listener: each
// worker does the handshakes of the connections it serves, every option at
// its default) against node:https in node:cluster ×2, in one run, as ratios
// of medians. Loads: `Connection: close` with 32 connections (every request
// a new TLS handshake: the handshake rate) and keep-alive with 32 (requests
// over established TLS connections). A self-signed P-256 certificate made
// by openssl for the run. Every wrk run has --timeout 10s; each load runs
// once unmeasured on each server first.
//
//   node src/tls.bench.mjs           3 rounds of 5 s (BENCH_ROUNDS, BENCH_TIME_MS)
//   node src/tls.bench.mjs --quick   2 rounds of 3 s (or BENCH_QUICK=1)
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, stopServer } from "./load/servers.mjs";
import { checkWrk, wrk } from "./load/wrk.mjs";

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== "--quick");
if (unknown.length > 0) throw new Error(`unknown option ${unknown.join(", ")}: --quick`);
const quick = args.includes("--quick") || process.env.BENCH_QUICK === "1";
const rounds = Number(process.env.BENCH_ROUNDS ?? (quick ? 2 : 3));
const timeMs = Number(process.env.BENCH_TIME_MS ?? (quick ? 3000 : 5000));
checkWrk();

const dir = mkdtempSync(join(tmpdir(), "bench-tls-"));
const cert = join(dir, "cert.pem");
const key = join(dir, "key.pem");
execFileSync(
  "openssl",
  [
    ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
    ...["-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1"],
  ],
  { stdio: "ignore" },
);

const script = join(import.meta.dirname, "tls", "servers.mjs");
const env = { BENCH_TLS_CERT: cert, BENCH_TLS_KEY: key };
const loads = [
  {
    name: "Connection: close, 32 connections (a handshake a request)",
    args: ["-c32", "-t2", "-H", "Connection: close"],
  },
  { name: "keep-alive, 32 connections", args: ["-c32", "-t2"] },
];
const sides = [
  { name: "ours (TLS listener, defaults)", env: { ...env, BENCH_SIDE: "ours" } },
  { name: "node:https, node:cluster ×2", env: { ...env, BENCH_SIDE: "node", BENCH_WORKERS: "2" } },
];

const median = (/** @type {number[]} */ values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return /** @type {number} */ (sorted[Math.floor(sorted.length / 2)]);
};

try {
  console.log(`bench:tls, ${rounds} rounds of ${timeMs / 1000} s, Node ${process.version}`);
  for (const load of loads) {
    /** @type {Map<string, number[]>} */
    const rates = new Map(sides.map((side) => [side.name, []]));
    /** @type {Map<string, number>} */
    const errors = new Map(sides.map((side) => [side.name, 0]));
    for (let round = 0; round <= rounds; round++) {
      for (const side of sides) {
        const server = await startServer(side.name, script, side.env);
        try {
          // Round 0 warms each server up: not counted.
          const result = await wrk(server.port, timeMs, load.args, "https");
          if (round === 0) continue;
          rates.get(side.name)?.push(result.rate);
          const e = result.errors;
          errors.set(
            side.name,
            (errors.get(side.name) ?? 0) + e.connect + e.read + e.write + e.timeout + result.non2xx,
          );
        } finally {
          await stopServer(server);
        }
      }
    }
    const [oursSide, peerSide] = sides;
    const ours = median(rates.get(oursSide?.name ?? "") ?? []);
    const peer = median(rates.get(peerSide?.name ?? "") ?? []);
    console.log(`\n${load.name}`);
    for (const side of sides) {
      const values = rates.get(side.name) ?? [];
      console.log(
        `  ${side.name.padEnd(32)} ${median(values).toFixed(0).padStart(7)} req/s (rounds: ${values.map((v) => v.toFixed(0)).join(", ")}; errors and non-2xx: ${errors.get(side.name)})`,
      );
    }
    console.log(`  ours / node:cluster: ${(ours / peer).toFixed(2)}×`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
