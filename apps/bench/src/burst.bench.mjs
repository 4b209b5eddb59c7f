// A burst of connections that do not behave: 64 slow-loris clients (each
// sends a request head a byte a second, and never its end) and 5,000 idle
// connections, all opened at once, while a probe sends one ordinary request
// on a new connection every 100 ms; then every idle connection sends one
// request and must be answered. Reports the probe's p50, p99 and largest
// latency and its failures, how many of the 5,000 were reset or refused (or
// closed, or sent something unasked), and how many were answered at the end;
// beside them the server's CPU time and the kernel's count of connections
// dropped from a full accept queue (src/load/netstat.mjs).
// Servers, one after the other in the same run: ours with default options
// (src/http/moonbridge-server.mjs, as `moonbridge app.mjs` runs a plain app),
// optionally BENCH_BEFORE's build the same way, node:http in node:cluster
// with 2 workers (src/http/node-server.mjs, Node's defaults), and node:http
// in one process with our listen backlog (what one event loop reaches).
// The clients run in processes of their own (src/burst/clients.mjs), the
// probe in this one (src/burst/probe.mjs).
//
//   node src/burst.bench.mjs           probing for 20 s
//   node src/burst.bench.mjs --quick   probing for 10 s (or BENCH_QUICK=1)
// BENCH_ONLY (comma-separated substrings of server names) picks servers;
// BENCH_IDLE (default 5000) and BENCH_LORIS (default 64) the clients;
// BENCH_PROBE_MS (default 20000, quick 10000) how long the probe runs;
// BENCH_CPU_PROF=DIR writes a CPU profile of every server process (workers
// too) into DIR when it exits;
// BENCH_CLIENTS_PER_PROCESS (default 2500) idle connections per client
// process; BENCH_CONNECT_TIMEOUT_S and BENCH_ANSWER_TIMEOUT_S (default 30
// each) the clients' deadlines. The soft limit on open files is raised for
// the whole run (this process is started again under it) when it is too low
// for the server to hold every connection in one process.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ClientGroup } from "./burst/fleet.mjs";
import { probeLoop } from "./burst/probe.mjs";
import { envCount, optionsFromEnv, pick } from "./harness.mjs";
import { percentile, ratioCell } from "./load/latency.mjs";
import { listenOverflows } from "./load/netstat.mjs";
import { treeCpu } from "./load/process-tree.mjs";
import { probe, sleep, startServer, stopServer } from "./load/servers.mjs";
import { FD_SPARE, fileLimit, processesFor } from "./parking/client-processes.mjs";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const OURS = join(HERE, "http", "moonbridge-server.mjs");
const NODE = join(HERE, "http", "node-server.mjs");
const CLUSTER = "node:cluster ×2 (node:http)";
const SINGLE = "node:http, one process";

const args = process.argv.slice(2);
const quick = args.includes("--quick") || process.env.BENCH_QUICK === "1";
const IDLE = envCount("BENCH_IDLE", 5000);
const LORIS = envCount("BENCH_LORIS", 64);
const PROBE_MS = envCount("BENCH_PROBE_MS", quick ? 10_000 : 20_000);
const PER_PROCESS = envCount("BENCH_CLIENTS_PER_PROCESS", 2500);
const CONNECT_TIMEOUT_S = envCount("BENCH_CONNECT_TIMEOUT_S", 30);
const ANSWER_TIMEOUT_S = envCount("BENCH_ANSWER_TIMEOUT_S", 30);
const PROBE_INTERVAL_MS = 100;
const PROBE_TIMEOUT_MS = 10_000;
/** Variables that would configure our server away from its defaults. */
const NOT_DEFAULT = ["BENCH_MIN_FORK", "BENCH_PARKING", "BENCH_PARK_AFTER", "BENCH_KEEP_YOUNG"];

/**
 * @typedef {object} Entry
 * @property {string} name
 * @property {string} script
 * @property {Record<string, string>} env
 */

/** @type {Entry[]} */
const ENTRIES = [
  { name: "moonbridge (default options)", script: OURS, env: {} },
  ...(process.env.BENCH_BEFORE
    ? [
        {
          name: "before: moonbridge (default options)",
          script: OURS,
          env: { BENCH_MOONBRIDGE: process.env.BENCH_BEFORE },
        },
      ]
    : []),
  { name: CLUSTER, script: NODE, env: { BENCH_WORKERS: "2" } },
  // What one event loop accepting in a loop reaches on this machine: no pool, no isolation;
  // with our backlog, so that it shows accepting, not SYNs dropped and retried a second later.
  { name: SINGLE, script: NODE, env: { BENCH_WORKERS: "1", BENCH_BACKLOG: "4096" } },
];

/**
 * @typedef {object} Row
 * @property {string} name
 * @property {import("./burst/probe.mjs").ProbeResult} probes
 * @property {import("./load/client-process.mjs").Line} opened The idle connections once made.
 * @property {import("./load/client-process.mjs").Line} waited The idle connections after the probe, before their request.
 * @property {import("./load/client-process.mjs").Line} answered The idle connections after their request.
 * @property {import("./load/client-process.mjs").Line} loris The slow-loris clients at the end.
 * @property {number} cpuSeconds The server's process tree, from the start of the burst to the last answer.
 * @property {number | undefined} overflows The kernel's ListenOverflows meanwhile (the whole machine's).
 * @property {{ parkedMax?: number, parks?: number, workers?: number } | undefined} pool Ours: its last stats.
 */

/**
 * Makes sure the soft limit on open files lets the server hold `need`
 * descriptors: if it does not, runs this script again under a raised limit
 * (up to the hard one) and exits with its status.
 */
function ensureFileLimit(/** @type {number} */ need) {
  if (fileLimit() >= need) return;
  const hard = spawnSync("sh", ["-c", "ulimit -H -n"], { encoding: "utf8" }).stdout.trim();
  if (process.env.BENCH_FD_RAISED === "1" || (hard !== "unlimited" && Number(hard) < need))
    throw new Error(
      `ulimit -n is ${fileLimit()} (hard ${hard}): the server needs ${need} open files; lower BENCH_IDLE or raise the limit`,
    );
  console.error(`ulimit -n ${fileLimit()} is too low: running again under ulimit -S -n ${need}`);
  const again = spawnSync(
    "sh",
    [
      "-c",
      `ulimit -S -n ${need} && exec "$0" "$@"`,
      process.execPath,
      ...process.execArgv,
      ...process.argv.slice(1),
    ],
    { stdio: "inherit", env: { ...process.env, BENCH_FD_RAISED: "1" } },
  );
  process.exit(again.status ?? 1);
}

/** The pool's stats a server of ours last wrote, or undefined (a peer). */
function readStats(/** @type {string} */ file) {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * The burst against one server, started fresh and stopped at the end.
 * @param {Entry} entry
 * @param {string} dir
 * @param {number} limit The soft limit on open files.
 * @returns {Promise<Row>}
 */
async function burst(entry, dir, limit) {
  const stats = join(dir, `${entry.name.replace(/\W+/g, "-")}.stats`);
  const server = await startServer(
    entry.name,
    entry.script,
    { ...entry.env, BENCH_STATS_FILE: stats },
    process.env.BENCH_CPU_PROF
      ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
      : [],
  );
  const env = {
    BENCH_CONNECT_TIMEOUT_S: String(CONNECT_TIMEOUT_S),
    BENCH_ANSWER_TIMEOUT_S: String(ANSWER_TIMEOUT_S),
  };
  /** @type {ClientGroup[]} */
  const groups = [];
  try {
    const answer = await probe(server.port);
    if (answer.status !== "HTTP/1.1 200 OK" || answer.body !== "Hello World!\n")
      throw new Error(`${entry.name} answered ${JSON.stringify(answer)}`);
    const idle = new ClientGroup(
      server.port,
      IDLE,
      processesFor(IDLE, PER_PROCESS, limit),
      "idle",
      env,
    );
    groups.push(idle);
    const loris = new ClientGroup(server.port, LORIS, 1, "loris", env);
    groups.push(loris);
    await idle.next("ready", 10_000);
    await loris.next("ready", 10_000);
    await sleep(1000);
    const pid = /** @type {number} */ (server.child.pid);
    const cpuBefore = treeCpu(pid);
    const overflowsBefore = listenOverflows();
    console.error(
      `${entry.name}: ${LORIS} slow-loris and ${IDLE} idle connections at once, a probe every ${PROBE_INTERVAL_MS} ms for ${PROBE_MS / 1000} s`,
    );
    loris.send("start");
    idle.send("start");
    const probing = probeLoop(server.port, {
      durationMs: PROBE_MS,
      intervalMs: PROBE_INTERVAL_MS,
      timeoutMs: PROBE_TIMEOUT_MS,
    });
    const wait = (CONNECT_TIMEOUT_S + 10) * 1000;
    const opened = await idle.next("opened", wait);
    await loris.next("opened", wait);
    console.error(
      `  ${opened.open} of ${IDLE} idle connections made in ${opened.ms} ms; ${JSON.stringify(opened.failures)}`,
    );
    const probes = await probing;
    console.error(`  ${probes.latencies.length} of ${probes.sent} probes answered`);
    idle.send("status");
    const waited = await idle.next("status", 10_000);
    idle.send("request");
    const answered = await idle.next("answered", (ANSWER_TIMEOUT_S + 10) * 1000);
    console.error(`  ${answered.ok} of ${IDLE} idle connections answered in ${answered.ms} ms`);
    loris.send("status");
    const lorisStatus = await loris.next("status", 10_000);
    const cpuAfter = treeCpu(pid);
    const overflowsAfter = listenOverflows();
    await sleep(400); // the newest stats
    return {
      name: entry.name,
      probes,
      opened,
      waited,
      answered,
      loris: lorisStatus,
      cpuSeconds: cpuAfter.leader + cpuAfter.others - cpuBefore.leader - cpuBefore.others,
      overflows:
        overflowsBefore === undefined || overflowsAfter === undefined
          ? undefined
          : overflowsAfter - overflowsBefore,
      pool: readStats(stats),
    };
  } finally {
    await Promise.all(groups.map((g) => g.stop()));
    await stopServer(server);
  }
}

/** Milliseconds in a cell. */
const ms = (/** @type {number} */ value) => (Number.isNaN(value) ? "–" : `${value.toFixed(1)} ms`);

/** A failures object as "reason n, reason n", or "none". */
function reasons(/** @type {Record<string, number>} */ failures) {
  const list = Object.entries(failures).map(([reason, n]) => `${reason} ${n}`);
  return list.length === 0 ? "none" : list.join(", ");
}

/** @param {Row[]} rows */
function report(rows) {
  const stat = (/** @type {Row} */ r) => ({
    p50: percentile(r.probes.latencies, 50),
    p99: percentile(r.probes.latencies, 99),
    max: r.probes.latencies.length === 0 ? Number.NaN : Math.max(...r.probes.latencies),
  });
  const baseRow = rows.find((r) => r.name === CLUSTER);
  const base = baseRow === undefined ? undefined : stat(baseRow);
  console.log(
    `\n### Burst: ${LORIS} slow-loris and ${IDLE} idle connections at once; a probe every ${PROBE_INTERVAL_MS} ms for ${PROBE_MS / 1000} s\n`,
  );
  console.log(
    "| server | probe p50 | vs cluster | probe p99 | vs cluster | probe max | vs cluster | probe failures | idle: made in | reset | refused | other failures | answered at the end | in | slow-loris still open | server CPU s | kernel listen overflows |",
  );
  console.log(
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  );
  for (const r of rows) {
    const s = stat(r);
    const failures = /** @type {Record<string, number>} */ (r.answered.failures);
    const reset = failures.reset ?? 0;
    const refused = failures.refused ?? 0;
    const other = Object.values(failures).reduce((a, b) => a + b, 0) - reset - refused;
    const probeFailures = r.probes.sent - r.probes.latencies.length;
    const ok = r.answered.ok ?? 0;
    console.log(
      `| ${r.name} | ${ms(s.p50)} | ${ratioCell(s.p50, base?.p50)} | ${ms(s.p99)} | ${ratioCell(s.p99, base?.p99)} | ${ms(s.max)} | ${ratioCell(s.max, base?.max)} | ${probeFailures}/${r.probes.sent} | ${r.opened.ms} ms | ${reset} | ${refused} | ${other} | ${ok === IDLE ? `${ok}/${IDLE}` : `**${ok}/${IDLE}**`} | ${r.answered.ms} ms | ${r.loris.open}/${LORIS} | ${r.cpuSeconds.toFixed(2)} | ${r.overflows ?? "–"} |`,
    );
  }
  console.log("");
  for (const r of rows) {
    console.log(
      `- ${r.name}: probe failures: ${reasons(r.probes.failures)}; idle connections' failures: ${reasons(r.answered.failures)} (before their request: ${reasons(r.waited.failures)}); slow-loris clients' failures: ${reasons(r.loris.failures)}` +
        (r.pool === undefined
          ? "."
          : `; the pool parked ${r.pool.parks ?? "no"} connections, ${r.pool.parkedMax ?? "–"} at most at once, ${r.pool.workers} workers at the end.`),
    );
  }
  console.log(
    `\nNode ${process.version}; all on 127.0.0.1. Probe: a new connection and one \`GET /\` every ${PROBE_INTERVAL_MS} ms, timed from the connect call to the whole answer ` +
      `(nearest-rank percentiles of the answered ones; a probe unanswered after ${PROBE_TIMEOUT_MS / 1000} s fails). ` +
      `Idle connections: made in = until every connect call succeeded or failed (a made connection may still wait in the kernel's backlog); ` +
      "reset, refused and other failures over the whole run (other: closed by the server, unasked bytes, not made in time, a wrong or missing answer); " +
      `answered at the end = one \`GET /\` on each at once, answered within ${ANSWER_TIMEOUT_S} s. ` +
      "Slow-loris clients: a request head a byte a second, never ended. Server CPU: its process tree, from the burst to the last answer. " +
      "Kernel listen overflows: TcpExt ListenOverflows of /proc/net/netstat over the same time, the whole machine's: connections dropped because an accept queue was full.",
  );
}

async function main() {
  const set = NOT_DEFAULT.filter((name) => process.env[name] !== undefined);
  if (set.length > 0)
    throw new Error(`unset ${set.join(", ")}: this bench measures our server's default options`);
  ensureFileLimit(IDLE + LORIS + FD_SPARE);
  const limit = fileLimit();
  const entries = pick(ENTRIES, optionsFromEnv().only);
  if (entries.length === 0) throw new Error("BENCH_ONLY left no server");
  const dir = mkdtempSync(join(tmpdir(), "moon-burst-"));
  /** @type {Row[]} */
  const rows = [];
  try {
    for (const entry of entries) rows.push(await burst(entry, dir, limit));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  report(rows);
}

await main();
