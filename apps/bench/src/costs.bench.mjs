// What the pool's scheduling choices cost on this machine, each measured
// alone with public APIs: the figures behind the supervisor README's
// "Scheduling requests" design note.
//
// - IPC message: process.send() of a small object, one way, in a burst; CPU
//   of sender and receiver per message (both processes' user + system time).
// - IPC round trip: a message and its answer, one at a time; wall time per
//   round trip (two wake-ups of a sleeping process) and CPU of both.
// - Handle pass: child_process.send() with a connected socket, one at a
//   time (Node waits for the receiver's ACK); CPU and wall time per pass.
//   The supervisor's own handle channel skips the ACK and the JSON: this is
//   the upper bound of what passing a connection costs.
// - pwrite of 8 bytes to a file in /dev/shm (or the temporary directory):
//   CPU per write (what a worker pays to note which connection it serves).
//
//   node src/costs.bench.mjs           5 rounds
//   node src/costs.bench.mjs --quick   2 rounds, fewer operations (or BENCH_QUICK=1)
import { fork } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { median } from "./harness.mjs";

const SELF = fileURLToPath(import.meta.url);
const quick = process.argv.includes("--quick") || process.env.BENCH_QUICK === "1";
const ROUNDS = quick ? 2 : 5;
const MESSAGES = quick ? 20_000 : 100_000;
const ROUND_TRIPS = quick ? 5_000 : 20_000;
const PASSES = 500;
const WRITES = quick ? 100_000 : 500_000;

/** User + system CPU of this process in microseconds. */
function cpuMicros() {
  const { user, system } = process.cpuUsage();
  return user + system;
}

if (process.env.BENCH_COSTS_CHILD === "1") child();
else await main();

/** The receiving process: counts messages, answers pings, closes passed sockets. */
function child() {
  let count = 0;
  let cpuAt = 0;
  const send = (/** @type {object} */ message) => process.send?.(message);
  process.on("message", (/** @type {{ t: string }} */ message, handle) => {
    switch (message.t) {
      case "start":
        count = 0;
        cpuAt = cpuMicros();
        return;
      case "m":
        count++;
        return;
      case "ping":
        send({ t: "pong" });
        return;
      case "pass":
        if (handle instanceof net.Socket) handle.destroy();
        send({ t: "passed" });
        return;
      case "report":
        send({ t: "report", count, cpu: cpuMicros() - cpuAt });
        return;
      case "exit":
        process.exit(0);
    }
  });
}

/**
 * Sends `message` (with `handle`, if given) and waits for the answer of type `answer`.
 * @param {import("node:child_process").ChildProcess} worker
 * @param {{ t: string }} message
 * @param {string} answer
 * @param {net.Socket} [handle]
 * @returns {Promise<{ t: string, count: number, cpu: number }>}
 */
function ask(worker, message, answer, handle) {
  return new Promise((resolve) => {
    const onMessage = (/** @type {{ t: string, count: number, cpu: number }} */ reply) => {
      if (reply.t !== answer) return;
      worker.off("message", onMessage);
      resolve(reply);
    };
    worker.on("message", onMessage);
    if (handle === undefined) worker.send(message);
    else worker.send(message, handle);
  });
}

/** @param {import("node:child_process").ChildProcess} worker */
async function measureMessages(worker) {
  worker.send({ t: "start" });
  const cpu0 = cpuMicros();
  for (let i = 0; i < MESSAGES; i++) worker.send({ t: "m", id: i, wake: false, bytes: "" });
  const report = await ask(worker, { t: "report" }, "report");
  const sender = cpuMicros() - cpu0;
  if (report.count !== MESSAGES) throw new Error(`${report.count} of ${MESSAGES} messages arrived`);
  return { sender: sender / MESSAGES, receiver: report.cpu / MESSAGES };
}

/** @param {import("node:child_process").ChildProcess} worker */
async function measureRoundTrips(worker) {
  worker.send({ t: "start" });
  const cpu0 = cpuMicros();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < ROUND_TRIPS; i++) await ask(worker, { t: "ping" }, "pong");
  const wall = Number(process.hrtime.bigint() - t0) / 1000;
  const sender = cpuMicros() - cpu0;
  const report = await ask(worker, { t: "report" }, "report");
  return { wall: wall / ROUND_TRIPS, cpu: (sender + report.cpu) / ROUND_TRIPS };
}

/** @param {import("node:child_process").ChildProcess} worker */
async function measurePasses(worker) {
  const server = net.createServer((socket) => socket.on("error", () => {}));
  await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
  const { port } = /** @type {net.AddressInfo} */ (server.address());
  /** @type {net.Socket[]} */
  const clients = [];
  /** @type {net.Socket[]} */
  const accepted = [];
  server.on("connection", (socket) => accepted.push(socket));
  for (let i = 0; i < PASSES; i++) {
    const client = net.connect(port, "127.0.0.1");
    client.on("error", () => {});
    clients.push(client);
  }
  while (accepted.length < PASSES) await new Promise((resolve) => setTimeout(resolve, 10));
  worker.send({ t: "start" });
  const cpu0 = cpuMicros();
  const t0 = process.hrtime.bigint();
  for (const socket of accepted) await ask(worker, { t: "pass" }, "passed", socket);
  const wall = Number(process.hrtime.bigint() - t0) / 1000;
  const sender = cpuMicros() - cpu0;
  const report = await ask(worker, { t: "report" }, "report");
  for (const client of clients) client.destroy();
  server.close();
  return { wall: wall / PASSES, cpu: (sender + report.cpu) / PASSES };
}

function measurePwrite() {
  const dir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "mb-costs-"));
  const fd = openSync(join(dir, "board"), "w+");
  const bytes = Buffer.alloc(8);
  const cpu0 = cpuMicros();
  for (let i = 0; i < WRITES; i++) {
    bytes.writeUInt32LE(i, 0);
    writeSync(fd, bytes, 0, 8, 0);
  }
  const cpu = cpuMicros() - cpu0;
  closeSync(fd);
  rmSync(dir, { recursive: true });
  return { cpu: cpu / WRITES };
}

async function main() {
  const worker = fork(SELF, [], { env: { ...process.env, BENCH_COSTS_CHILD: "1" } });
  /** @type {{ message: Record<string, number>[], roundTrip: Record<string, number>[], pass: Record<string, number>[], pwrite: Record<string, number>[] }} */
  const rows = { message: [], roundTrip: [], pass: [], pwrite: [] };
  for (let round = 1; round <= ROUNDS; round++) {
    process.stderr.write(`round ${round}/${ROUNDS}\n`);
    rows.message.push(await measureMessages(worker));
    rows.roundTrip.push(await measureRoundTrips(worker));
    rows.pass.push(await measurePasses(worker));
    rows.pwrite.push(measurePwrite());
  }
  worker.send({ t: "exit" });
  const m = (/** @type {Record<string, number>[]} */ list, /** @type {string} */ key) =>
    median(list.map((row) => row[key] ?? Number.NaN)).toFixed(1);
  console.log(`| operation | CPU per operation | wall time per operation |`);
  console.log(`| --- | ---: | ---: |`);
  console.log(
    `| IPC message, one way (sender + receiver) | ${m(rows.message, "sender")} + ${m(rows.message, "receiver")} µs | |`,
  );
  console.log(
    `| IPC round trip (two wake-ups) | ${m(rows.roundTrip, "cpu")} µs | ${m(rows.roundTrip, "wall")} µs |`,
  );
  console.log(
    `| connection handle pass, child_process.send (with its ACK) | ${m(rows.pass, "cpu")} µs | ${m(rows.pass, "wall")} µs |`,
  );
  console.log(`| pwrite of 8 bytes to a tmpfs file | ${m(rows.pwrite, "cpu")} µs | |`);
  console.log(`\nmedians of ${ROUNDS} rounds; Node ${process.version}`);
}
