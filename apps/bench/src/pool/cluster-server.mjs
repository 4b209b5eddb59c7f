// The peer for pool.bench.mjs: node:cluster with 2 workers doing the same work
// as our pool's connect handler (plain `net`: read the request head up to the
// empty line, write one fixed response with `Connection: close`, end the
// socket), or, with BENCH_KIND=http, node:http answering the same bytes, for
// context. BENCH_SCHED picks cluster's scheduling policy: "rr" (Node's default
// on Linux, the primary accepts and hands connections round-robin) or "none"
// (every worker accepts on the shared listener itself). Binds 127.0.0.1, port
// 0, and prints the port on stdout once both workers listen.
import cluster from "node:cluster";
import http from "node:http";
import net from "node:net";

const WORKERS = 2;
const RESPONSE = Buffer.from(
  "HTTP/1.1 200 OK\r\nContent-Length: 13\r\nConnection: close\r\n\r\nHello World!\n",
);
const HEAD_END = Buffer.from("\r\n\r\n");

if (cluster.isPrimary) {
  const sched = process.env.BENCH_SCHED ?? "rr";
  if (sched !== "rr" && sched !== "none")
    throw new Error(`BENCH_SCHED: "rr" or "none", got "${sched}"`);
  cluster.schedulingPolicy = sched === "none" ? cluster.SCHED_NONE : cluster.SCHED_RR;
  let listening = 0;
  for (let i = 0; i < WORKERS; i++) cluster.fork();
  cluster.on("listening", (_worker, address) => {
    if (++listening === WORKERS) process.stdout.write(`${address.port}\n`);
  });
  cluster.on("exit", (worker, code, signal) => {
    if (!stopping) {
      process.stderr.write(
        `cluster-server: worker ${worker.process.pid} died (${code ?? signal})\n`,
      );
      process.exit(1);
    }
  });
  let stopping = false;
  process.on("SIGTERM", () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
    cluster.disconnect(() => process.exit(0));
  });
} else if (process.env.BENCH_KIND === "http") {
  http
    .createServer((_req, res) => {
      res.writeHead(200, { "Content-Length": 13, Connection: "close" });
      res.end("Hello World!\n");
    })
    .listen(0, "127.0.0.1");
} else {
  net
    .createServer((socket) => {
      /** @type {Buffer} */
      let head = Buffer.alloc(0);
      const onData = (/** @type {Buffer} */ chunk) => {
        head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
        if (head.indexOf(HEAD_END) === -1) {
          if (head.length > 8192) socket.destroy();
          return;
        }
        socket.off("data", onData);
        socket.end(RESPONSE);
      };
      socket.on("data", onData);
      socket.on("error", () => {});
    })
    .listen(0, "127.0.0.1");
}
