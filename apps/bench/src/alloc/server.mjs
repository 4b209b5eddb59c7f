// The server of alloc.bench.mjs: one process answering the hello world
// (200, text/plain, "Hello World!\n") on 127.0.0.1, port 0 (printed on
// stdout), with what BENCH_ALLOC_SERVER names:
//   http  @moonbridge/http's generateHandler on a MoonSocket per connection
//         (BENCH_MOONBRIDGE: another build's moonbridge index.js, to compare)
//   node  node:http, the peer
// SIGUSR2 starts a measurement with V8's sampling heap profiler, counting
// objects the garbage collector has taken again too (so it sees everything
// allocated, not what is alive at the end); the next SIGUSR2 stops it and
// prints one JSON line: the requests answered meanwhile, the bytes sampled,
// and the functions that allocated them.
import { Session } from "node:inspector/promises";
import net from "node:net";
import { pathToFileURL } from "node:url";

/** One sample per this many bytes allocated, on average: fine enough for a few hundred bytes per request. */
const SAMPLING_INTERVAL = 128;
const TOP = 12;
const BODY = "Hello World!\n";

const kind = process.env.BENCH_ALLOC_SERVER ?? "http";
let requests = 0;
const onRequest = () => {
  requests++;
};

/** @type {net.Server} */
let server;
if (kind === "http") {
  const where = process.env.BENCH_MOONBRIDGE;
  /** @type {typeof import("moonbridge")} */
  const moonbridge = await import(where ? pathToFileURL(where).href : "moonbridge");
  const { helloHandler } = await import("../load/ours.mjs");
  const handler = helloHandler({}, onRequest, moonbridge.http);
  server = net.createServer((socket) => {
    handler(new moonbridge.MoonSocket(socket)).catch(() => {});
  });
} else if (kind === "node") {
  const http = await import("node:http");
  server = http.createServer((_request, response) => {
    onRequest();
    response.writeHead(200, { "Content-Type": "text/plain", "Content-Length": BODY.length });
    response.end(BODY);
  });
} else throw new Error(`BENCH_ALLOC_SERVER must be http or node, got "${kind}"`);

const session = new Session();
session.connect();
let measuring = false;
let startedWith = 0;
process.on("SIGUSR2", async () => {
  if (!measuring) {
    measuring = true;
    await session.post("HeapProfiler.startSampling", {
      samplingInterval: SAMPLING_INTERVAL,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    startedWith = requests;
    process.stdout.write("started\n");
    return;
  }
  measuring = false;
  const { profile } = await session.post("HeapProfiler.stopSampling");
  const answered = requests - startedWith;
  process.stdout.write(`${JSON.stringify({ requests: answered, ...bytesByFunction(profile) })}\n`);
});

/**
 * Bytes sampled in all, and per allocating function ("name file:line").
 * @param {import("node:inspector").HeapProfiler.SamplingHeapProfile} profile
 */
function bytesByFunction(profile) {
  /** @type {Map<string, number>} */
  const bytes = new Map();
  let total = 0;
  const walk = (
    /** @type {import("node:inspector").HeapProfiler.SamplingHeapProfileNode} */ node,
  ) => {
    if (node.selfSize > 0) {
      const { functionName, url, lineNumber } = node.callFrame;
      const file = url.replace(/^.*\/(packages|node_modules|src)\//, "");
      const key = `${functionName || "(anonymous)"} ${file || "(native)"}:${lineNumber + 1}`;
      bytes.set(key, (bytes.get(key) ?? 0) + node.selfSize);
      total += node.selfSize;
    }
    for (const child of node.children) walk(child);
  };
  walk(profile.head);
  const top = [...bytes].sort((a, b) => b[1] - a[1]).slice(0, TOP);
  return { bytes: total, top };
}

server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  process.stdout.write(`${address.port}\n`);
});
process.on("SIGTERM", () => process.exit(0));
