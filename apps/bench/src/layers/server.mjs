// The server of layers.bench.mjs: a pool of BENCH_WORKERS processes (default
// 33), each serving one connection at a time as our supervisor's workers do,
// fed by a parent that accepts and passes every connection to an idle worker
// (a cost paid once per connection: the bench measures keep-alive). What a
// worker runs on the connection is BENCH_LAYER:
//   net        plain net.Socket: count the request heads in each chunk, write as many fixed answers
//   moonsocket @moonbridge/socket: read the head line by line, write the fixed answer, flush
//   parser     @moonbridge/socket and @moonbridge/http-parser: parse each head, write the fixed answer, flush
//   http       @moonbridge/http's generateHandler with the hello-world callback
// The answer is the same everywhere (200, text/plain, "Hello World!\n").
// Binds 127.0.0.1 port 0 and prints the port once every worker is ready.
import { fork } from "node:child_process";
import net from "node:net";
import { pathToFileURL } from "node:url";
import { envCount } from "../harness.mjs";

const LAYERS = ["net", "moonsocket", "parser", "http"];
const layer = process.env.BENCH_LAYER ?? "http";
if (!LAYERS.includes(layer))
  throw new Error(`BENCH_LAYER must be one of ${LAYERS.join(", ")}, got "${layer}"`);
const workers = envCount("BENCH_WORKERS", 33);

const ANSWER =
  "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello World!\n";

if (process.send === undefined) parent();
else worker(/** @type {(message: string) => void} */ ((message) => process.send?.(message)));

function parent() {
  /** @type {import("node:child_process").ChildProcess[]} */
  const idle = [];
  /** @type {net.Socket[]} */
  const waiting = [];
  let ready = 0;
  const give = (
    /** @type {import("node:child_process").ChildProcess} */ child,
    /** @type {net.Socket} */ socket,
  ) => child.send("connection", socket);
  const server = net.createServer({ pauseOnConnect: true }, (socket) => {
    const child = idle.pop();
    if (child === undefined) waiting.push(socket);
    else give(child, socket);
  });
  /** @type {import("node:child_process").ChildProcess[]} */
  const all = [];
  for (let i = 0; i < workers; i++) {
    const child = fork(process.argv[1] ?? "", [], { env: process.env });
    // A worker lost would starve the connections given to nobody: fail loudly instead.
    child.on("exit", (code, signal) => {
      console.error(`a worker exited (${signal ?? code}): the pool is broken`);
      process.exit(1);
    });
    all.push(child);
    child.on("message", (message) => {
      if (message !== "idle") return;
      const socket = waiting.shift();
      if (socket !== undefined) give(child, socket);
      else idle.push(child); // LIFO, as our pool picks the most recently idle worker
      if (++ready === workers)
        server.listen(0, "127.0.0.1", () => {
          const address = server.address();
          if (address === null || typeof address === "string") throw new Error("no port");
          process.stdout.write(`${address.port}\n`);
        });
    });
  }
  process.on("SIGTERM", () => {
    for (const child of all) child.removeAllListeners("exit");
    process.exit(0);
  });
}

async function worker(/** @type {(message: string) => void} */ send) {
  // Loaded only where used: the net layer's workers stay as small as plain Node.
  /** Serves one connection to its end with the chosen layer. */
  let serve = async (/** @type {net.Socket} */ socket) => serveNet(socket);
  if (layer !== "net") {
    // BENCH_MOONBRIDGE: another build's index.js (bench:layers' BENCH_BEFORE).
    const where = process.env.BENCH_MOONBRIDGE;
    /** @type {typeof import("moonbridge")} */
    const moonbridge = await import(where ? pathToFileURL(where).href : "moonbridge");
    const { MoonSocket, RequestParser } = moonbridge;
    const http =
      layer === "http"
        ? (await import("../load/ours.mjs")).helloHandler({}, undefined, moonbridge.http)
        : undefined;
    serve = async (socket) => {
      const moon = new MoonSocket(socket);
      if (http !== undefined) await http(moon);
      else {
        // A client that resets mid-request (wrk at the end of a run) ends only its connection.
        const loop = layer === "parser" ? serveParsed(moon, RequestParser) : serveMoonSocket(moon);
        await loop.catch(() => {
          if (!moon.closed) moon.cancel();
        });
      }
    };
  }
  process.on("message", (message, socket) => {
    if (message !== "connection" || !(socket instanceof net.Socket)) return;
    serve(socket).then(
      () => send("idle"),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
  send("idle");
}

function serveNet(/** @type {net.Socket} */ socket) {
  return new Promise((resolve) => {
    socket.on("data", (/** @type {Buffer} */ chunk) => {
      let heads = 0;
      for (let at = chunk.indexOf("\r\n\r\n"); at !== -1; at = chunk.indexOf("\r\n\r\n", at + 4))
        heads++;
      if (heads > 0) socket.write(heads === 1 ? ANSWER : ANSWER.repeat(heads));
    });
    socket.on("end", () => socket.end());
    socket.on("error", () => socket.destroy());
    socket.on("close", resolve);
  });
}

async function serveMoonSocket(/** @type {import("moonbridge").MoonSocket} */ socket) {
  for (;;) {
    let line = await socket.read("l");
    while (line !== null && line !== "\r" && line !== "") line = await socket.read("l");
    if (line === null) break;
    await socket.write(ANSWER).flush();
  }
  await socket.close();
}

/**
 * The HTTP module's reading without the rest of it: each head parsed by
 * @moonbridge/http-parser (waiting with input.readable(), taking with
 * xreadNb, as the module does), then the fixed answer.
 * @param {import("moonbridge").MoonSocket} socket
 * @param {typeof import("moonbridge").RequestParser} RequestParser
 */
async function serveParsed(socket, RequestParser) {
  let heads = 0;
  const parser = new RequestParser({
    onRequestHead() {
      heads++;
    },
    onBody() {},
    onTrailers() {},
    onRequestComplete() {
      parser.pause(); // one request at a time, as the HTTP module
    },
  });
  /** @type {Buffer} */
  let pending = Buffer.alloc(0);
  for (;;) {
    while (heads === 0) {
      if (pending.length === 0) {
        if (!(await socket.input.readable())) {
          await socket.close();
          return;
        }
        pending = /** @type {Buffer} */ (socket.xreadNb(65536));
      }
      const used = parser.execute(pending);
      pending = pending.subarray(used);
    }
    heads--;
    await socket.write(ANSWER).flush();
  }
}
