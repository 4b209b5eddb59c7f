// Many idle keep-alive clients, in a process of their own (each connection is
// a file descriptor; this process may need its limit raised): every client
// connects to 127.0.0.1:PORT, sends one request for PATH and reads the
// response, then stays idle. When all are idle it prints a JSON line
// {"idle":n,"failed":k}; on a line "GO" on stdin every client sends a second
// request; once all are answered (or have failed) it prints
// {"answered":n,"failed":k,"ms":t} and exits.
// Usage: node idle-clients.mjs PORT COUNT PATH
import { connect } from "node:net";
import { createInterface } from "node:readline";

const [port, count, path] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
const request = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
const BATCH = 50;

/** One client: `ask()` sends the request and resolves with the response's status (0 if the connection failed). */
function client() {
  const socket = connect(port, "127.0.0.1");
  socket.setNoDelay(true);
  let buffered = "";
  /** @type {((status: number) => void) | undefined} */
  let waiting;
  /** @param {number} status */
  const settle = (status) => {
    const resolve = waiting;
    waiting = undefined;
    resolve?.(status);
  };
  socket.setEncoding("latin1").on("data", (/** @type {string} */ chunk) => {
    buffered += chunk;
    const end = buffered.indexOf("\r\n\r\n");
    if (end === -1) return;
    const status = Number(buffered.slice(9, 12));
    buffered = buffered.slice(end + 4); // the responses asked for have no body
    settle(status);
  });
  socket.on("error", () => settle(0));
  socket.on("close", () => settle(0));
  return {
    socket,
    /** @returns {Promise<number>} */
    ask: () =>
      new Promise((resolve) => {
        waiting = resolve;
        socket.write(request);
      }),
  };
}

const clients = [];
let failed = 0;
for (let i = 0; i < count; i += BATCH) {
  const batch = Array.from({ length: Math.min(BATCH, count - i) }, client);
  const statuses = await Promise.all(batch.map((c) => c.ask()));
  failed += statuses.filter((status) => status < 200 || status >= 400).length;
  clients.push(...batch);
}
console.log(JSON.stringify({ idle: clients.length - failed, failed }));

const input = createInterface({ input: process.stdin });
for await (const line of input) {
  if (line.trim() !== "GO") continue;
  const started = performance.now();
  const statuses = await Promise.all(clients.map((c) => c.ask()));
  const bad = statuses.filter((status) => status < 200 || status >= 400).length;
  const ms = Math.round(performance.now() - started);
  console.log(JSON.stringify({ answered: statuses.length - bad, failed: bad, ms }));
  for (const c of clients) c.socket.destroy();
  process.exit(0);
}
