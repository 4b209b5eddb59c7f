// The servers of bench:tls, one script for each side, chosen by BENCH_SIDE:
// "ours": the moonbridge package's listen() with a tcp listener with `tls`
// (the certificate and key from BENCH_TLS_CERT and BENCH_TLS_KEY) and the
// hello-world callback of http.generateHandler, every option at its
// default; "node": node:https with the same answer, in node:cluster with
// BENCH_WORKERS workers (2). Binds 127.0.0.1, port 0, and prints the port
// once it accepts. Runs in the supervisor (or primary) and in every worker.
import cluster from "node:cluster";
import { readFileSync } from "node:fs";
import https from "node:https";
import { http, listen } from "moonbridge";
import { helloHandler } from "../load/ours.mjs";

const side = process.env.BENCH_SIDE;
const tls = {
  cert: readFileSync(/** @type {string} */ (process.env.BENCH_TLS_CERT)),
  key: readFileSync(/** @type {string} */ (process.env.BENCH_TLS_KEY)),
};
const BODY = "Hello World!\n";

if (side === "ours") {
  const pool = listen({
    listeners: [{ proto: "tcp", host: "127.0.0.1", port: 0, tls }],
    connect: helloHandler({}, undefined, http),
  });
  if (pool.role === "supervisor") {
    const [address] = await pool.ready;
    if (address?.proto !== "tcp") throw new Error("expected a tcp listener");
    process.stdout.write(`${address.port}\n`);
  }
} else if (side === "node") {
  const workers = Number(process.env.BENCH_WORKERS ?? 2);
  if (cluster.isPrimary) {
    let listening = 0;
    for (let i = 0; i < workers; i++) cluster.fork();
    cluster.on("listening", (_worker, address) => {
      if (++listening === workers) process.stdout.write(`${address.port}\n`);
    });
    process.on("SIGTERM", () => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
      cluster.disconnect(() => process.exit(0));
    });
  } else {
    https
      .createServer({ ...tls, ALPNProtocols: ["http/1.1"] }, (_request, response) => {
        response.writeHead(200, { "Content-Type": "text/plain", "Content-Length": BODY.length });
        response.end(BODY);
      })
      .listen(0, "127.0.0.1");
  }
} else {
  throw new Error(`BENCH_SIDE must be ours or node, got "${side}"`);
}
