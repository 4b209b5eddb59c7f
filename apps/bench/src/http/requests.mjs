// bench:http's default run ("serve requests, not connections"): the
// hello-world app (status 200, text/plain, "Hello World!\n") under wrk on
// 127.0.0.1, ours with DEFAULT options (listen() and http.generateHandler()
// with no option but the listener, as `moonbridge app.mjs` runs a plain app)
// against node:http in node:cluster with 2 workers, in one run, every figure
// also a ratio to node:cluster's. Loads: keep-alive with 32 and with 256
// connections, `Connection: close` with 32. wrk says nothing of a connection
// it never got an answer on, so each server counts the requests of every
// connection (src/load/counts.mjs) and the tables say how many of wrk's
// connections were answered, round by round.
//
// Steady state: every server runs for the whole section, each load is first
// run once unmeasured on each (BENCH_WARMUP_MS), then the rounds take turns,
// round by round, load by load, server by server (a server idles for one run
// between two of its own); per round and server: req/s, p99 latency,
// answered connections, and the CPU time of the server's whole process tree
// (src/load/process-tree.mjs) per request. Figures are medians of the rounds.
// Cold start: each round, each server is started fresh and, as soon as it
// accepts (within 2 s, or the table says it did not), takes keep-alive 256;
// answered connections and req/s.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { envCount, formatRate, median, optionsFromEnv, pick } from "../harness.mjs";
import { answeredOf, CountsFile } from "../load/counts.mjs";
import { ratioCell } from "../load/latency.mjs";
import { treeCpuDuring } from "../load/process-tree.mjs";
import { probe, startServer, stopServer } from "../load/servers.mjs";
import { checkWrk, WRK_TIMEOUT, wrk } from "../load/wrk.mjs";

/** @typedef {import("../load/wrk.mjs").WrkResult} WrkResult */
/** @typedef {import("../load/counts.mjs").Answered} Answered */
/** @typedef {import("../load/servers.mjs").Server} Server */

const HERE = fileURLToPath(new URL(".", import.meta.url));
const OURS = join(HERE, "moonbridge-server.mjs");
const NODE = join(HERE, "node-server.mjs");
const CLUSTER = "node:cluster ×2 (node:http)";
/** Longest a fresh server may take to accept in the cold-start section, in milliseconds. */
const COLD_START_LIMIT_MS = 2000;
/** Variables that would configure our server away from its defaults. */
const NOT_DEFAULT = ["BENCH_MIN_FORK", "BENCH_PARKING", "BENCH_PARK_AFTER", "BENCH_KEEP_YOUNG"];

/**
 * @typedef {object} Load
 * @property {string} name
 * @property {number} connections wrk's -c.
 * @property {boolean} keepAlive Whether answered connections are counted (with `Connection: close` each request is a connection of its own).
 * @property {string[]} args wrk's arguments.
 */

/** @returns {Load} */
function load(/** @type {boolean} */ keepAlive, /** @type {number} */ connections) {
  const args = ["-t1", `-c${connections}`, "--latency", "--timeout", WRK_TIMEOUT];
  if (!keepAlive) args.push("-H", "Connection: close");
  const name = `${keepAlive ? "keep-alive" : "Connection: close"}, ${connections} connections`;
  return { name, connections, keepAlive, args };
}

const LOADS = [load(true, 32), load(true, 256), load(false, 32)];
const COLD_LOAD = load(true, 256);

/**
 * @typedef {object} Entry
 * @property {string} name
 * @property {string} script
 * @property {Record<string, string>} env
 */

/** @returns {Entry[]} */
function entries() {
  const before = process.env.BENCH_BEFORE;
  return [
    { name: "moonbridge (default options)", script: OURS, env: {} },
    ...(before
      ? [
          {
            name: "before: moonbridge (default options)",
            script: OURS,
            env: { BENCH_MOONBRIDGE: before },
          },
        ]
      : []),
    { name: CLUSTER, script: NODE, env: { BENCH_WORKERS: "2" } },
    {
      name: "reference: our HTTP stack on node:cluster ×2 (no isolation)",
      script: NODE,
      env: { BENCH_WORKERS: "2", BENCH_STACK: "moonbridge" },
    },
  ];
}

/**
 * @typedef {object} Run
 * @property {WrkResult} wrk
 * @property {Answered | undefined} answered Keep-alive only.
 * @property {number} cpuUs CPU microseconds of the server's process tree per request.
 * @property {number} [startMs] Cold start: from spawning the server to its port on stdout.
 */

/** A non-negative number of milliseconds from the variable `name`, or `fallback`. */
function envMs(/** @type {string} */ name, /** @type {number} */ fallback) {
  const raw = process.env[name];
  const value = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`${name} must be a non-negative number of milliseconds, got "${raw}"`);
  return value;
}

/**
 * One wrk run of `load` against `server`, with the CPU time of its process
 * tree meanwhile and, with keep-alive, the connections it answered.
 * @param {Server} server
 * @param {CountsFile} counts
 * @param {Load} load
 * @param {number} ms
 * @returns {Promise<Run>}
 */
async function measure(server, counts, load, ms) {
  counts.skip();
  const pid = /** @type {number} */ (server.child.pid);
  const { value, seconds } = await treeCpuDuring(pid, () => wrk(server.port, ms, load.args));
  /** @type {Answered | undefined} */
  let answered;
  // wrk opens one more connection than -c, first, to check the address: no request on it.
  if (load.keepAlive) answered = answeredOf(await counts.take(load.connections + 1));
  else counts.skip();
  return { wrk: value, answered, cpuUs: (seconds * 1e6) / Math.max(1, value.requests) };
}

/**
 * Starts `entry` with a counts file in `dir` and checks its answer.
 * @param {Entry} entry
 * @param {string} dir
 * @param {string} tag
 */
async function start(entry, dir, tag) {
  const counts = new CountsFile(join(dir, `${tag}.counts`));
  const stats = join(dir, `${tag}.stats`);
  const began = performance.now();
  const server = await startServer(entry.name, entry.script, {
    ...entry.env,
    BENCH_COUNTS_FILE: counts.path,
    BENCH_STATS_FILE: stats,
  });
  return { entry, server, counts, stats, startMs: performance.now() - began };
}

/**
 * The whole run: steady state, then cold start; tables on stdout, progress on stderr.
 * @param {{ quick: boolean }} options
 */
export async function runRequests({ quick }) {
  checkWrk();
  const set = NOT_DEFAULT.filter((name) => process.env[name] !== undefined);
  if (set.length > 0)
    throw new Error(`unset ${set.join(", ")}: this run measures our server's default options`);
  const rounds = envCount("BENCH_ROUNDS", quick ? 2 : 3);
  const timeMs = envMs("BENCH_TIME_MS", quick ? 3000 : 5000);
  const warmupMs = envMs("BENCH_WARMUP_MS", quick ? 2000 : 5000);
  const coldMs = envMs("BENCH_COLD_MS", 5000);
  const picked = pick(entries(), optionsFromEnv().only);
  if (picked.length === 0) throw new Error("BENCH_ONLY left no server");
  const dir = mkdtempSync(join(tmpdir(), "moon-requests-"));
  /** @type {Map<string, Map<string, Run[]>>} load name, then server name */
  const steady = new Map(LOADS.map((l) => [l.name, new Map(picked.map((e) => [e.name, []]))]));
  /** @type {Map<string, Run[]>} */
  const cold = new Map(picked.map((e) => [e.name, []]));
  /** @type {Awaited<ReturnType<typeof start>>[]} */
  const running = [];
  /** @type {string[]} */
  const poolNotes = [];
  try {
    for (const entry of picked) {
      const s = await start(entry, dir, `steady-${running.length}`);
      running.push(s);
      const answer = await probe(s.server.port);
      if (answer.status !== "HTTP/1.1 200 OK" || answer.body !== "Hello World!\n")
        throw new Error(`${entry.name} answered ${JSON.stringify(answer)}`);
      await s.counts.take(1); // the probe's line, not to be taken for the first run's
    }
    if (warmupMs > 0) {
      console.error(`warm-up: each load once on each server, ${warmupMs / 1000} s`);
      for (const l of LOADS)
        for (const s of running) await measure(s.server, s.counts, l, warmupMs);
    }
    for (let round = 1; round <= rounds; round++) {
      for (const l of LOADS) {
        for (const s of running) {
          const run = await measure(s.server, s.counts, l, timeMs);
          steady.get(l.name)?.get(s.entry.name)?.push(run);
          console.error(`round ${round}, ${l.name}, ${s.entry.name}: ${describe(run, l)}`);
        }
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 400)); // the newest stats
    for (const s of running) {
      const pool = readStats(s.stats);
      if (pool !== undefined)
        poolNotes.push(
          `${s.entry.name}: ${pool.parks ?? "no"} connections parked and ${pool.resumes ?? "no"} resumed over the steady-state section (warm-up included), ${pool.parkedMax ?? "–"} parked at most, ${pool.workers} workers at the end.`,
        );
    }
    await Promise.all(running.splice(0).map((s) => stopServer(s.server)));
    for (let round = 1; round <= rounds; round++) {
      for (const [i, entry] of picked.entries()) {
        const s = await start(entry, dir, `cold-${round}-${i}`);
        running.push(s);
        const run = await measure(s.server, s.counts, COLD_LOAD, coldMs);
        run.startMs = s.startMs;
        cold.get(entry.name)?.push(run);
        console.error(`cold start ${round}, ${entry.name}: ${describe(run, COLD_LOAD)}`);
        await Promise.all(running.splice(0).map((x) => stopServer(x.server)));
      }
    }
  } finally {
    await Promise.all(running.map((s) => stopServer(s.server)));
    rmSync(dir, { recursive: true, force: true });
  }
  reportSteady(steady, picked, rounds, timeMs, warmupMs);
  for (const note of poolNotes) console.log(`\n${note}`);
  reportCold(cold, picked, coldMs);
}

/** One run in a progress line. */
function describe(/** @type {Run} */ run, /** @type {Load} */ l) {
  const a = run.answered;
  const answered =
    a === undefined
      ? ""
      : `, ${a.answered}/${l.connections} answered (${a.seen} connections seen, fewest requests on an answered one ${a.fewest})`;
  const start = run.startMs === undefined ? "" : `started in ${Math.round(run.startMs)} ms, `;
  return `${start}${formatRate(run.wrk.rate)} req/s, p99 ${ms(run.wrk.latency?.p99)}${answered}, ${run.cpuUs.toFixed(1)} µs CPU/req`;
}

/** Milliseconds in a cell. */
function ms(/** @type {number | undefined} */ value) {
  return value === undefined || Number.isNaN(value) ? "–" : `${value.toFixed(2)} ms`;
}

/** The fewest answered connections of `runs` as "a/c", bold unless every connection of every round was answered. */
function fewestCell(/** @type {Run[]} */ runs, /** @type {number} */ connections) {
  const answered = runs.flatMap((r) => (r.answered === undefined ? [] : [r.answered.answered]));
  if (answered.length === 0) return "–";
  const fewest = Math.min(...answered);
  return fewest >= connections ? `${fewest}/${connections}` : `**${fewest}/${connections}**`;
}

/** "†" when a round left connections unanswered: its p99 is that of the answered ones only. */
function starved(/** @type {Run[]} */ runs, /** @type {number} */ connections) {
  return runs.some((r) => r.answered !== undefined && r.answered.answered < connections)
    ? " †"
    : "";
}

/** The note under a table with a "†". */
const STARVED_NOTE =
  "†: in some round not every connection was answered; wrk measures latency on answered requests only, so this p99 leaves out the connections that waited for nothing.";

/** wrk's socket errors over `runs`, "connect/read/write/timeout", and the non-2xx answers. */
function errorCells(/** @type {Run[]} */ runs) {
  const e = { connect: 0, read: 0, write: 0, timeout: 0, non2xx: 0 };
  for (const { wrk: w } of runs) {
    e.connect += w.errors.connect;
    e.read += w.errors.read;
    e.write += w.errors.write;
    e.timeout += w.errors.timeout;
    e.non2xx += w.non2xx;
  }
  return `${e.connect}/${e.read}/${e.write}/${e.timeout} | ${e.non2xx}`;
}

/** Medians of one server's runs. */
function medians(/** @type {Run[]} */ runs) {
  return {
    rate: median(runs.map((r) => r.wrk.rate)),
    p99: median(runs.map((r) => r.wrk.latency?.p99 ?? Number.NaN)),
    cpuUs: median(runs.map((r) => r.cpuUs)),
  };
}

/**
 * @param {Map<string, Map<string, Run[]>>} steady
 * @param {Entry[]} picked
 * @param {number} rounds
 * @param {number} timeMs
 * @param {number} warmupMs
 */
function reportSteady(steady, picked, rounds, timeMs, warmupMs) {
  console.log(
    `\n### Steady state: medians of ${rounds} rounds of ${timeMs / 1000} s, ratios to ${CLUSTER}\n`,
  );
  console.log(
    "| load | server | req/s | vs cluster | p99 | vs cluster | CPU µs/req | vs cluster | answered (fewest in a round) | wrk errors c/r/w/t | non-2xx |",
  );
  console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const l of LOADS) {
    const byServer = /** @type {Map<string, Run[]>} */ (steady.get(l.name));
    const base = byServer.has(CLUSTER) ? medians(byServer.get(CLUSTER) ?? []) : undefined;
    for (const entry of picked) {
      const runs = byServer.get(entry.name) ?? [];
      const m = medians(runs);
      console.log(
        `| ${l.name} | ${entry.name} | ${formatRate(m.rate)} | ${ratioCell(m.rate, base?.rate)} | ${ms(m.p99)}${starved(runs, l.connections)} | ${ratioCell(m.p99, base?.p99)} | ${m.cpuUs.toFixed(1)} | ${ratioCell(m.cpuUs, base?.cpuUs)} | ${fewestCell(runs, l.connections)} | ${errorCells(runs)} |`,
      );
    }
  }
  console.log(`\n${STARVED_NOTE}`);
  console.log("\n### Answered connections per round (req/s, p99)\n");
  const roundHeads = Array.from({ length: rounds }, (_, i) => `round ${i + 1}`);
  console.log(`| load | server | ${roundHeads.join(" | ")} |`);
  console.log(`| --- | --- | ${roundHeads.map(() => "---:").join(" | ")} |`);
  for (const l of LOADS) {
    const byServer = /** @type {Map<string, Run[]>} */ (steady.get(l.name));
    for (const entry of picked) {
      const cells = (byServer.get(entry.name) ?? []).map((r) => roundCell(r, l.connections));
      console.log(`| ${l.name} | ${entry.name} | ${cells.join(" | ")} |`);
    }
  }
  console.log(
    `\nNode ${process.version}; wrk -t1 -cN --latency --timeout ${WRK_TIMEOUT} on 127.0.0.1; after a warm-up of ${warmupMs / 1000} s per load and server, ` +
      `${rounds} rounds, interleaved load by load and server by server. p99: median of the rounds' p99 (wrk's histogram, replies within ${WRK_TIMEOUT}); ` +
      "CPU: user + system time of the server's process and all its descendants during the run (/proc), per request wrk counted; " +
      "answered: wrk's connections that carried at least one request, counted by the server (wrk's address check, one more connection without a request, left out).",
  );
}

/** One run in a per-round cell: "a/c (rate, p99)"; with `Connection: close` no count. */
function roundCell(/** @type {Run} */ run, /** @type {number} */ connections) {
  const rate = `${formatRate(run.wrk.rate)}/s, ${ms(run.wrk.latency?.p99)}`;
  if (run.answered === undefined) return rate;
  const a = `${run.answered.answered}/${connections}`;
  return `${run.answered.answered >= connections ? a : `**${a}**`} (${rate})`;
}

/**
 * @param {Map<string, Run[]>} cold
 * @param {Entry[]} picked
 * @param {number} coldMs
 */
function reportCold(cold, picked, coldMs) {
  const base = cold.has(CLUSTER) ? medians(cold.get(CLUSTER) ?? []) : undefined;
  console.log(
    `\n### Cold start: ${COLD_LOAD.name} for ${coldMs / 1000} s as soon as a fresh server accepts\n`,
  );
  console.log(
    "| server | started in (slowest) | answered (fewest in a round) | req/s | vs cluster | p99 | vs cluster | wrk errors c/r/w/t | non-2xx |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const entry of picked) {
    const runs = cold.get(entry.name) ?? [];
    const m = medians(runs);
    const slowest = Math.max(...runs.map((r) => r.startMs ?? Number.NaN));
    const started = `${Math.round(median(runs.map((r) => r.startMs ?? Number.NaN)))} ms (${Math.round(slowest)} ms${slowest > COLD_START_LIMIT_MS ? ", **over 2 s**" : ""})`;
    console.log(
      `| ${entry.name} | ${started} | ${fewestCell(runs, COLD_LOAD.connections)} | ${formatRate(m.rate)} | ${ratioCell(m.rate, base?.rate)} | ${ms(m.p99)}${starved(runs, COLD_LOAD.connections)} | ${ratioCell(m.p99, base?.p99)} | ${errorCells(runs)} |`,
    );
  }
  console.log(`\n${STARVED_NOTE}`);
  console.log("\nPer round (started in; answered; req/s; p99):");
  for (const entry of picked) {
    const runs = cold.get(entry.name) ?? [];
    console.log(
      `- ${entry.name}: ${runs.map((r) => `${Math.round(r.startMs ?? Number.NaN)} ms; ${roundCell(r, COLD_LOAD.connections)}`).join(" · ")}`,
    );
  }
  console.log(
    "\nStarted in: from spawning the server to its port on stdout (ours: once its first worker accepts; node:cluster: once both workers listen); the load starts then.",
  );
}

/**
 * The pool's stats a server of ours last wrote, or undefined (a peer).
 * @param {string} file
 * @returns {{ parks?: number, resumes?: number, parkedMax?: number, workers?: number } | undefined}
 */
function readStats(file) {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}
