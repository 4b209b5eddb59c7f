// Process-wide signal handling for every pool of the supervisor process:
// SIGTERM and SIGINT stop all pools gracefully and exit 0 (a second one exits
// at once); SIGHUP reloads every pool's workers.

import { log } from "./log";

interface Stoppable {
  stop(): Promise<void>;
  reload(): void;
}

const pools: Stoppable[] = [];
let installed = false;
let stopping = false;

function onStop(signal: NodeJS.Signals): void {
  if (stopping) {
    log(`${signal} again: exiting now`);
    process.exit(1);
  }
  stopping = true;
  log(`${signal}: stopping (busy workers finish their connection)`);
  Promise.all(pools.map((pool) => pool.stop())).then(
    () => process.exit(0),
    (error: unknown) => {
      log(`stopping failed: ${String(error)}`);
      process.exit(1);
    },
  );
}

function onReload(): void {
  log("SIGHUP: replacing all workers");
  for (const pool of pools) pool.reload();
}

export function manageSignals(pool: Stoppable): void {
  pools.push(pool);
  if (installed) return;
  installed = true;
  process.on("SIGTERM", onStop);
  process.on("SIGINT", onStop);
  process.on("SIGHUP", onReload);
}
