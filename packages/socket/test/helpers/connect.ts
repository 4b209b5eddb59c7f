// Real connections for tests: a listener on 127.0.0.1 port 0 (or a Unix
// socket in a temp dir), a plain net.Socket client, and the server side of
// the connection wrapped in a MoonSocket. Everything made is closed in cleanup.

import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MoonSocket, type MoonSocketOptions } from "../../src/index";

/** How the server side is served: over a net.Socket, or over its bare handle (MoonSocket.fromHandle, as the pool's workers do). */
export type Transport = "tcp" | "unix" | "tcp, bare handle" | "unix, bare handle";

/** Every transport, for describe.each: each suite runs over net.Socket and over bare handles. */
export const TRANSPORTS = ["tcp", "unix", "tcp, bare handle", "unix, bare handle"] as const;

/** The socket kind of a transport. */
function kind(transport: Transport): "tcp" | "unix" {
  return transport.startsWith("tcp") ? "tcp" : "unix";
}

export interface Connection {
  /** The server side, as a handler would get it. */
  moon: MoonSocket;
  /** The peer: a plain Node socket. */
  client: Socket;
  server: Server;
}

const cleanups: Array<() => Promise<void>> = [];

/** Closes every connection and server made since the last call (call in afterEach). */
export async function cleanup(): Promise<void> {
  const pending = cleanups.splice(0);
  await Promise.all(pending.map((fn) => fn()));
}

/** A connection's two plain Node sockets: the server side (`raw`, paused, half-open) and the client. */
export async function pair(
  transport: Transport = "tcp",
): Promise<{ raw: Socket; client: Socket; server: Server }> {
  const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
  let dir: string | undefined;
  const accepted = new Promise<Socket>((resolve) => server.once("connection", resolve));
  if (kind(transport) === "tcp") {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  } else {
    dir = mkdtempSync(join(tmpdir(), "moon-socket-"));
    const path = join(dir, "s.sock");
    await new Promise<void>((resolve) => server.listen(path, resolve));
  }
  const address = server.address();
  const client =
    typeof address === "string"
      ? createConnection({ path: address, allowHalfOpen: true })
      : createConnection({ host: "127.0.0.1", port: address?.port ?? 0, allowHalfOpen: true });
  client.on("error", () => {}); // tests inspect errors through their own listeners
  await new Promise<void>((resolve) => client.once("connect", resolve));
  const raw = await accepted;
  cleanups.push(async () => {
    client.destroy();
    raw.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });
  return { raw, client, server };
}

export async function connect(
  transport: Transport = "tcp",
  options: MoonSocketOptions = {},
): Promise<Connection> {
  const { raw, client, server } = await pair(transport);
  if (!transport.endsWith("bare handle"))
    return { moon: new MoonSocket(raw, options), client, server };
  return { moon: MoonSocket.fromHandle(takeHandle(raw), options), client, server };
}

/** Takes the handle out of a fresh accepted net.Socket (as a server accepting on handles would have it); the socket is left empty. */
export function takeHandle(raw: Socket): object {
  const internals = raw as unknown as { _handle: object | null };
  const handle = internals._handle;
  if (handle === null) throw new Error("the socket has no handle");
  internals._handle = null;
  raw.destroy();
  return handle;
}

/** Everything the client receives until the server's FIN (or an error). */
export function collect(
  client: Socket,
): Promise<{ data: Buffer; error: NodeJS.ErrnoException | undefined }> {
  const chunks: Buffer[] = [];
  return new Promise((resolve) => {
    client.on("data", (chunk: Buffer) => chunks.push(chunk));
    client.once("end", () => resolve({ data: Buffer.concat(chunks), error: undefined }));
    client.once("error", (error) => resolve({ data: Buffer.concat(chunks), error }));
  });
}

/** Waits until `condition` holds, checking every few milliseconds (a bound, not a timing assertion). */
export async function until(condition: () => boolean, what: string, seconds = 10): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Writes on the client and resolves once the kernel has it. */
export function send(client: Socket, data: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) =>
    client.write(data, (error) => (error ? reject(error) : resolve())),
  );
}
