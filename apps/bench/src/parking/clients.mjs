// Idle keep-alive clients for parking.bench.mjs, run as a process of their
// own (never in the measuring process, never in the server). The process
// starts, says "ready" and waits for a first line on stdin ("start"); then
// each client opens a connection to 127.0.0.1:PORT, sends one `GET /`
// HTTP/1.1 keep-alive request, reads the whole response and stays idle with
// the connection open. On "second" every client still open sends a second
// request on the same connection and reads its answer; on "close" every
// socket is reset (no TIME_WAIT left behind) and the process exits; it also
// exits when stdin ends (the bench is gone).
//
//   node clients.mjs PORT COUNT
// Env: BENCH_CLIENT_CONCURRENCY connections being opened or waiting for their
// first answer at once (default 200: the server's backlog is 511),
// BENCH_FIRST_TIMEOUT_S and BENCH_SECOND_TIMEOUT_S (deadlines of the two
// phases, defaults 120 and 120: a client not answered by then fails).
//
// Writes JSON lines to stdout: {type:"ready"} at once, {type:"progress"}
// every second of the first phase, {type:"idle"} once every client is idle
// or failed, {type:"status"} on "status", {type:"second"} once every second
// answer is read or failed, {type:"closed"}. Failures are counted by reason;
// an answer is correct when it is a 200 with a text/plain body
// "Hello World!\n" and no `Connection: close`.
import net from "node:net";
import { createInterface } from "node:readline";
import { ResponseReader } from "../load/response.mjs";

const port = Number(process.argv[2]);
const count = Number(process.argv[3]);
if (!Number.isInteger(port) || port < 1 || !Number.isInteger(count) || count < 1)
  throw new Error("usage: node clients.mjs PORT COUNT");
const concurrency = Number(process.env.BENCH_CLIENT_CONCURRENCY ?? 200);
const firstTimeoutMs = Number(process.env.BENCH_FIRST_TIMEOUT_S ?? 120) * 1000;
const secondTimeoutMs = Number(process.env.BENCH_SECOND_TIMEOUT_S ?? 120) * 1000;
const REQUEST = Buffer.from("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");

/** @param {Record<string, unknown>} line */
const emit = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);

/** Failures by reason, for both phases. */
/** @type {Record<string, number>} */
const failures = {};
const fail = (/** @type {string} */ reason) => {
  failures[reason] = (failures[reason] ?? 0) + 1;
};

/**
 * @typedef {object} Client
 * @property {net.Socket} socket
 * @property {"waiting" | "idle" | "done" | "failed"} state
 * @property {ResponseReader | undefined} reader
 * @property {(problem: string) => void} onAnswer
 */

/** @type {Set<Client>} Clients idle with their connection open (after a correct first answer). */
const idle = new Set();
let answered = 0;
let started = 0;
let settled = 0;
/** @type {Set<Client>} Clients waiting for their first answer. */
const waiting = new Set();
/** @type {Client[]} Every client opened. */
const all = [];

/** Opens one client; calls `done` once its first answer is read or it failed. */
function open(/** @type {() => void} */ done) {
  const socket = net.connect({ port, host: "127.0.0.1" });
  /** @type {Client} */
  const client = {
    socket,
    state: "waiting",
    reader: new ResponseReader({ keepAlive: true }),
    onAnswer: () => {},
  };
  waiting.add(client);
  const finish = (/** @type {string} */ problem) => {
    waiting.delete(client);
    if (problem === "") {
      answered++;
      client.state = "idle";
      idle.add(client);
    } else {
      fail(`first: ${problem}`);
      client.state = "failed";
      socket.destroy();
    }
    done();
  };
  client.onAnswer = finish;
  socket.on("connect", () => socket.write(REQUEST));
  socket.on("data", (chunk) => {
    if (client.reader === undefined) {
      fail(`${client.state === "idle" ? "idle" : "after the second answer"}: unasked bytes`);
      drop(client);
      return;
    }
    const problem = client.reader.push(chunk);
    if (problem === undefined) return;
    client.reader = undefined;
    client.onAnswer(problem);
  });
  /** @type {string | undefined} */
  let error;
  socket.on("error", (e) => {
    error = /** @type {NodeJS.ErrnoException} */ (e).code ?? e.message; // reported on "close"
  });
  socket.on("close", () => {
    if (client.reader !== undefined)
      client.onAnswer(`connection closed before the answer${error ? ` (${error})` : ""}`);
    else if (client.state === "idle") {
      fail("idle: closed by the server");
      drop(client);
    }
  });
  return client;
}

function drop(/** @type {Client} */ client) {
  idle.delete(client);
  client.state = "failed";
  client.socket.destroy();
}

/** Phase one: every client connects and gets its first answer, `concurrency` at a time; @returns milliseconds. */
function firstPhase() {
  const start = Date.now();
  return new Promise((resolve) => {
    const ticker = setInterval(() => {
      emit({ type: "progress", phase: "first", answered, pending: waiting.size, failures });
    }, 1000);
    const timer = setTimeout(() => {
      // Whoever has not been answered by now never will be, as far as this bench is concerned.
      const never = count - started;
      started = count;
      if (never > 0) failures[`first: not even opened within ${firstTimeoutMs / 1000} s`] = never;
      settled += never;
      for (const client of [...waiting]) {
        client.reader = undefined;
        client.onAnswer(`no answer within ${firstTimeoutMs / 1000} s`);
      }
      if (settled >= count) {
        clearInterval(ticker);
        resolve(Date.now() - start);
      }
    }, firstTimeoutMs);
    const next = () => {
      settled++;
      if (settled >= count) {
        clearInterval(ticker);
        clearTimeout(timer);
        resolve(Date.now() - start);
      } else if (started < count) {
        started++;
        all.push(open(next));
      }
    };
    for (; started < Math.min(concurrency, count); started++) all.push(open(next));
  });
}

/** Phase two: every idle client sends its second request at once. */
function secondPhase() {
  const start = Date.now();
  const clients = [...idle];
  let done = 0;
  let ok = 0;
  return new Promise((resolve) => {
    if (clients.length === 0) {
      resolve({ sent: 0, ok: 0, ms: 0 });
      return;
    }
    const timer = setTimeout(() => {
      for (const client of clients)
        if (client.reader !== undefined) {
          client.reader = undefined;
          client.onAnswer(`no answer within ${secondTimeoutMs / 1000} s`);
        }
    }, secondTimeoutMs);
    for (const client of clients) {
      idle.delete(client);
      client.reader = new ResponseReader({ keepAlive: true });
      client.onAnswer = (problem) => {
        if (problem === "") {
          ok++;
          client.state = "done";
        } else {
          fail(`second: ${problem}`);
          client.state = "failed";
          client.socket.destroy();
        }
        if (++done === clients.length) {
          clearTimeout(timer);
          resolve({ sent: clients.length, ok, ms: Date.now() - start });
        }
      };
      client.socket.write(REQUEST);
    }
  });
}

const commands = createInterface({ input: process.stdin });
commands.on("close", () => process.exit(0));
// Started and idle before any client connects, so that the server's baseline
// is measured with this process there too (it shares the node binary's pages,
// which PSS divides among the processes mapping them).
emit({ type: "ready" });
await new Promise((resolve) => {
  commands.once("line", resolve);
});
const firstMs = await firstPhase();
emit({ type: "idle", clients: count, answered, open: idle.size, ms: firstMs, failures });

commands.on("line", async (line) => {
  if (line === "status") emit({ type: "status", open: idle.size, failures });
  else if (line === "second") emit({ type: "second", ...(await secondPhase()), failures });
  else if (line === "close") {
    for (const client of all) if (!client.socket.destroyed) client.socket.resetAndDestroy();
    emit({ type: "closed" });
    process.exit(0);
  }
});
