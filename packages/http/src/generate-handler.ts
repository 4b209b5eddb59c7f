// generateHandler(): Moonbridge's http.generate_handler. It turns a request
// callback into a connect handler that serves one connection's requests in
// order (keep-alive, pipelining) and tells the pool whether the worker may
// serve again: only if every callback returned exactly true.

import type { MoonSocket } from "@moonbridge/socket";
import { HttpError } from "./errors";
import { RequestLoop } from "./internal/request-loop";
import { installRejectionListener } from "./internal/unhandled-rejections";
import { type HttpOptions, resolveOptions } from "./options";
import type { ConnectHandler, RequestCallback } from "./types";

/**
 * Makes a `connect` handler for `listen()` that serves HTTP/1.1 (and 1.0)
 * with `callback`, one request at a time, in order. Options may come first
 * or second, as in Moonbridge; they are checked here (HttpError INVALID_OPTION; no callback: INVALID_ARGUMENT).
 *
 * The handler resolves with true only if every callback on the connection
 * returned exactly true. A callback that throws, or leaves a promise
 * rejected and unhandled while it runs, gets its client a 500 (or a reset
 * once the response has started) and the handler rethrows, so the worker
 * exits; a client's bad request gets the parser's status (400, 413, 431, ...)
 * and costs the worker nothing. The first handler made installs the
 * process's one 'unhandledRejection' listener for that.
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
    throw new HttpError(
      "INVALID_ARGUMENT",
      "@moonbridge/http: generateHandler() needs a request callback function",
    );
  }
  const resolved = resolveOptions(options);
  // A promise a callback leaves rejected fails its request (once per process; see the file).
  installRejectionListener();
  return (socket) => serve(socket, callback as RequestCallback, resolved);
}

function serve(
  socket: MoonSocket,
  callback: RequestCallback,
  options: ReturnType<typeof resolveOptions>,
): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    new RequestLoop(socket, callback, options, resolve, reject).start();
  });
}
