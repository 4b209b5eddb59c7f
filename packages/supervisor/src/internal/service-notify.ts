// systemd's notification protocol (sd_notify(3)): a service of Type=notify
// (or a container run with a notify socket) is given NOTIFY_SOCKET, and the
// service manager counts it as started once it says READY=1. The supervisor
// says READY=1 once every pool of the process serves, RELOADING=1 on SIGHUP
// and READY=1 again when the reload has ended, and STOPPING=1 on SIGTERM or
// SIGINT. Node has no Unix datagram socket (dgram is UDP only) and the
// project takes no native addon, so each notice is sent by systemd's own
// `systemd-notify`, installed wherever systemd is: as root it sends in the
// name of its parent, the supervisor; otherwise in its own, which systemd
// takes with NotifyAccess=all.

import { spawn } from "node:child_process";
import type { BoundAddress } from "./bind-listeners";
import { logError } from "./log";
import { processState, type ServiceNotices } from "./process-state";

const state = processState();

/**
 * The process's notices. The first call takes NOTIFY_SOCKET out of the
 * environment: workers, and what they start, must not speak for the service.
 */
function notices(env: NodeJS.ProcessEnv = process.env): ServiceNotices {
  if (state.notices === undefined) {
    state.notices = {
      socket: env.NOTIFY_SOCKET || undefined,
      queue: Promise.resolve(),
      readyArranged: false,
      failureLogged: false,
    };
    delete env.NOTIFY_SOCKET;
  }
  return state.notices;
}

/** One notice through `systemd-notify`; rejects with what went wrong. */
function send(socket: string, fields: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("systemd-notify", fields, {
      env: { ...process.env, NOTIFY_SOCKET: socket },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "ENOENT"
          ? new Error("systemd-notify was not found on the PATH (it comes with systemd)")
          : error,
      ),
    );
    child.once("close", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`systemd-notify exited with code ${code}: ${stderr.trim()}`));
    });
  });
}

/**
 * Sends `fields` ("READY=1", "STATUS=...") to the service manager, after
 * every notice sent before; does nothing without NOTIFY_SOCKET. Never
 * rejects: a failure is logged (once), and the service serves on.
 */
export function notifyServiceManager(fields: string[]): Promise<void> {
  const current = notices();
  const socket = current.socket;
  if (socket === undefined) return Promise.resolve();
  current.queue = current.queue
    .then(() => send(socket, fields))
    .catch((error: unknown) => {
      if (current.failureLogged) return;
      current.failureLogged = true;
      logError(
        "notify-failed",
        `NOTIFY_SOCKET is set, but the service manager could not be told ${fields[0]}: ${error instanceof Error ? error.message : String(error)}`,
        { socket },
      );
    });
  return current.queue;
}

/** STATUS= text for the addresses the pools' `ready` gave. */
function listening(addresses: BoundAddress[]): string {
  const names = addresses.map((address) =>
    address.proto === "local" ? address.path : `${address.host}:${address.port}`,
  );
  return names.length === 0 ? "serving" : `listening on ${names.join(", ")}`;
}

/** READY=1, with the addresses served, once every pool of the process is ready. */
export function notifyReady(): Promise<void> {
  return Promise.all(state.pools.map((pool) => pool.ready)).then(
    (addresses) => notifyServiceManager(["READY=1", `STATUS=${listening(addresses.flat())}`]),
    () => {}, // a pool that cannot bind ends the process, and says so
  );
}

/**
 * Once per process, called before the first pool is made: READY=1 once
 * every pool made in the same turn of the event loop serves (the
 * application's top-level listen() calls). Takes NOTIFY_SOCKET from the
 * environment before any worker is forked.
 */
export function arrangeReadyNotice(): void {
  const current = notices();
  if (current.readyArranged) return;
  current.readyArranged = true;
  if (current.socket !== undefined) setImmediate(notifyReady);
}
