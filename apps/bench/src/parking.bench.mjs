// Memory of idle keep-alive connections: 10,000 clients (in processes of
// their own, src/parking/clients.mjs) each send one `GET /` on a keep-alive
// connection to 127.0.0.1, read the answer and stay idle; then the server's
// memory is measured (RSS and PSS of the server's process and all its
// descendants, src/load/process-tree.mjs) and compared with its baseline from
// before any client connected; then every client sends a second request and
// the time until every second answer is read is measured, and every answer
// checked. Servers, one after the other: ours with default options (idle
// connections stay in their workers, without their turns), ours with maxFork
// 4 and parkAfter 1 s (idle connections parked in the supervisor), ours with
// maxFork 4 and `parking: false`, node:http in one process and node:cluster
// with 2 workers (keepAliveTimeout 65 s, our idleTimeout, rather than Node's
// 5 s).
//
//   node src/parking.bench.mjs           10,000 clients (BENCH_CLIENTS)
//   node src/parking.bench.mjs --quick   1,000 clients (or BENCH_QUICK=1)
// BENCH_ONLY (comma-separated substrings of server names) picks servers;
// BENCH_OFF_CLIENTS (default: as many as the others) the clients of ours with
// parking off; BENCH_MIN_FORK (default 4) our minFork; BENCH_PARK_AFTER the
// parkAfter (s) of the parking row (default 1);
// BENCH_CLIENTS_PER_PROCESS (default 5000); BENCH_FIRST_TIMEOUT_S and
// BENCH_SECOND_TIMEOUT_S (default 120 each, quick 60) the clients' deadlines.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { envCount, optionsFromEnv, pick } from "./harness.mjs";
import { parkingSupported } from "./load/parking.mjs";
import { formatKiB, formatMiB, quietTreeMemory, treeCpu } from "./load/process-tree.mjs";
import { probe, sleep, startServer, stopServer } from "./load/servers.mjs";
import { ClientFleet, FD_SPARE, fileLimit, processesFor } from "./parking/client-processes.mjs";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const OURS = join(HERE, "parking", "moonbridge-server.mjs");
const NODE = join(HERE, "http", "node-server.mjs");

const args = process.argv.slice(2);
const quick = args.includes("--quick") || process.env.BENCH_QUICK === "1";
const CLIENTS = envCount("BENCH_CLIENTS", quick ? 1000 : 10_000);
const OFF_CLIENTS = envCount("BENCH_OFF_CLIENTS", CLIENTS);
const PER_PROCESS = envCount("BENCH_CLIENTS_PER_PROCESS", 5000);
const FIRST_TIMEOUT_S = envCount("BENCH_FIRST_TIMEOUT_S", quick ? 60 : 120);
const SECOND_TIMEOUT_S = envCount("BENCH_SECOND_TIMEOUT_S", quick ? 60 : 120);
/** Ours with parking off: long enough for 4 clients to be served, far below the 65 s idleTimeout that would free a worker. */
const MAX_FORK = 4;
const MIN_FORK = envCount("BENCH_MIN_FORK", MAX_FORK);
const PARK_AFTER = process.env.BENCH_PARK_AFTER ?? "1";
/** How long to wait for the idle connections to be parked, beyond parkAfter. */
const PARK_WAIT_MS = 15_000;
/** Readings of one measurement spreading over this many bytes are said so under the table. */
const SPREAD_NOTE = 2 << 20;
/** TARGET: bytes of PSS per parked connection. */
const TARGET = 20_000;

/**
 * @typedef {object} Entry
 * @property {string} name
 * @property {string} script
 * @property {Record<string, string>} env
 * @property {number} clients
 * @property {number} firstTimeoutS
 * @property {boolean} ours Writes pool stats (our supervisor).
 * @property {boolean} parks Expected to park its idle connections.
 * @property {string} [note]
 */

const supported = parkingSupported();
const oursEnv = {
  BENCH_MAX_FORK: String(MAX_FORK),
  BENCH_MIN_FORK: String(MIN_FORK),
  BENCH_PARK_AFTER: PARK_AFTER,
};
/** @type {Entry[]} */
const ENTRIES = [
  {
    name: "moonbridge (default options)",
    script: OURS,
    env: { BENCH_DEFAULTS: "1" },
    clients: CLIENTS,
    firstTimeoutS: FIRST_TIMEOUT_S,
    ours: true,
    parks: false,
  },
  supported
    ? {
        name: `moonbridge (maxFork ${MAX_FORK}, minFork ${MIN_FORK}, parkAfter ${PARK_AFTER} s)`,
        script: OURS,
        env: { ...oursEnv, BENCH_PARKING: "1" },
        clients: CLIENTS,
        firstTimeoutS: FIRST_TIMEOUT_S,
        ours: true,
        parks: true,
      }
    : {
        name: `moonbridge (maxFork ${MAX_FORK}, minFork ${MIN_FORK}; this build has no parking)`,
        script: OURS,
        env: oursEnv,
        clients: CLIENTS,
        firstTimeoutS: FIRST_TIMEOUT_S,
        ours: true,
        parks: false,
        note: "this build rejects the `parking` option: every idle connection holds a worker, so clients beyond maxFork starve",
      },
  ...(supported
    ? [
        {
          name: `moonbridge (maxFork ${MAX_FORK}, minFork ${MIN_FORK}, parking off)`,
          script: OURS,
          env: { ...oursEnv, BENCH_PARKING: "0" },
          clients: OFF_CLIENTS,
          firstTimeoutS: FIRST_TIMEOUT_S,
          ours: true,
          parks: false,
          note: "with parking off idle connections stay in their workers (each holds many, without its turn), as with the default options",
        },
      ]
    : []),
  {
    name: "node:http ×1",
    script: NODE,
    env: { BENCH_WORKERS: "1", BENCH_KEEPALIVE_S: "65" },
    clients: CLIENTS,
    firstTimeoutS: FIRST_TIMEOUT_S,
    ours: false,
    parks: false,
  },
  {
    name: "node:cluster ×2 (node:http)",
    script: NODE,
    env: { BENCH_WORKERS: "2", BENCH_KEEPALIVE_S: "65" },
    clients: CLIENTS,
    firstTimeoutS: FIRST_TIMEOUT_S,
    ours: false,
    parks: false,
  },
];

/**
 * @typedef {object} Stats Our pool.stats() as the supervisor last wrote it.
 * @property {number} workers
 * @property {number} idle
 * @property {number} busy
 * @property {number} served
 * @property {number} [parked]
 * @property {number} [waiting] Of the parked, those whose client sent bytes and that wait for a worker.
 * @property {number} [parkedMax]
 * @property {number} [parks]
 * @property {number} [resumes]
 */

/**
 * @typedef {object} Row
 * @property {Entry} entry
 * @property {import("./load/process-tree.mjs").TreeMemory} baseline
 * @property {import("./load/process-tree.mjs").TreeMemory} loaded
 * @property {number} open Idle connections open when memory was measured.
 * @property {number} firstMs Time to get every first answer (or to the deadline).
 * @property {number} secondMs Time from the second requests to the last second answer.
 * @property {number} secondOk
 * @property {Record<string, number>} failures
 * @property {Stats | undefined} idleStats Pool stats when memory was measured.
 * @property {Stats | undefined} endStats Pool stats after the second answers.
 * @property {{ leader: number, others: number }} firstCpu Server CPU seconds from "start" to the last first answer.
 * @property {{ leader: number, others: number }} secondCpu Server CPU seconds from "second" to the last second answer.
 */

/** CPU seconds between two treeCpu() readings. */
const cpuSince = (
  /** @type {{ leader: number, others: number }} */ a,
  /** @type {{ leader: number, others: number }} */ b,
) => ({ leader: b.leader - a.leader, others: b.others - a.others });

/** The stats file our supervisor writes, read; undefined until there is one. */
function readStats(/** @type {string} */ file) {
  try {
    return /** @type {Stats} */ (JSON.parse(readFileSync(file, "utf8")));
  } catch {
    return undefined;
  }
}

/** Waits until `test(stats)` holds or `ms` pass; @returns the last stats read. */
async function waitStats(
  /** @type {string} */ file,
  /** @type {(s: Stats) => boolean} */ test,
  /** @type {number} */ ms,
) {
  const deadline = Date.now() + ms;
  for (;;) {
    const stats = readStats(file);
    if ((stats !== undefined && test(stats)) || Date.now() > deadline) return stats;
    await sleep(100);
  }
}

/** /proc/loadavg's three load averages. */
const loadAverage = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(", ");

/** One server: start, baseline, idle clients, memory, second requests, stop. */
async function measure(
  /** @type {Entry} */ entry,
  /** @type {string} */ dir,
  /** @type {number} */ limit,
) {
  const statsFile = join(dir, `${entry.name.replace(/\W+/g, "_")}.stats.json`);
  console.error(`${entry.name}: ${entry.clients} clients`);
  const server = await startServer(entry.name, entry.script, {
    ...entry.env,
    ...(entry.ours ? { BENCH_STATS_FILE: statsFile } : {}),
  });
  /** @type {ClientFleet | undefined} */
  let fleet;
  try {
    const answer = await probe(server.port);
    if (answer.status !== "HTTP/1.1 200 OK" || answer.body !== "Hello World!\n")
      throw new Error(`${entry.name} answered ${JSON.stringify(answer)}`);
    if (entry.ours) await waitStats(statsFile, (s) => s.idle >= MIN_FORK, 5000);
    // The client processes start before the baseline (they connect only on
    // "start"): they share the node binary's pages with the server, and PSS
    // divides shared pages among the processes that map them.
    const processes = processesFor(entry.clients, PER_PROCESS, limit);
    fleet = new ClientFleet(server.port, entry.clients, processes, {
      BENCH_FIRST_TIMEOUT_S: String(entry.firstTimeoutS),
      BENCH_SECOND_TIMEOUT_S: String(SECOND_TIMEOUT_S),
    });
    await fleet.next("ready", 10_000);
    const baseline = await quietTreeMemory(/** @type {number} */ (server.child.pid));
    const pid = /** @type {number} */ (server.child.pid);
    const cpu0 = treeCpu(pid);
    fleet.send("start");
    const idle = await fleet.next("idle", (entry.firstTimeoutS + 30) * 1000);
    const firstCpu = cpuSince(cpu0, treeCpu(pid));
    console.error(
      `  all settled in ${(idle.ms / 1000).toFixed(1)} s: ${idle.open} idle and open (${processes} client processes)`,
    );
    if (entry.parks) {
      const parkAfterMs = Number(PARK_AFTER) * 1000;
      const stats = await waitStats(
        statsFile,
        (s) => (s.parked ?? 0) >= idle.open,
        parkAfterMs + PARK_WAIT_MS,
      );
      console.error(`  parked: ${stats?.parked} of ${idle.open}`);
    }
    const loaded = await quietTreeMemory(/** @type {number} */ (server.child.pid));
    const idleStats = entry.ours ? readStats(statsFile) : undefined;
    fleet.send("status"); // after the measurement: connections closed during it are not counted
    const open = (await fleet.next("status", 10_000)).open;

    const cpu1 = treeCpu(pid);
    const start = Date.now();
    fleet.send("second");
    const second = await fleet.next("second", (SECOND_TIMEOUT_S + 30) * 1000);
    const secondMs = Date.now() - start;
    const secondCpu = cpuSince(cpu1, treeCpu(pid));
    await sleep(500); // the stats file is rewritten every 200 ms
    const endStats = entry.ours ? readStats(statsFile) : undefined;
    console.error(
      `  second answers: ${second.ok} of ${second.sent} in ${(secondMs / 1000).toFixed(2)} s`,
    );
    return /** @type {Row} */ ({
      entry,
      baseline,
      loaded,
      open,
      firstMs: idle.ms,
      secondMs,
      secondOk: second.ok,
      failures: second.failures,
      idleStats,
      endStats,
      firstCpu,
      secondCpu,
    });
  } finally {
    await fleet?.stop();
    await stopServer(server);
  }
}

/** Sum of the failure counts. */
const failed = (/** @type {Row} */ row) => Object.values(row.failures).reduce((a, b) => a + b, 0);
/** (with clients - baseline) / idle connections, in bytes; NaN without any. */
const perConnection = (/** @type {Row} */ row, /** @type {"rss" | "pss"} */ kind) =>
  (row.loaded[kind] - row.baseline[kind]) / row.open;
/** Fewer idle connections than this make a per-connection figure noise (the baseline moves by MiBs). */
const FEW = 100;
/** The per-connection figure as KiB, or "–" for too few connections. */
const perConnectionText = (/** @type {Row} */ row, /** @type {"rss" | "pss"} */ kind) =>
  row.open >= FEW ? formatKiB(perConnection(row, kind)) : "–";
/** A change of memory in MiB with its sign. */
const deltaMiB = (/** @type {number} */ bytes) => `${bytes >= 0 ? "+" : ""}${formatMiB(bytes)}`;
/** CPU seconds of leader / descendants. */
const cpuText = (/** @type {{ leader: number, others: number }} */ c) =>
  `${c.leader.toFixed(2)} / ${c.others.toFixed(2)} s`;

function report(/** @type {Row[]} */ rows) {
  console.log("\n### Idle keep-alive connections: server memory and a second request on each\n");
  console.log(
    "| server | clients | idle & open at measurement | processes | RSS total (baseline) | PSS total (baseline) | RSS per idle connection | PSS per idle connection | all first answers | all second answers | failures |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const row of rows) {
    const f = failed(row);
    console.log(
      `| ${row.entry.name} | ${row.entry.clients.toLocaleString("en-US")} | ${row.open.toLocaleString("en-US")} | ${row.loaded.pids.length} (${row.baseline.pids.length}) | ` +
        `${formatMiB(row.loaded.rss)} (${formatMiB(row.baseline.rss)}) | ${formatMiB(row.loaded.pss)} (${formatMiB(row.baseline.pss)}) | ` +
        `${perConnectionText(row, "rss")} | ${perConnectionText(row, "pss")} | ` +
        `${(row.firstMs / 1000).toFixed(2)} s | ${(row.secondMs / 1000).toFixed(2)} s | ${f === 0 ? "0" : `**${f}**`} |`,
    );
  }
  console.log("\n#### Where the memory and the CPU time go\n");
  console.log(
    "| server | PSS change of the leader (supervisor, primary) | PSS change of its descendants (workers) | CPU during the first requests (leader / descendants) | CPU during the second requests (leader / descendants) |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: |");
  for (const row of rows) {
    const leader = row.loaded.leader.pss - row.baseline.leader.pss;
    const others = row.loaded.pss - row.baseline.pss - leader;
    console.log(
      `| ${row.entry.name} | ${deltaMiB(leader)} | ${row.loaded.pids.length > 1 ? deltaMiB(others) : "–"} | ${cpuText(row.firstCpu)} | ${cpuText(row.secondCpu)} |`,
    );
  }
  const ours = rows.filter((r) => r.entry.ours);
  if (ours.length > 0) {
    console.log("\n#### Our pool's stats\n");
    console.log(
      "| server | workers | parked at measurement (waiting) | parkedMax | parks | resumes | served | parked after the second answers |",
    );
    console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (const row of ours) {
      const i = row.idleStats;
      const e = row.endStats;
      const v = (/** @type {number | undefined} */ n) => (n === undefined ? "–" : String(n));
      console.log(
        `| ${row.entry.name} | ${v(i?.workers)} | ${v(i?.parked)} (${v(i?.waiting)}) | ${v(e?.parkedMax)} | ${v(e?.parks)} | ${v(e?.resumes)} | ${v(e?.served)} | ${v(e?.parked)} |`,
      );
    }
  }
  console.log("");
  for (const row of rows) {
    const f = failed(row);
    if (f > 0) {
      const reasons = Object.entries(row.failures)
        .map(([reason, n]) => `${reason} ×${n}`)
        .join("; ");
      console.log(
        `- **${row.entry.name}: ${f} of ${row.entry.clients} clients FAILED** (${reasons})`,
      );
    }
    for (const [what, m] of /** @type {const} */ ([
      ["baseline readings", row.baseline],
      ["readings with the clients", row.loaded],
    ])) {
      const moved = Math.max(m.spread?.rss ?? 0, m.spread?.pss ?? 0);
      if (moved >= SPREAD_NOTE)
        console.log(
          `- ${row.entry.name}: the ${what} spread over ${formatMiB(moved)} (RSS ${formatMiB(m.spread?.rss ?? 0)}, PSS ${formatMiB(m.spread?.pss ?? 0)}): the medians are given.`,
        );
    }
    if (row.open > 0 && row.open < FEW)
      console.log(
        `- ${row.entry.name}: no figure per connection: ${row.open} connections are below the noise of the baseline.`,
      );
    if (row.entry.note !== undefined) console.log(`- ${row.entry.name}: ${row.entry.note}.`);
    if (row.entry.parks) {
      const pss = perConnection(row, "pss");
      console.log(
        `- ${row.entry.name}: target (under ${TARGET.toLocaleString("en-US")} bytes of PSS per parked connection, every client answered): ` +
          `${pss < TARGET && f === 0 ? "met" : "**not met**"} (${Math.round(pss).toLocaleString("en-US")} bytes, ${f} failures).`,
      );
      for (const problem of statsProblems(row)) console.log(`- ${row.entry.name}: **${problem}**`);
    }
  }
  console.log(
    `\nNode ${process.version}, ${cpus().length} CPUs; per idle connection = (total with the clients idle - the server's baseline before any client) / idle connections open; ` +
      `RSS and PSS from /proc/PID/smaps_rollup, summed over the server's process and its descendants; kernel socket buffers are not in either. ` +
      `Time of the second answers: from the bench's "second" command to the last client process's report.`,
  );
}

/** What in our pool stats does not add up with what the clients saw. */
function statsProblems(/** @type {Row} */ row) {
  const problems = [];
  const i = row.idleStats;
  const e = row.endStats;
  if (i?.parked === undefined || e?.parks === undefined || e.resumes === undefined)
    return ["pool stats have no parked, parks or resumes"];
  if (i.parked !== row.open)
    problems.push(`${i.parked} parked at measurement, but ${row.open} connections idle and open`);
  if ((e.parkedMax ?? 0) < i.parked) problems.push(`parkedMax ${e.parkedMax} < parked ${i.parked}`);
  if (e.parks < i.parked) problems.push(`parks ${e.parks} < parked ${i.parked}`);
  if (e.resumes < row.secondOk && i.parked === row.open)
    problems.push(`resumes ${e.resumes} < second answers ${row.secondOk} of parked connections`);
  if (e.resumes > e.parks) problems.push(`resumes ${e.resumes} > parks ${e.parks}`);
  return problems;
}

async function bench() {
  const limit = fileLimit();
  const entries = pick(ENTRIES, optionsFromEnv().only);
  const most = Math.max(...entries.map((e) => e.clients));
  if (most + FD_SPARE > limit)
    throw new Error(
      `ulimit -n is ${limit}: a server holding ${most} connections in one process needs ${most + FD_SPARE} (lower BENCH_CLIENTS or raise the limit)`,
    );
  const started = loadAverage();
  console.error(
    `ulimit -n ${limit}; load average ${started}; our build ${supported ? "parks" : "has no parking"}`,
  );
  const dir = mkdtempSync(join(tmpdir(), "moon-parkbench-"));
  /** @type {Row[]} */
  const rows = [];
  try {
    for (const entry of entries) rows.push(await measure(entry, dir, limit));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  report(rows);
  console.log(
    `Load average (1, 5, 15 min) at the start: ${started}; at the end: ${loadAverage()}.`,
  );
}

await bench();
