// Binding the socket listeners of a pool in the supervisor: host names are
// resolved, "every address" falls back from "::" to "0.0.0.0" where IPv6 is
// missing, and a stale Unix socket file is replaced while a live one (or any
// other file) is an error. Sockets a service manager passed
// (socket-activation.ts) are taken instead, in order, bound as they are.

import { lookup } from "node:dns/promises";
import { lstat, unlink } from "node:fs/promises";
import { connect, isIP } from "node:net";
import { SupervisorError } from "../errors";
import type { Listener } from "../options";
import { bindPipe, bindTcp, type NativeHandle, openPipe, openTcp } from "./native-handles";

/** A bound listener as listen() reports it: the real port when 0 was asked. */
export type BoundAddress =
  | { proto: "tcp"; host: string; port: number }
  | { proto: "local"; path: string };

export interface BoundListener {
  /** Index into options.listeners. */
  id: number;
  handle: NativeHandle;
  address: BoundAddress;
  /** Passed by a service manager: its socket file, if any, is the manager's to remove. */
  inherited?: boolean;
}

/** A listener's socket passed at descriptor `fd`: taken as it is bound (a tcp one's real address read back). */
function openInherited(
  listener: Listener,
  fd: number,
): { handle: NativeHandle; address: BoundAddress } {
  try {
    if (listener.proto === "local") {
      return { handle: openPipe(fd), address: { proto: "local", path: listener.path } };
    }
    const { handle, address, port } = openTcp(fd);
    return { handle, address: { proto: "tcp", host: address, port } };
  } catch (error) {
    throw bindFailed(`the socket passed at descriptor ${fd} (LISTEN_FDS)`, error);
  }
}

function bindFailed(what: string, cause: unknown): SupervisorError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new SupervisorError("BIND_FAILED", `listen: cannot bind ${what}: ${detail}`, { cause });
}

async function bindTcpListener(
  host: string | undefined,
  port: number,
): Promise<{ handle: NativeHandle; address: BoundAddress }> {
  if (host === undefined) {
    try {
      const bound = bindTcp("::", port, true);
      return { handle: bound.handle, address: { proto: "tcp", host: "::", port: bound.port } };
    } catch (error) {
      // Only a missing IPv6 falls back; a port in use (or not allowed) is in use on both.
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EADDRINUSE" || code === "EACCES") throw error;
      const bound = bindTcp("0.0.0.0", port, false);
      return { handle: bound.handle, address: { proto: "tcp", host: "0.0.0.0", port: bound.port } };
    }
  }
  const address = isIP(host) !== 0 ? host : (await lookup(host)).address;
  const bound = bindTcp(address, port, isIP(address) === 6);
  return { handle: bound.handle, address: { proto: "tcp", host: address, port: bound.port } };
}

/** True if something accepts connections on the Unix socket at `path`. */
function socketIsLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect({ path });
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
}

async function bindLocalListener(path: string): Promise<NativeHandle> {
  const existing = await lstat(path).catch(() => undefined);
  if (existing !== undefined) {
    if (!existing.isSocket()) throw new Error(`${path} exists and is not a socket`);
    if (await socketIsLive(path)) throw new Error(`${path} is in use by a running server`);
    await unlink(path);
  }
  return bindPipe(path);
}

/**
 * Binds every tcp and local listener, the first ones on the `inherited`
 * descriptors (socket activation) instead; on any failure, closes what was
 * bound and throws BIND_FAILED.
 */
export async function bindListeners(
  listeners: readonly Listener[],
  inherited: readonly number[] = [],
): Promise<BoundListener[]> {
  const bound: BoundListener[] = [];
  const sockets = listeners.filter((l) => l.proto === "tcp" || l.proto === "local").length;
  if (inherited.length > sockets)
    throw new SupervisorError(
      "BIND_FAILED",
      `listen: ${inherited.length} sockets were passed (LISTEN_FDS) for ${sockets} tcp and local listeners`,
    );
  let next = 0;
  try {
    for (const [id, listener] of listeners.entries()) {
      const fd =
        listener.proto === "tcp" || listener.proto === "local" ? inherited[next++] : undefined;
      if (fd !== undefined) {
        bound.push({ id, ...openInherited(listener, fd), inherited: true });
        continue;
      }
      if (listener.proto === "tcp") {
        const where = `tcp ${listener.host ?? "*"}:${listener.port}`;
        const { handle, address } = await bindTcpListener(listener.host, listener.port).catch(
          (error: unknown) => {
            throw bindFailed(where, error);
          },
        );
        bound.push({ id, handle, address });
      } else if (listener.proto === "local") {
        const handle = await bindLocalListener(listener.path).catch((error: unknown) => {
          throw bindFailed(`local ${listener.path}`, error);
        });
        bound.push({ id, handle, address: { proto: "local", path: listener.path } });
      }
    }
  } catch (error) {
    await closeListeners(bound);
    throw error;
  }
  return bound;
}

/** Closes the supervisor's handles and removes the Unix socket files it made. */
export async function closeListeners(bound: readonly BoundListener[]): Promise<void> {
  for (const listener of bound) listener.handle.close();
  await removeSocketFiles(bound);
}

/** Removes the Unix socket files of listeners that are closed. */
export async function removeSocketFiles(bound: readonly BoundListener[]): Promise<void> {
  for (const listener of bound) {
    if (listener.address.proto === "local" && listener.inherited !== true)
      await unlink(listener.address.path).catch(() => {});
  }
}
