// Server processes for the load benchmarks: each runs in a process group of
// its own, prints its port on stdout, and is stopped (SIGTERM, then SIGKILL)
// with everything it started. Nothing outlives the benchmark.
import { spawn } from "node:child_process";
import net from "node:net";

/**
 * @typedef {object} Server
 * @property {string} name
 * @property {import("node:child_process").ChildProcess} child Leader of its own process group.
 * @property {number} port
 * @property {() => string} stderr What it wrote to stderr so far.
 */

/** Every process group started and not yet known to be gone, by leader pid. */
const groups = new Set();
/** Leader pids being stopped on purpose. */
const stopping = new Set();

/** Sends `signal` to the group led by `pid`; false if the group is gone. */
function signalGroup(/** @type {number} */ pid, /** @type {NodeJS.Signals | 0} */ signal) {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

process.on("exit", () => {
  for (const pid of groups) signalGroup(pid, "SIGKILL");
});
for (const signal of /** @type {const} */ (["SIGINT", "SIGTERM", "SIGHUP"])) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping every server`);
    process.exit(130);
  });
}

export const sleep = (/** @type {number} */ ms) =>
  new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts `script` with node in a process group of its own and waits for the
 * port it prints on stdout.
 * @param {string} name
 * @param {string} script
 * @param {Record<string, string>} env
 * @param {string[]} [nodeArgs]
 * @returns {Promise<Server>}
 */
export function startServer(name, script, env, nodeArgs = []) {
  const child = spawn(process.execPath, [...nodeArgs, script], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  if (child.pid === undefined) throw new Error(`${name}: could not start`);
  groups.add(child.pid);
  let err = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk) => {
    err += chunk;
  });
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => fail("did not print its port within 30 s"), 30_000);
    const fail = (/** @type {string} */ why) => {
      clearTimeout(timer);
      reject(new Error(`${name}: ${why}\n${err}`));
    };
    child.on("exit", (code, signal) => fail(`exited (${code ?? signal})`));
    child.on("error", (error) => fail(error.message));
    child.stdout?.setEncoding("utf8").on("data", (chunk) => {
      out += chunk;
      const match = /^(\d+)\n/.exec(out);
      if (match === null) return;
      clearTimeout(timer);
      child.removeAllListeners("exit");
      child.on("exit", (code, signal) => {
        if (!stopping.has(child.pid)) console.error(`${name} exited (${code ?? signal})\n${err}`);
      });
      resolve({ name, child, port: Number(match[1]), stderr: () => err });
    });
  });
}

/**
 * SIGTERM to the whole group (our supervisor stops its workers gracefully, so
 * they write their profiles), then SIGKILL to whatever is left after `graceMs`.
 * @param {Server} server
 * @param {number} [graceMs]
 */
export async function stopServer(server, graceMs = 10_000) {
  const pid = /** @type {number} */ (server.child.pid);
  stopping.add(pid);
  signalGroup(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (signalGroup(pid, 0) && Date.now() < deadline) await sleep(50);
  signalGroup(pid, "SIGKILL");
  while (signalGroup(pid, 0)) await sleep(20); // zombies are reaped by the exit handler
  groups.delete(pid);
}

/**
 * One HTTP request over a fresh connection; resolves with status line and body.
 * @param {number} port
 * @returns {Promise<{ status: string, body: string }>}
 */
export function probe(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () =>
      socket.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"),
    );
    let text = "";
    socket.setEncoding("utf8").on("data", (chunk) => {
      text += chunk;
    });
    socket.on("error", reject);
    socket.on("end", () => {
      const [head = "", body = ""] = text.split("\r\n\r\n");
      resolve({ status: head.split("\r\n")[0] ?? "", body });
    });
    socket.setTimeout(5000, () => socket.destroy(new Error("probe timed out")));
  });
}
