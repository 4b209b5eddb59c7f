// The bench's side of src/alloc/server.mjs: SIGUSR2 starts a measurement,
// the next one stops it and brings back what was allocated meanwhile.

/**
 * @typedef {{ requests: number, bytes: number, top: [string, number][] }} Sample
 *   requests answered while measuring, bytes sampled in all, and the
 *   functions that allocated most ("name file:line", bytes)
 */

/**
 * Sends the server SIGUSR2 and resolves with the next line it prints.
 * @param {import("../load/servers.mjs").Server} server
 * @returns {Promise<string>}
 */
function signal(server) {
  return new Promise((resolve) => {
    let out = "";
    const stdout = /** @type {import("node:stream").Readable} */ (server.child.stdout);
    const onData = (/** @type {string} */ chunk) => {
      out += chunk;
      const end = out.indexOf("\n");
      if (end === -1) return;
      stdout.off("data", onData);
      resolve(out.slice(0, end));
    };
    stdout.on("data", onData);
    server.child.kill("SIGUSR2");
  });
}

/**
 * Measures what the server allocates while `load` runs.
 * @param {import("../load/servers.mjs").Server} server
 * @param {() => Promise<unknown>} load
 * @returns {Promise<Sample>}
 */
export async function allocatedDuring(server, load) {
  const started = await signal(server);
  if (started !== "started") throw new Error(`${server.name}: "${started}" instead of "started"`);
  await load();
  return /** @type {Sample} */ (JSON.parse(await signal(server)));
}
