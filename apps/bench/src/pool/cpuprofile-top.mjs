// Reads V8 .cpuprofile files (as `node --cpu-prof` writes them) and sums self
// time per function (name + url:line): the summary pool.bench.mjs --profile
// prints for the supervisor and one worker. Also a CLI:
//   node src/pool/cpuprofile-top.mjs FILE.cpuprofile [N]
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * @typedef {object} CpuProfile
 * @property {{ id: number, callFrame: { functionName: string, url: string, lineNumber: number } }[]} nodes
 * @property {number} startTime Microseconds.
 * @property {number} endTime Microseconds.
 * @property {number[]} [samples] Node ids, one per sample.
 * @property {number[]} [timeDeltas] Microseconds before each sample.
 */

/**
 * @typedef {object} SelfTime
 * @property {string} name Function name and where it is ("(program)", "(idle)" and "(garbage collector)" as V8 names them).
 * @property {number} ms Self time in milliseconds.
 */

/**
 * Self time per function, largest first. A sample lasts until the next one
 * (as DevTools counts it); the last one is given the mean interval.
 * @param {CpuProfile} profile
 * @returns {{ totalMs: number, idleMs: number, functions: SelfTime[] }}
 */
export function selfTimes(profile) {
  /** @type {Map<number, string>} */
  const names = new Map();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url === "" ? "" : ` ${shorten(url)}:${lineNumber + 1}`;
    names.set(node.id, `${functionName || "(anonymous)"}${where}`);
  }
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const mean = samples.length > 0 ? (profile.endTime - profile.startTime) / samples.length : 0;
  /** @type {Map<string, number>} */
  const byName = new Map();
  let totalUs = 0;
  for (let i = 0; i < samples.length; i++) {
    const us = i + 1 < deltas.length ? Math.max(0, deltas[i + 1] ?? 0) : mean;
    const name = names.get(samples[i] ?? -1) ?? "(unknown)";
    byName.set(name, (byName.get(name) ?? 0) + us);
    totalUs += us;
  }
  const functions = [...byName]
    .map(([name, us]) => ({ name, ms: us / 1000 }))
    .sort((a, b) => b.ms - a.ms);
  return { totalMs: totalUs / 1000, idleMs: (byName.get("(idle)") ?? 0) / 1000, functions };
}

/**
 * The `n` largest self times as markdown lines, with shares of the busy
 * (non-idle) time.
 * @param {CpuProfile} profile
 * @param {number} n
 * @returns {string}
 */
export function formatTop(profile, n) {
  const { totalMs, idleMs, functions } = selfTimes(profile);
  const busyMs = totalMs - idleMs;
  const lines = [
    `profiled ${totalMs.toFixed(0)} ms, idle ${idleMs.toFixed(0)} ms, busy ${busyMs.toFixed(0)} ms`,
    "",
    "| # | self ms | % of busy | function |",
    "| ---: | ---: | ---: | --- |",
  ];
  functions
    .filter((f) => f.name !== "(idle)")
    .slice(0, n)
    .forEach((f, i) => {
      const share = busyMs > 0 ? ((f.ms / busyMs) * 100).toFixed(1) : "–";
      lines.push(`| ${i + 1} | ${f.ms.toFixed(0)} | ${share} | ${f.name} |`);
    });
  return lines.join("\n");
}

/** "file:///work/main/packages/x/dist/index.js" -> "packages/x/dist/index.js"; node:internal stays. */
function shorten(/** @type {string} */ url) {
  const match = /\/(packages|apps|node_modules)\/.*$/.exec(url);
  return match ? match[0].slice(1) : url;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const file = process.argv[2];
  if (file === undefined) {
    console.error("usage: node cpuprofile-top.mjs FILE.cpuprofile [N]");
    process.exit(2);
  }
  const profile = /** @type {CpuProfile} */ (JSON.parse(readFileSync(file, "utf8")));
  console.log(`### ${basename(file)}\n`);
  console.log(formatTop(profile, Number(process.argv[3] ?? 10)));
}
