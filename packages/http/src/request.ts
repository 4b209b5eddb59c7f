// The request object a generateHandler() callback receives: Moonbridge's
// request table in TypeScript. What reads memory is a property (method,
// path, headers, getParams, ...); what waits for the client is awaited
// (body, postParams, processRequestBody(), finish(), ...). Its connection,
// response and body state are private: the request loop reaches them
// through the functions the class's static block sets, below.

import { Buffer } from "node:buffer";
import type { PartMeta } from "@moonbridge/body-parser";
import { parseUrlencoded } from "@moonbridge/body-parser";
import { HeaderViews } from "@moonbridge/headers";
import type { RequestHead } from "@moonbridge/http-parser";
import { MoonSocket } from "@moonbridge/socket";
import { HttpError } from "./errors";
import { decodeText, isJsonType, mediaType, parseJson } from "./internal/body-text";
import { type ClientView, clientView } from "./internal/client-address";
import type { Connection } from "./internal/connection";
import { type PostStreamCallback, type PostTables, RequestBody } from "./internal/request-body";
import { Response, type ResponseData, setBeforeOutput } from "./internal/response";
import { type SendFileOptions, sendFile } from "./internal/send-file";

export type { PostStreamCallback, ResponseData, SendFileOptions };

/**
 * A read-only table of request fields by name (`getParams`, `postParams`,
 * ...): a name's value, or `undefined` for a name that is not there. A
 * table without prototype: `__proto__` and `toString` are names like any other.
 *
 * @example
 * ```ts
 * const page = Number(request.getParams.page ?? "1"); // getParams.page: string | undefined
 * ```
 */
export type ParamTable<T> = { readonly [name: string]: T | undefined };

/**
 * A read-only view of the request's header lines (`headers`, `cookies`, ...;
 * see HeaderViews in @moonbridge/headers): indexed by name (a header name in
 * any case, a cookie name as sent), iterable as `[name, value]` over the names
 * present (header names lowercased). `Absent` is what a name that is not
 * there gives: `[]` or `""` in most views, `undefined` in `headersValue` and
 * `cookies`.
 *
 * @example
 * ```ts
 * const sid = request.cookies.sid; // string | undefined
 * for (const [name, lines] of request.headers) console.log(name, lines.length);
 * ```
 */
export type HeaderTable<T, Absent = T> = { readonly [name: string]: T | Absent } & Iterable<
  [string, T]
>;

type Digit = "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9";
/** The three digits of a final status: "200" to "999". */
type StatusDigits = `${"2" | "3" | "4" | "5" | "6" | "7" | "8" | "9"}${Digit}${Digit}`;

/**
 * What sendStatus() takes: a number (200 to 999), a code alone (`"404"`: it
 * gets its standard reason) or a code, a space and a reason (`"404 Not
 * Found"`, `"299 "`). A string must start with a final status's three digits
 * to compile; sendStatus() also checks a number's range and that a reason
 * holds no control character (HttpError INVALID_STATUS).
 *
 * @example
 * ```ts
 * request.sendStatus(404);
 * request.sendStatus("404 Not Found");
 * // request.sendStatus("not found"); // a type error
 * ```
 */
export type ResponseStatus = number | StatusDigits | `${StatusDigits} ${string}`;

// For the request loop only (index.ts does not export them). Set by the static
// block of Request, the one place that reaches a request's private state, so
// that none of it is part of Request's public type; plain functions made once,
// nothing more per request.

/** Makes the request for a connection's current head (Request's constructor is private). */
export let createRequest: (conn: Connection, head: RequestHead) => Request;
/** The request's response: whether a status was sent, whether it is finished, keep-alive. */
export let responseOf: (request: Request) => Response;
/** The request's body, for the loop to discard what the callback left unread. */
export let requestBodyOf: (request: Request) => RequestBody;

/**
 * One HTTP request and its response.
 *
 * @example
 * ```ts
 * const handler = generateHandler(async (request) => {
 *   const name = request.getParams.name ?? "world";
 *   request.sendStatus("200 OK");
 *   request.sendHeader("Content-Type", "text/plain");
 *   request.sendData("Hello, ", name, "!\n");
 *   await request.finish();
 *   return true;
 * });
 * ```
 */
export class Request {
  /** The method as sent: "GET", "POST", "HEAD", ... */
  readonly method: string;
  /** The request-target as sent: "/a/b?x=1", "*", "http://host/p". */
  readonly target: string;
  /** "HTTP/1.0" or "HTTP/1.1". */
  readonly protocol: "HTTP/1.0" | "HTTP/1.1";

  readonly #conn: Connection;
  readonly #head: RequestHead;
  readonly #response: Response;
  /** Made when the body is first used (most requests never need one). */
  #bodyState: RequestBody | undefined;
  #views: HeaderViews | undefined;
  #getParamsList: Record<string, string[]> | undefined;
  #getParams: Record<string, string> | undefined;
  #deferred = false;
  /** clientAddress and secure, worked out when first asked for. */
  #client: ClientView | undefined;
  /** path and query, split from the target when first asked for (not every callback looks). */
  #split: [string | undefined, string | undefined] | undefined;

  static {
    createRequest = (conn, head) => new Request(conn, head);
    responseOf = (request) => request.#response;
    requestBodyOf = (request) => request.#body;
    setBeforeOutput((owner) => (owner as Request).#beforeOutput());
  }

  /** Made by the handler that generateHandler() returns, never by the application. */
  private constructor(conn: Connection, head: RequestHead) {
    this.#conn = conn;
    this.#head = head;
    this.method = head.method;
    this.target = head.target;
    this.protocol = head.versionMinor === 0 ? "HTTP/1.0" : "HTTP/1.1";
    this.#response = new Response(conn, head, this);
  }

  /**
   * The response is about to start: an unread body is read first, unless
   * reading was deferred; it is parsed only if the application asked for
   * that (see RequestBody.readBeforeOutput).
   */
  #beforeOutput(): Promise<void> | undefined {
    if (this.#deferred || this.#conn.requestComplete) return undefined;
    const body = this.#body;
    return body.unread ? body.readBeforeOutput() : undefined;
  }

  /** The path without its leading slash and without the query, not percent-decoded; undefined only for `OPTIONS *`. */
  get path(): string | undefined {
    this.#split ??= splitTarget(this.#head);
    return this.#split[0];
  }

  /** The query with its "?" ("?a=1&b=2"), or "" when there is none; undefined only for `OPTIONS *`. */
  get query(): string | undefined {
    this.#split ??= splitTarget(this.#head);
    return this.#split[1];
  }

  /** True once an I/O error or a timeout ended the connection; a faulty request refuses further use. */
  get faulty(): boolean {
    return this.#conn.failed;
  }

  /** The underlying socket (for a reset, addresses, ...); read the body through the request, not from it. */
  get socket(): MoonSocket {
    return this.#conn.socket;
  }

  /**
   * The client's IP address: the peer's (`socket.remoteAddress`, an
   * IPv4-mapped address as IPv4), or, when the peer is a proxy that the
   * `trustProxy` option names, the rightmost address of its forwarding
   * header that is not a trusted proxy. undefined on a Unix socket without
   * a trusted proxy's word.
   */
  get clientAddress(): string | undefined {
    this.#client ??= this.#clientView();
    return this.#client.address;
  }

  /**
   * The client reached the server over HTTPS: the connection is TLS (a
   * pool's TLS listener, or a TLSSocket the MoonSocket wraps), or a trusted
   * proxy says so (X-Forwarded-Proto, or Forwarded's `proto`, for the
   * client's hop).
   */
  get secure(): boolean {
    this.#client ??= this.#clientView();
    const socket = this.#conn.socket.netSocket as { encrypted?: boolean } | null;
    return this.#client.secure || socket?.encrypted === true;
  }

  #clientView(): ClientView {
    const options = this.#conn.options;
    const csv = options.trustProxy === undefined ? undefined : this.headersCsvString;
    return clientView(
      this.#conn.socket.remoteAddress,
      options.trustProxy,
      options.proxyHeaders,
      (name) => csv?.[name] ?? "",
    );
  }

  // Headers and cookies: @moonbridge/headers' lazy views.

  /** Name (any case) -> the value of every line with that name; `[]` when none has. */
  get headers(): HeaderTable<string[]> {
    return this.#headerViews().headers;
  }
  /** Name -> all lines with that name joined with ", "; "" when none has. */
  get headersCsvString(): HeaderTable<string> {
    return this.#headerViews().headersCsvString;
  }
  /** Name -> every comma-separated element of every line with that name; `[]` when none has. */
  get headersCsvTable(): HeaderTable<string[]> {
    return this.#headerViews().headersCsvTable;
  }
  /** Name -> element (any case) -> true for the elements present, false for others. */
  get headersFlags(): HeaderTable<HeaderTable<boolean>> {
    return this.#headerViews().headersFlags;
  }
  /** Name -> its value; false when several lines have that name; undefined when none has. */
  get headersValue(): HeaderTable<string | false, undefined> {
    // Typed by HeaderViews for lookups; a name present has a line, so iteration never gives undefined.
    return this.#headerViews().headersValue as HeaderTable<string | false, undefined>;
  }
  /** Cookie name (as sent) -> value, from every Cookie line; undefined for a cookie not sent. */
  get cookies(): HeaderTable<string, undefined> {
    return this.#headerViews().cookies;
  }
  /** The raw header lines, flat [name, value, ...], names as sent. */
  get rawHeaders(): readonly string[] {
    return this.#head.headers;
  }
  /** Trailer fields of a chunked body, flat [name, value, ...], once the body has been read. */
  get trailers(): readonly string[] | undefined {
    return this.#conn.requestComplete ? this.#conn.trailers : undefined;
  }

  // GET parameters, from the query.

  /** Field name -> every value in the query, in order; undefined for a field not in it. */
  get getParamsList(): ParamTable<string[]> {
    if (this.#getParamsList === undefined) {
      const list: Record<string, string[]> = Object.create(null);
      const query = this.query;
      if (query !== undefined && query.length > 1) {
        for (const [name, values] of parseUrlencoded(query.slice(1))) list[name] = values;
      }
      this.#getParamsList = list;
    }
    return this.#getParamsList;
  }
  /** Field name -> its first value in the query; undefined for a field not in it. */
  get getParams(): ParamTable<string> {
    if (this.#getParams === undefined) {
      const params: Record<string, string> = Object.create(null);
      const list = this.getParamsList;
      for (const name in list) params[name] = (list[name] as string[])[0] as string;
      this.#getParams = params;
    }
    return this.#getParams;
  }

  // The request body: one way only (see the README's table).

  /** The whole body (decoded, chunked framing removed). Excludes postParams and streamRequestBody. */
  get body(): Promise<Buffer> {
    return this.faulty ? faultyRejection() : this.#body.whole();
  }
  /** POST field name -> its first value (urlencoded or multipart; files as UTF-8 text); undefined for a field not sent. */
  get postParams(): Promise<ParamTable<string>> {
    return this.#tables().then((tables) => tables.params);
  }
  /** POST field name -> every value; undefined for a field not sent. */
  get postParamsList(): Promise<ParamTable<string[]>> {
    return this.#tables().then((tables) => tables.paramsList);
  }
  /** Multipart only (else undefined): field name -> the first part's metadata (fileName, contentType, headers). */
  get postMetadata(): Promise<ParamTable<PartMeta> | undefined> {
    return this.#tables().then((tables) => tables.metadata);
  }
  /** Multipart only (else undefined): field name -> every part's metadata. */
  get postMetadataList(): Promise<ParamTable<PartMeta[]> | undefined> {
    return this.#tables().then((tables) => tables.metadataList);
  }

  /**
   * Reads the body: fills the POST tables (urlencoded, multipart) and feeds the
   * registered field streams; other bodies are read and dropped. Runs once;
   * later calls return the same promise. Runs by itself when the response
   * starts, unless deferReading() was called.
   */
  processRequestBody(): Promise<void> {
    return this.faulty ? faultyRejection() : this.#body.process();
  }

  /**
   * Streams the multipart field `name` to `callback`: (first chunk, metadata),
   * then (chunk) for each further chunk, then () at its end; an empty field
   * gets (empty chunk, metadata) and (). A returned promise is awaited before
   * more is read. Chunks are valid until the callback returns (or its promise
   * settles): copy to keep. Register before the body is processed.
   */
  streamPostParam(name: string, callback: PostStreamCallback): void {
    this.#checkUsable();
    if (typeof name !== "string")
      throw new HttpError("INVALID_ARGUMENT", "streamPostParam: the field name must be a string");
    this.#body.addStream(name, callback);
  }

  /** As streamPostParam, for every field whose name matches `pattern`. */
  streamPostParams(pattern: RegExp, callback: PostStreamCallback): void {
    this.#checkUsable();
    if (!(pattern instanceof RegExp))
      throw new HttpError("INVALID_ARGUMENT", "streamPostParams: the pattern must be a RegExp");
    this.#body.addStream(pattern, callback);
  }

  /**
   * Streams the body to `callback`, awaiting a promise it returns; resolves at
   * the body's end. Without a callback: reads and drops the body, also after
   * it was consumed (then it does nothing).
   */
  streamRequestBody(callback?: (chunk: Buffer) => unknown): Promise<void> {
    return this.faulty ? faultyRejection() : this.#body.stream(callback);
  }

  /** The response may start before the body is read (no automatic processing). Mind the deadlock the reference warns of. */
  deferReading(): void {
    this.#deferred = true;
  }

  // The response.

  /** Sets the status: a number (404), a code ("404") or a line ("404 Not Found"); see ResponseStatus. Once, before anything else of the response. */
  sendStatus(status: ResponseStatus): void {
    this.#checkUsable();
    this.#response.status(status);
  }

  /** Adds a header line. Content-Length is held to; Connection: close means closeAfterFinish(). */
  sendHeader(name: string, value: string | number): void {
    this.#checkUsable();
    this.#response.header(name, value);
  }

  /**
   * Adds body data (bytes as they are, anything else as text); ignored for
   * HEAD. Resolves at once unless a chunk was sent: then when the kernel has
   * taken it (await it when streaming a large body). Do not change a buffer
   * until its data has been flushed.
   */
  sendData(...data: ResponseData[]): Promise<void> {
    this.#checkUsable();
    return this.#response.data(data);
  }

  /** Sends the status line and headers now; no header may follow. */
  finishHeaders(): Promise<void> {
    this.#checkUsable();
    return this.#response.finishHeaders();
  }

  /** Sends what has been written, now. */
  flush(): Promise<void> {
    this.#checkUsable();
    return this.#response.flush();
  }

  /** Ends the response (and sends it). May be called more than once. */
  finish(): Promise<void> {
    this.#checkUsable();
    return this.#response.finish();
  }

  /** Closes the connection after this response ("Connection: close"). Before the header section is finished. */
  closeAfterFinish(): void {
    this.#checkUsable();
    this.#response.closeAfterFinish();
  }

  // Helpers for what most callbacks would write by hand, on the methods above.

  /**
   * The body as text, decoded by the charset its Content-Type names (UTF-8
   * when none). Rejects with HttpError UNSUPPORTED_MEDIA_TYPE (status 415)
   * for a charset this runtime does not decode, BODY_INVALID (400) for
   * bytes that are not text in it; uncaught, the server answers with that
   * status. requestBodySizeLimit bounds it (413).
   */
  async text(): Promise<string> {
    const { charset } = mediaType(this.#contentType());
    return decodeText(await this.body, charset);
  }

  /**
   * The body parsed as JSON. Its Content-Type must be application/json or a
   * `+json` type (and UTF-8, the only charset JSON has): else HttpError
   * UNSUPPORTED_MEDIA_TYPE (status 415), before the body is read. A body
   * that is not JSON (an empty one too) is BODY_INVALID (400). Uncaught,
   * either answers the client with its status, and the worker serves on.
   *
   * @example
   * ```ts
   * const order = await request.json<{ item: string; count: number }>();
   * await request.sendJson({ ok: true, item: order.item }, 201);
   * ```
   */
  async json<T = unknown>(): Promise<T> {
    const { type, charset } = mediaType(this.#contentType());
    if (!isJsonType(type)) {
      throw new HttpError(
        "UNSUPPORTED_MEDIA_TYPE",
        `json(): the request's Content-Type is ${type === undefined ? "missing" : JSON.stringify(type)}, not application/json`,
      );
    }
    if (charset !== undefined && charset !== "utf-8" && charset !== "utf8") {
      throw new HttpError("UNSUPPORTED_MEDIA_TYPE", `json(): JSON is UTF-8, not ${charset}`);
    }
    return parseJson(decodeText(await this.body, "utf-8")) as T;
  }

  /**
   * Sends `value` as JSON, the whole response: the status (200 unless
   * given), Content-Type application/json with charset=utf-8, the
   * Content-Length, and the body. Throws INVALID_ARGUMENT for a value with
   * no JSON form (undefined, a function); JSON.stringify's own errors (a
   * BigInt, a cycle) as they are. Resolves as finish() does.
   */
  sendJson(value: unknown, status: ResponseStatus = 200): Promise<void> {
    this.#checkUsable();
    const text = JSON.stringify(value);
    if (text === undefined)
      throw new HttpError("INVALID_ARGUMENT", "sendJson: the value has no JSON form");
    this.sendStatus(status);
    this.sendHeader("Content-Type", "application/json; charset=utf-8");
    this.sendHeader("Content-Length", Buffer.byteLength(text));
    void this.sendData(text);
    return this.finish();
  }

  /**
   * Redirects, the whole response: `status` (302 unless given; 301, 303,
   * 307 and 308 too, and 300), a Location of `location` with every
   * character a header must not carry percent-encoded (an existing `%XX`
   * kept), and a short text body that names it. Resolves as finish() does.
   */
  redirect(location: string, status: RedirectStatus = 302): Promise<void> {
    this.#checkUsable();
    if (typeof location !== "string" || location === "")
      throw new HttpError("INVALID_ARGUMENT", "redirect: the location must be a non-empty string");
    if (!REDIRECT_STATUSES.includes(status))
      throw new HttpError(
        "INVALID_ARGUMENT",
        `redirect: the status must be one of ${REDIRECT_STATUSES.join(", ")}, got ${String(status)}`,
      );
    const target = encodeLocation(location);
    const text = `Redirecting to ${target}\n`;
    this.sendStatus(status);
    this.sendHeader("Location", target);
    this.sendHeader("Content-Type", "text/plain; charset=utf-8");
    this.sendHeader("Content-Length", text.length);
    void this.sendData(text);
    return this.finish();
  }

  /**
   * Sends a file as the whole response: Content-Type from its extension,
   * Last-Modified and an ETag, 304 for a conditional GET it satisfies, 206
   * for a single byte Range (416 when it holds none of the file), HEAD
   * without reading the file, streamed 64 KiB at a time. Resolves true once
   * sent; false, having sent nothing, when there is no regular file to send
   * at `path` (missing, a directory, out of `root`, a dot file): then the
   * application answers, a 404 say. See SendFileOptions.
   *
   * @example
   * ```ts
   * const name = decodeURIComponent(request.path ?? "");
   * if (!(await request.sendFile(name, { root: "public", maxAge: 3600 }))) {
   *   await request.sendJson({ error: "not found" }, 404);
   * }
   * ```
   */
  sendFile(path: string, options?: SendFileOptions): Promise<boolean> {
    this.#checkUsable();
    return sendFile(this, path, options);
  }

  /**
   * Takes the connection over, for a request that asks to switch protocols
   * (an `Upgrade` header: a WebSocket handshake, say): any body of the
   * request is read and dropped, the server's timeouts stop, and the
   * connection is returned as a new MoonSocket (over a net.Socket) whose
   * input begins with the bytes the client sent after the request. Nothing
   * is sent: the application writes the `101 Switching Protocols` itself,
   * or hands the socket to a library that does (`await socket.detach()`
   * gives ws its net.Socket and those bytes). The callback serves the
   * connection for as long as it likes, in this worker; when it returns,
   * the handler is done with the connection (it closes it only if the
   * application left it open). Throws UPGRADE_INVALID for a request that
   * does not ask to switch, or once a response has begun.
   *
   * @example
   * ```ts
   * if (request.headersValue.upgrade === "my-protocol") {
   *   const socket = await request.upgrade();
   *   await socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: my-protocol\r\nConnection: Upgrade\r\n\r\n").flush();
   *   for await (const line of socket.lines()) await socket.write(`echo ${line}\n`).flush();
   *   return true;
   * }
   * ```
   */
  async upgrade(): Promise<MoonSocket> {
    this.#checkUsable();
    if (!this.#conn.upgraded) {
      throw new HttpError(
        "UPGRADE_INVALID",
        "upgrade(): the request does not ask to switch protocols (it has no Upgrade header)",
      );
    }
    if (this.#response.statusSent) {
      throw new HttpError("UPGRADE_INVALID", "upgrade(): a response has begun already");
    }
    if (!this.#conn.requestComplete) await this.streamRequestBody();
    const { socket, unread } = await this.#conn.takeOver();
    const upgraded = new MoonSocket(socket, { unread });
    this.#conn.upgradedSocket = upgraded;
    return upgraded;
  }

  #contentType(): string | undefined {
    const value = this.headersValue["content-type"];
    return typeof value === "string" ? value : undefined;
  }

  /** The body, made on first use, reading from the connection (after 100 Continue, when expected). */
  get #body(): RequestBody {
    if (this.#bodyState !== undefined) return this.#bodyState;
    const conn = this.#conn;
    const response = this.#response;
    this.#bodyState = new RequestBody({
      next: () => {
        if (conn.requestComplete) return Promise.resolve(null);
        response.continueIfExpected();
        return conn.nextBody();
      },
      done: () => conn.requestComplete,
      contentType: () => this.#contentType(),
      urlencodedLimits: conn.options.urlencodedLimits,
      multipartLimits: conn.options.multipartLimits,
    });
    return this.#bodyState;
  }

  #headerViews(): HeaderViews {
    this.#views ??= new HeaderViews(this.#head.headers);
    return this.#views;
  }

  #tables(): Promise<PostTables> {
    return this.processRequestBody().then(() => this.#body.tables as PostTables);
  }

  #checkUsable(): void {
    if (this.faulty) throw faultyError();
    if (this.#conn.takenOver) {
      throw new HttpError(
        "UPGRADE_INVALID",
        "the connection was taken over by upgrade(): the response is the application's",
      );
    }
  }
}

/** The statuses redirect() sends. */
export type RedirectStatus = 300 | 301 | 302 | 303 | 307 | 308;
const REDIRECT_STATUSES: readonly number[] = [300, 301, 302, 303, 307, 308];

/**
 * A location with every character a URL keeps but a header must not carry
 * (controls, spaces, non-ASCII, `"<>\^`{|}`) percent-encoded as UTF-8, and a
 * `%` that starts no escape too; lone surrogates become U+FFFD.
 */
function encodeLocation(location: string): string {
  return location
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD")
    .replace(/%(?![0-9A-Fa-f]{2})|[^\x21\x23-\x3B\x3D\x3F-\x5B\x5D\x5F\x61-\x7A\x7E]+/g, (text) =>
      text === "%" ? "%25" : encodeURI(text),
    );
}

function faultyError(): HttpError {
  return new HttpError(
    "REQUEST_FAULTY",
    "the request is faulty: its connection failed or timed out",
  );
}

function faultyRejection(): Promise<never> {
  return Promise.reject(faultyError());
}

/** [path, query] of a request-target: origin-form, absolute-form, authority-form (CONNECT), or `OPTIONS *`. */
function splitTarget(head: RequestHead): [string | undefined, string | undefined] {
  let target = head.target;
  if (target === "*") return head.method === "OPTIONS" ? [undefined, undefined] : ["*", ""];
  if (target.charCodeAt(0) !== 0x2f) {
    // absolute-form: drop "scheme://authority"; authority-form has no path
    const scheme = target.indexOf("://");
    if (scheme === -1) return [target, ""];
    const slash = target.indexOf("/", scheme + 3);
    const query = target.indexOf("?", scheme + 3);
    const start = slash === -1 || (query !== -1 && query < slash) ? -1 : slash;
    target = start === -1 ? `/${query === -1 ? "" : target.slice(query)}` : target.slice(start);
  }
  const mark = target.indexOf("?");
  return mark === -1 ? [target.slice(1), ""] : [target.slice(1, mark), target.slice(mark)];
}
