// fetchHandler(): a fetch-style application, `(request: Request) =>
// Response` with the web platform's own Request and Response (what Hono's
// app.fetch, itty-router and plain fetch handlers are), served on the pool
// through generateHandler(). Each request becomes a web Request whose body
// streams from the client as the application reads it; the Response's
// status, headers and body stream go out, chunk by chunk, each awaited, and
// flushed whenever the application is slower than the connection.

import { HttpError } from "./errors";
import { generateHandler } from "./generate-handler";
import { bodyStream } from "./internal/body-stream";
import type { HttpOptions } from "./options";
import type { Request as HttpRequest } from "./request";
import type { ConnectHandler } from "./types";

/** A fetch-style application: Hono's `app.fetch`, an itty-router's `fetch`, or your own. */
export type FetchFunction = (request: globalThis.Request) => Response | PromiseLike<Response>;

/** Headers the server writes itself (framing, the connection): a Response's own are left out. */
const SERVER_HEADERS = new Set(["connection", "keep-alive", "transfer-encoding", "date"]);

/**
 * Makes a `connect` handler for `listen()` that serves a fetch-style
 * application: each request is given to `fetchFn` as a web `Request` (its
 * URL from the Host header, `http:` or, behind a trusted proxy that says
 * so, `https:`; its body a stream read from the client as the application
 * reads it, and dropped if it does not), and the `Response` it returns is
 * sent, its body streamed. `options` are generateHandler's. What `fetchFn`
 * throws is an application error, as a callback's: a 500, and the worker
 * is replaced (a framework such as Hono answers its own errors first).
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * const app = new Hono().get("/", (c) => c.json({ hello: "world" }));
 * listen({ listeners: [{ proto: "tcp", port: 8080 }], connect: fetchHandler(app.fetch) });
 * ```
 */
export function fetchHandler(fetchFn: FetchFunction, options?: HttpOptions): ConnectHandler {
  if (typeof fetchFn !== "function") {
    throw new HttpError(
      "INVALID_ARGUMENT",
      "@moonbridge/http: fetchHandler() needs a fetch function ((request) => Response)",
    );
  }
  return generateHandler(options ?? {}, async (request) => {
    const body =
      request.method === "GET" || request.method === "HEAD" ? undefined : bodyStream(request);
    let response: Response;
    try {
      response = await fetchFn(webRequest(request, body?.stream));
    } finally {
      body?.release();
    }
    if (!(response instanceof Response)) {
      throw new HttpError(
        "INVALID_ARGUMENT",
        `fetchHandler: the fetch function must return a Response, got ${typeof response}`,
      );
    }
    await send(request, response);
    return true;
  });
}

/** The web Request for one of ours. */
function webRequest(
  request: HttpRequest,
  body: ReadableStream<Uint8Array> | undefined,
): globalThis.Request {
  const raw = request.rawHeaders;
  const headers = new Headers();
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i] as string, raw[i + 1] as string);
  const host = headers.get("host") || "localhost";
  const scheme = request.secure ? "https" : "http";
  const target = request.target;
  // origin-form ("/a?b") is the usual; an absolute-form target carries its own origin.
  const url = target.startsWith("/") ? `${scheme}://${host}${target}` : target;
  // A body only when the request has one: GET and HEAD never; others by their framing.
  const hasBody =
    body !== undefined &&
    (headers.has("transfer-encoding") || Number(headers.get("content-length") ?? 0) > 0);
  return new Request(url, {
    method: request.method,
    headers,
    ...(hasBody && { body, duplex: "half" }),
  } as RequestInit);
}

/** Sends `response` as the request's response, its body streamed (not for HEAD). */
async function send(request: HttpRequest, response: Response): Promise<void> {
  request.sendStatus(
    (response.statusText ? `${response.status} ${response.statusText}` : response.status) as never,
  );
  for (const [name, value] of response.headers) {
    if (SERVER_HEADERS.has(name) || name === "set-cookie") continue;
    request.sendHeader(name, value);
  }
  for (const cookie of response.headers.getSetCookie()) request.sendHeader("Set-Cookie", cookie);
  const stream = response.body;
  if (stream === null) {
    await request.finish();
    return;
  }
  if (request.method === "HEAD") {
    await stream.cancel();
    await request.finish();
    return;
  }
  const reader = stream.getReader();
  try {
    for (;;) {
      const next = reader.read();
      // A chunk that is not there by the next turn of the event loop is being made: what
      // came before goes out now (a body made at once still goes whole, with its length).
      let result = await Promise.race([next, nextTurn()]);
      if (result === undefined) {
        await request.flush();
        result = await next;
      }
      if (result.done) break;
      if (result.value.length > 0) await request.sendData(result.value);
    }
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    throw error;
  }
  await request.finish();
}

/** Resolves with undefined in the next turn of the event loop (after pending I/O). */
function nextTurn(): Promise<undefined> {
  return new Promise((resolve) => setImmediate(() => resolve(undefined)));
}
