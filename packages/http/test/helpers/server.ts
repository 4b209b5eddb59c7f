// An in-process server for the tests: a net.Server whose connections go, each
// as a MoonSocket, through a handler made by generateHandler(), as a worker
// would run it. Every server started is closed by stopServers().

import { createServer, type Server, type Socket } from "node:net";
import { MoonSocket, type MoonSocketOptions } from "@moonbridge/socket";
import {
  type ConnectHandler,
  generateHandler,
  type HttpOptions,
  type RequestCallback,
} from "../../src/index";

export interface TestServer {
  port: number;
  /** Each connection's handler result: true/false, or the error it threw. */
  results: Array<boolean | unknown>;
  /** Resolves once `count` connections have been handled to their end. */
  handled(count: number): Promise<Array<boolean | unknown>>;
}

const servers: Array<{ server: Server; sockets: Set<Socket> }> = [];

/** `socketOptions` go to each connection's MoonSocket (a parking lot, say). */
export function startServer(
  callback: RequestCallback,
  options?: HttpOptions,
  socketOptions?: MoonSocketOptions,
): Promise<TestServer> {
  return startServerWith(generateHandler(callback, options), socketOptions);
}

/** A server whose connections go to `handler` (one made by fetchHandler, say). */
export async function startServerWith(
  handler: ConnectHandler,
  socketOptions?: MoonSocketOptions,
): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const results: Array<boolean | unknown> = [];
  const waiters: Array<() => void> = [];
  const server = createServer({ allowHalfOpen: true }, (connection) => {
    sockets.add(connection);
    connection.on("close", () => sockets.delete(connection));
    handler(new MoonSocket(connection, socketOptions))
      .then(
        (result) => results.push(result),
        (error: unknown) => results.push(error instanceof Error ? error : new Error(String(error))),
      )
      .finally(() => {
        for (const waiter of waiters.splice(0)) waiter();
      });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push({ server, sockets });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    port: address.port,
    results,
    async handled(count) {
      while (results.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
      return results;
    },
  };
}

export async function stopServers(): Promise<void> {
  for (const { server, sockets } of servers.splice(0)) {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}
