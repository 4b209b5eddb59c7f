// generateHandler(): Moonbridge's http.generate_handler. It turns a request
// callback into a connect handler that serves one connection's requests in
// order (keep-alive, pipelining) and tells the pool whether the worker may
// serve again: only if every callback returned exactly true.

import type { MoonSocket } from "@moonbridge/socket";
import { resetTimeouts } from "@moonbridge/timeout";
import { HttpError } from "./errors";
import { Connection, clientErrorStatus } from "./internal/connection";
import { isThenable } from "./internal/thenable";
import { type HttpOptions, resolveOptions } from "./options";
import { Request } from "./request";

/** The application's request callback; exactly `true` keeps the worker for more connections. */
export type RequestCallback = (request: Request) => unknown;

/** What generateHandler() makes: a `connect` handler for listen(). */
export type ConnectHandler = (socket: MoonSocket) => Promise<boolean>;

/**
 * Makes a `connect` handler for `listen()` that serves HTTP/1.1 (and 1.0)
 * with `callback`, one request at a time, in order. Options may come first
 * or second, as in Moonbridge; they are checked here (HttpError INVALID_OPTION).
 *
 * The handler resolves with true only if every callback on the connection
 * returned exactly true. A callback that throws gets its client a 500 (or a
 * reset once the response has started) and the handler rethrows, so the
 * worker exits; a client's bad request gets the parser's status (400, 413,
 * 431, ...) and costs the worker nothing.
 *
 * @example
 * ```ts
 * listen({
 *   listeners: [{ proto: "tcp", host: "127.0.0.1", port: 8080 }],
 *   connect: generateHandler({ staticHeaders: ["Server: demo"] }, async (request) => {
 *     request.sendStatus(200);
 *     request.sendHeader("Content-Type", "text/plain");
 *     request.sendData("Hello World!\n");
 *     await request.finish();
 *     return true;
 *   }),
 * });
 * ```
 */
export function generateHandler(callback: RequestCallback, options?: HttpOptions): ConnectHandler;
export function generateHandler(options: HttpOptions, callback: RequestCallback): ConnectHandler;
export function generateHandler(
  first: RequestCallback | HttpOptions,
  second?: RequestCallback | HttpOptions,
): ConnectHandler {
  const [callback, options] =
    typeof first === "function" ? [first, second as HttpOptions | undefined] : [second, first];
  if (typeof callback !== "function") {
    throw new HttpError("INVALID_OPTION", "generateHandler needs a request callback function");
  }
  const resolved = resolveOptions(options);
  return (socket) => serve(socket, callback as RequestCallback, resolved);
}

async function serve(
  socket: MoonSocket,
  callback: RequestCallback,
  options: ReturnType<typeof resolveOptions>,
): Promise<boolean> {
  const conn = new Connection(socket, options);
  let survive = true;
  let failure: { error: unknown } | undefined;
  try {
    for (;;) {
      let more: boolean | undefined;
      try {
        conn.beginNext();
        more = conn.nextHead();
        while (more === undefined) {
          // Awaited here, not in a Connection method: one async step per request fewer.
          try {
            await conn.waitForInput();
          } catch (error) {
            more = conn.inputFailed(error);
            break;
          }
          more = conn.nextHead();
        }
      } catch (error) {
        const status = clientErrorStatus(error);
        if (status !== undefined) conn.sendErrorResponse(status);
        break;
      }
      if (!more) break;
      const request = new Request(conn, conn.head);
      let result: unknown;
      try {
        result = callback(request);
        // A callback that answered synchronously is not awaited: no turn of the microtask queue for nothing.
        if (isThenable(result)) result = await result;
        if (!request.response.statusSent) {
          throw new HttpError(
            "NO_RESPONSE",
            "the request callback returned without sending a status",
          );
        }
        if (!request.response.finished) await request.finish();
        // Only a connection that serves on reads the rest of the body here;
        // one that ends drains it in end(), bounded by drainTimeout.
        if (!conn.requestComplete && request.response.keepAlive)
          await request.requestBody.discard();
      } catch (error) {
        resetTimeouts();
        // The client's connection failed or timed out: nobody's error but the client's.
        if (conn.failed || socket.closed) break;
        const status = clientErrorStatus(error);
        if (status !== undefined) {
          conn.sendErrorResponse(status);
          break;
        }
        if (conn.responseStarted) socket.cancel();
        else conn.sendErrorResponse(500);
        failure = { error };
        break;
      }
      resetTimeouts();
      if (result !== true) survive = false;
      if (!request.response.keepAlive || conn.upgraded) break;
    }
  } finally {
    await conn.end();
  }
  if (failure !== undefined) throw failure.error;
  return survive;
}
