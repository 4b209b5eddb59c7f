// The clients of burst.bench.mjs, run as a process of their own (never in
// the measuring process, never in the server), in one of two kinds:
//
//   node clients.mjs PORT COUNT idle    COUNT connections opened at once that send nothing
//                                       until told, then one `GET /` each
//   node clients.mjs PORT COUNT loris   COUNT slow-loris clients: each sends a request head
//                                       a byte a second, and never its end
//
// The process says "ready" and waits for commands on stdin, a line each:
// "start" opens every connection at once; "status" reports; "request" (idle
// only) makes every connection still open send one request and read its
// answer; "close" resets every socket (no TIME_WAIT left behind) and exits,
// as does the end of stdin (the bench is gone). Env: BENCH_CONNECT_TIMEOUT_S
// (default 30) and BENCH_ANSWER_TIMEOUT_S (default 30): a connection not
// made, or a request not answered, by then fails.
//
// Writes JSON lines to stdout: {type:"ready"}; {type:"opened"} once every
// connection is made or failed; {type:"status"}; {type:"answered"} once
// every request is answered or failed; {type:"closed"}. Each carries `open`
// (connections open and unharmed) and `failures`, counted by reason:
// "refused" (ECONNREFUSED), "reset" (ECONNRESET or EPIPE), "closed by the
// server" (its FIN before our request), "unasked bytes" (an answer before any
// request: a 408, say), "not connected within N s", and for the request
// "no answer within N s", "closed before the answer" and what was wrong with
// the answer (src/load/response.mjs).
import net from "node:net";
import { createInterface } from "node:readline";
import { ResponseReader } from "../load/response.mjs";

const port = Number(process.argv[2]);
const count = Number(process.argv[3]);
const kind = process.argv[4];
if (!Number.isInteger(port) || port < 1 || !Number.isInteger(count) || count < 1)
  throw new Error("usage: node clients.mjs PORT COUNT idle|loris");
if (kind !== "idle" && kind !== "loris") throw new Error(`kind must be idle or loris, got ${kind}`);
const connectTimeoutS = Number(process.env.BENCH_CONNECT_TIMEOUT_S ?? 30);
const answerTimeoutS = Number(process.env.BENCH_ANSWER_TIMEOUT_S ?? 30);
const REQUEST = Buffer.from("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
/** A head that never ends: a header value that grows by a byte a second. */
const LORIS_HEAD = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Loris: ";

/** @param {Record<string, unknown>} line */
const emit = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);

/** @type {Record<string, number>} */
const failures = {};

/**
 * @typedef {object} Client
 * @property {net.Socket} socket
 * @property {"connecting" | "open" | "asked" | "answered" | "failed"} state
 * @property {ResponseReader | undefined} reader Set while its request waits for the answer.
 * @property {number} sent Bytes of the loris head sent.
 * @property {(problem: string) => void} onAnswer
 */

/** @type {Client[]} */
const clients = [];

/** Marks `client` failed for `reason` (once) and destroys its socket. */
function fail(/** @type {Client} */ client, /** @type {string} */ reason) {
  if (client.state === "failed" || client.state === "answered") return;
  failures[reason] = (failures[reason] ?? 0) + 1;
  const asked = client.state === "asked";
  client.state = "failed";
  client.socket.destroy();
  if (asked) client.onAnswer(reason);
}

/** What an error code counts as. */
function reasonOf(/** @type {string | undefined} */ code) {
  if (code === "ECONNREFUSED") return "refused";
  if (code === "ECONNRESET" || code === "EPIPE") return "reset";
  return code ?? "error";
}

function open() {
  const socket = net.connect({ port, host: "127.0.0.1" });
  /** @type {Client} */
  const client = { socket, state: "connecting", reader: undefined, sent: 0, onAnswer: () => {} };
  socket.on("connect", () => {
    if (client.state === "connecting") client.state = "open";
  });
  socket.on("data", (chunk) => {
    if (client.reader === undefined) {
      fail(client, "unasked bytes");
      return;
    }
    const problem = client.reader.push(chunk);
    if (problem === undefined) return;
    client.reader = undefined;
    if (problem === "") {
      client.state = "answered";
      client.onAnswer("");
    } else fail(client, `answer: ${problem}`);
  });
  socket.on("error", (error) => {
    fail(client, reasonOf(/** @type {NodeJS.ErrnoException} */ (error).code));
  });
  socket.on("end", () => {
    fail(client, client.state === "asked" ? "closed before the answer" : "closed by the server");
  });
  socket.on("close", () => fail(client, "closed by the server"));
  return client;
}

/** Connections open and unharmed. */
const openCount = () => clients.filter((c) => c.state === "open" || c.state === "answered").length;

/** Opens every connection at once; resolves once each is made or failed. */
function start() {
  const began = Date.now();
  for (let i = 0; i < count; i++) clients.push(open());
  if (kind === "loris") {
    const timer = setInterval(() => {
      for (const client of clients) {
        if (client.state !== "open") continue;
        const i = client.sent++;
        client.socket.write(i < LORIS_HEAD.length ? LORIS_HEAD.charAt(i) : "a");
      }
    }, 1000);
    timer.unref();
  }
  return new Promise((resolve) => {
    const check = setInterval(() => {
      const connecting = clients.filter((c) => c.state === "connecting");
      const late = Date.now() - began > connectTimeoutS * 1000;
      if (late) for (const c of connecting) fail(c, `not connected within ${connectTimeoutS} s`);
      if (connecting.length === 0 || late) {
        clearInterval(check);
        resolve(Date.now() - began);
      }
    }, 20);
  });
}

/** Every open connection sends its request; resolves once each is answered or failed. */
function request() {
  const began = Date.now();
  const asked = clients.filter((c) => c.state === "open");
  let done = 0;
  let ok = 0;
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      resolve({ sent: asked.length, ok, ms: Date.now() - began });
    };
    const timer = setTimeout(() => {
      for (const c of asked)
        if (c.state === "asked") fail(c, `no answer within ${answerTimeoutS} s`);
    }, answerTimeoutS * 1000);
    if (asked.length === 0) finish();
    for (const client of asked) {
      client.state = "asked";
      client.reader = new ResponseReader();
      client.onAnswer = (problem) => {
        if (problem === "") ok++;
        if (++done === asked.length) finish();
      };
      client.socket.write(REQUEST);
    }
  });
}

const commands = createInterface({ input: process.stdin });
commands.on("close", () => process.exit(0));
emit({ type: "ready" });
commands.on("line", async (line) => {
  if (line === "start") {
    const ms = await start();
    emit({ type: "opened", clients: count, open: openCount(), ms, failures });
  } else if (line === "status") emit({ type: "status", open: openCount(), failures });
  else if (line === "request" && kind === "idle")
    emit({ type: "answered", ...(await request()), open: openCount(), failures });
  else if (line === "close") {
    for (const client of clients) if (!client.socket.destroyed) client.socket.resetAndDestroy();
    emit({ type: "closed" });
    process.exit(0);
  }
});
