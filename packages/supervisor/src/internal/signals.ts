// Process-wide signal handling for every pool of the supervisor process:
// SIGTERM and SIGINT stop all pools gracefully and exit 0 (a second one exits
// at once); SIGHUP reloads every pool's workers. Each is told to the
// service manager, when there is one (service-notify.ts).

import { log, logError } from "./log";
import { processState, type Stoppable } from "./process-state";
import { notifyReady, notifyServiceManager } from "./service-notify";

const state = processState();

/**
 * Milliseconds within which a second stop signal is the same one again: a
 * terminal's Ctrl-C reaches the whole process group, and a parent that
 * forwards signals (pnpm, npm) sends it once more at once.
 */
const ECHO_MS = 200;

function onStop(signal: NodeJS.Signals): void {
  if (state.stopping) {
    if (Date.now() - state.stoppingSince < ECHO_MS) return;
    log("signal", `${signal} again: exiting now`, { signal, action: "exit" });
    process.exit(1);
  }
  state.stopping = true;
  state.stoppingSince = Date.now();
  log("signal", `${signal}: stopping (busy workers finish their connection)`, {
    signal,
    action: "stop",
  });
  const told = notifyServiceManager(["STOPPING=1", "STATUS=stopping"]);
  Promise.all([told, ...state.pools.map((pool) => pool.stop())]).then(
    () => process.exit(0),
    (error: unknown) => {
      logError("stop-failed", `stopping failed: ${String(error)}`);
      process.exit(1);
    },
  );
}

function onReload(): void {
  log("signal", "SIGHUP: replacing all workers", { signal: "SIGHUP", action: "reload" });
  // MONOTONIC_USEC: when the reload began, which Type=notify-reload asks for.
  notifyServiceManager([
    "RELOADING=1",
    `MONOTONIC_USEC=${process.hrtime.bigint() / 1000n}`,
    "STATUS=reloading",
  ]);
  Promise.all(state.pools.map((pool) => pool.reload())).then(notifyReady);
}

export function manageSignals(pool: Stoppable): void {
  state.pools.push(pool);
  if (state.signalsInstalled) return;
  state.signalsInstalled = true;
  process.on("SIGTERM", onStop);
  process.on("SIGINT", onStop);
  process.on("SIGHUP", onReload);
}
