// The function types of generateHandler(): the application's request
// callback and the connect handler it is turned into. In a file of their own
// so that generate-handler.ts and the request loop both import them, and
// neither imports the other for a type.

import type { MoonSocket } from "@moonbridge/socket";
import type { Request } from "./request";

/**
 * The application's request callback. Its result says whether the worker may
 * serve more connections: exactly `true` keeps it; anything else (false, or
 * from untyped code nothing at all) makes it exit after this connection, as
 * in Moonbridge. Typed as a boolean (or a promise or other thenable of
 * one) so that a callback that forgets `return true`, and silently costs a
 * fork per connection, does not compile.
 *
 * @example
 * ```ts
 * const callback: RequestCallback = async (request) => {
 *   request.sendStatus(204);
 *   await request.finish();
 *   return true; // without it: a type error (and a new worker per connection)
 * };
 * ```
 */
export type RequestCallback = (request: Request) => boolean | PromiseLike<boolean>;

/**
 * What generateHandler() makes: a `connect` handler for listen(). It resolves
 * with true only if every callback on the connection returned exactly true.
 *
 * @example
 * ```ts
 * const connect: ConnectHandler = generateHandler(callback);
 * listen({ listeners: [{ proto: "tcp", port: 8080 }], connect });
 * ```
 */
export type ConnectHandler = (socket: MoonSocket) => Promise<boolean>;

/**
 * One line of the access log (option `accessLog`): a request that reached
 * the callback, when its response is done or has failed.
 */
export interface AccessLogEntry {
  /** When the request's callback began. */
  time: Date;
  /** request.clientAddress: behind a trusted proxy, the client's (option trustProxy). */
  clientAddress: string | undefined;
  method: string;
  /** The request-target as sent. */
  target: string;
  protocol: "HTTP/1.0" | "HTTP/1.1";
  /** The status sent: the application's, or the server's error response (500, 408, 413, ...); 0 if none went out (a reset). */
  status: number;
  /** Body bytes sent (none for HEAD), framing not counted. */
  bytes: number;
  /** Milliseconds from the callback's start to the response's end. */
  durationMs: number;
  userAgent: string | undefined;
  referer: string | undefined;
}
