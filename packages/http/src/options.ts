// The options of generateHandler(), Moonbridge's http.generate_handler
// options in TypeScript, and their checking: once, when the handler is made;
// a bad value or an unknown key throws HttpError INVALID_OPTION naming it; a
// missing one takes its default (the convention of every package: see
// docs/architecture.md, "Errors and options").

import type { MultipartLimits, UrlencodedLimits } from "@moonbridge/body-parser";
import type { RequestParserOptions } from "@moonbridge/http-parser";
import { HttpError } from "./errors";
import { type AccessLogger, accessLogger } from "./internal/access-log";
import { type ErrorPage, type ErrorPageFn, ErrorPages } from "./internal/error-pages";
import { checkHeaderName, checkHeaderValue } from "./internal/header-check";
import { ERROR_CODES } from "./internal/status-text";
import { TrustedProxies } from "./internal/trusted-proxies";
import type { AccessLogEntry } from "./types";

/** Headers sent with every response: one string of lines, a list of lines, a list of pairs, or an object. */
export type StaticHeaders = string | string[] | Array<[string, string]> | Record<string, string>;

/**
 * Options of {@link generateHandler}; sizes in bytes, times in seconds (0
 * disables a timeout), counts as counts. Each has a finite default.
 *
 * @example
 * ```ts
 * generateHandler(callback, {
 *   requestBodySizeLimit: 8 * 1024 * 1024, // 8 MiB uploads
 *   postFieldCountLimit: 100,
 *   idleTimeout: 30,
 * });
 * ```
 */
export interface HttpOptions {
  /** Bytes of request line plus header section. Larger: 431 (414 for the request line). @default 81920 (80 KiB) */
  requestHeaderSizeLimit?: number;
  /** Bytes of a request body, decoded (chunked framing not counted). Larger: 413. @default 67108864 (64 MiB) */
  requestBodySizeLimit?: number;
  /** Header fields of a request (and trailer fields of a chunked body). More: 431. @default 100 */
  requestHeaderCountLimit?: number;
  /** Bytes of chunk extensions of one request (checked, then skipped). More: 413. @default 16384 */
  chunkExtensionSizeLimit?: number;
  /**
   * Serve a request whose client had closed its sending side (its FIN
   * arrived) before the callback would start. Off: such a request is taken
   * for a client that has gone (gave up, timed out) and never reaches the
   * callback; the connection is closed. A client that half-closes on
   * purpose after its request (`nc -N`, some scripts) needs it on.
   * @default false
   */
  serveHalfClosed?: boolean;
  /**
   * Fields of a form body the POST tables are made from: urlencoded fields,
   * multipart parts. More: 413. Applies only when the body is parsed.
   * @default 1000
   */
  postFieldCountLimit?: number;
  /** Bytes of an urlencoded field name, as sent (before decoding). Longer: 413. @default 1024 (1 KiB) */
  postFieldNameSizeLimit?: number;
  /**
   * Bytes of one field's value: an urlencoded value as sent (before
   * decoding), a multipart part without a file name. Longer: 413.
   * @default 1048576 (1 MiB)
   */
  postFieldSizeLimit?: number;
  /** Bytes of one multipart file part (a part with a file name). Longer: 413. @default requestBodySizeLimit */
  postFileSizeLimit?: number;
  /** Bytes of one multipart part's header section. Longer: 413. @default 16384 (16 KiB) */
  postPartHeaderSizeLimit?: number;
  /** Default of maximumInputChunkSize and minimumOutputChunkSize. @default 16384 */
  chunkSize?: number;
  /** Largest piece of input handed on at once (body stream chunks are at most this long). @default chunkSize */
  maximumInputChunkSize?: number;
  /** Response body bytes gathered before they are sent as one chunk; flush() sends at once. @default chunkSize */
  minimumOutputChunkSize?: number;
  /** Headers sent with every response (checked once, here). @default none */
  staticHeaders?: StaticHeaders;
  /** Seconds to wait for the first byte of a request (also between keep-alive requests). @default 65 */
  idleTimeout?: number;
  /** Seconds from a request's first byte to the end of its header section; then 408. @default 120 */
  requestHeaderTimeout?: number;
  /** Seconds without progress either way while the server waits on the client; then 408 or a reset. @default 60 */
  stallTimeout?: number;
  /** Seconds from the end of a request's header section to the end of its response; then 408 or a reset. @default 3600 */
  responseTimeout?: number;
  /** Seconds of reading (and discarding) the client's leftover input before closing after an error. @default 2 */
  drainTimeout?: number;
  /**
   * Park connections: a connection goes back to the supervisor (which holds
   * it without a worker) when its worker leaves (retired, reloaded, over its
   * memory limit) or when its next request arrives while another request
   * holds the worker (then an idle worker serves it), and after `parkAfter`
   * (or `parkHeaderAfter`) seconds if those are set; it comes back to a
   * worker with its next request. Only where the socket has a parking lot
   * (under listen()); elsewhere nothing changes.
   * @default true
   */
  parking?: boolean;
  /**
   * Seconds a keep-alive connection stays idle in its worker before it is
   * parked; 0: right after each response. A worker holds its idle
   * connections without its turn (they cost it memory, about what the
   * supervisor would hold), so by default they stay.
   * @default never
   */
  parkAfter?: number;
  /**
   * Seconds a connection whose request head is incomplete waits in its
   * worker for the rest before it is parked (at once when its worker
   * leaves): it then costs the supervisor a file descriptor and the head so
   * far. The head's requestHeaderTimeout runs on while it is parked (there it
   * ends with a close, not a 408). A slow head does not hold its worker's
   * turn, so by default it stays.
   * @default never
   */
  parkHeaderAfter?: number;
  /**
   * The proxies in front of this server whose forwarding headers are
   * believed: IP addresses, CIDR ranges ("10.0.0.0/8", "fd00::/8"),
   * "loopback", "private", "linklocal", or "unix" (a peer on a Unix
   * socket). When the peer is one of them, `request.clientAddress` is the
   * rightmost address of the forwarding header that is not, and
   * `request.secure` what the protocol header says of that hop. Trust only
   * proxies that overwrite or append to the header: a client can send any.
   * @default none (the headers are never believed)
   */
  trustProxy?: string | readonly string[];
  /**
   * Which forwarding headers a trusted proxy sets: "x-forwarded"
   * (X-Forwarded-For and X-Forwarded-Proto, as nginx, HAProxy and cloud
   * load balancers do) or "forwarded" (RFC 7239's Forwarded). The other is
   * never read: a proxy passes on what a client sent in a header it does not set.
   * @default "x-forwarded"
   */
  proxyHeaders?: "x-forwarded" | "forwarded";
  /**
   * A line per request that reached the callback, when its response is done
   * (or failed): "common" (the Common Log Format) or "json" (one object a
   * line) to standard output, or a function that takes each entry (one that
   * throws fails the connection, as the callback's errors do).
   * @default off
   */
  accessLog?: "common" | "json" | ((entry: AccessLogEntry) => void);
  /**
   * The pages of the error responses the server sends itself: a bad request
   * (400, 413, 431, ...), a timeout (408), the callback's exception (500),
   * and the 503 a client gets when a `timeout()` timer kills the worker
   * during its request before its response began. Called once for each 4xx
   * and 5xx status when the handler is made; `{ type, body }` is that
   * status's page (a 503 page is 16 KiB at most with its head), undefined
   * keeps the short text. Every such response closes its connection.
   * @default a line of text/plain: "404 Not Found"
   */
  errorPage?: (status: number) => ErrorPage | undefined;
}

export interface ResolvedHttpOptions {
  requestHeaderSizeLimit: number;
  requestBodySizeLimit: number;
  requestHeaderCountLimit: number;
  chunkExtensionSizeLimit: number;
  /** The four limits above as @moonbridge/http-parser takes them, made once (the handler's parser pool is keyed by it). */
  parserLimits: Readonly<
    Required<
      Pick<
        RequestParserOptions,
        "maxHeaderSize" | "maxBodySize" | "maxHeaderCount" | "maxChunkExtensionSize"
      >
    >
  >;
  serveHalfClosed: boolean;
  /** The post*Limit options as @moonbridge/body-parser takes them, made once. */
  urlencodedLimits: Readonly<Required<UrlencodedLimits>>;
  multipartLimits: Readonly<Required<MultipartLimits>>;
  maximumInputChunkSize: number;
  minimumOutputChunkSize: number;
  /** Rendered once: `Name: value\r\n` lines. */
  staticHeaders: string;
  /** True if staticHeaders holds a Date header (then none is added). */
  staticDate: boolean;
  idleTimeout: number;
  requestHeaderTimeout: number;
  stallTimeout: number;
  responseTimeout: number;
  drainTimeout: number;
  parking: boolean;
  parkAfter: number;
  parkHeaderAfter: number;
  /** undefined: no proxy is trusted. */
  trustProxy: TrustedProxies | undefined;
  proxyHeaders: "x-forwarded" | "forwarded";
  /** undefined: no access log. */
  accessLog: AccessLogger | undefined;
  /** The server's own error responses, made once (the errorPage option's pages, or the short texts). */
  errorPages: ErrorPages;
}

/**
 * The options generateHandler() knows, each once; any other key is an
 * error, not silently ignored. The compiler fails when an option is added
 * to HttpOptions and not here.
 */
const OPTION_NAMES = Object.keys({
  requestHeaderSizeLimit: true,
  requestBodySizeLimit: true,
  requestHeaderCountLimit: true,
  chunkExtensionSizeLimit: true,
  serveHalfClosed: true,
  postFieldCountLimit: true,
  postFieldNameSizeLimit: true,
  postFieldSizeLimit: true,
  postFileSizeLimit: true,
  postPartHeaderSizeLimit: true,
  chunkSize: true,
  maximumInputChunkSize: true,
  minimumOutputChunkSize: true,
  staticHeaders: true,
  idleTimeout: true,
  requestHeaderTimeout: true,
  stallTimeout: true,
  responseTimeout: true,
  drainTimeout: true,
  parking: true,
  parkAfter: true,
  parkHeaderAfter: true,
  trustProxy: true,
  proxyHeaders: true,
  accessLog: true,
  errorPage: true,
} satisfies Record<keyof HttpOptions, true>);

function invalid(message: string): HttpError {
  return new HttpError("INVALID_OPTION", `@moonbridge/http: generateHandler(): ${message}`);
}

function size(options: HttpOptions, name: keyof HttpOptions, fallback: number): number {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw invalid(`${name} must be a positive integer (bytes), got ${shown(value)}`);
  }
  return value;
}

function count(options: HttpOptions, name: keyof HttpOptions, fallback: number): number {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw invalid(`${name} must be a positive integer (a count), got ${shown(value)}`);
  }
  return value;
}

function seconds(options: HttpOptions, name: keyof HttpOptions, fallback: number): number {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > 2 ** 31 / 1000) {
    throw invalid(
      `${name} must be a number of seconds from 0 (disabled) to 2147483, got ${shown(value)}`,
    );
  }
  return value;
}

function flag(options: HttpOptions, name: keyof HttpOptions, fallback: boolean): boolean {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== "boolean")
    throw invalid(`${name} must be true or false, got ${shown(value)}`);
  return value;
}

/** trustProxy, checked: undefined when it names no proxy. */
function trustedProxies(value: unknown): TrustedProxies | undefined {
  if (value === undefined) return undefined;
  const entries = typeof value === "string" ? [value] : value;
  if (!Array.isArray(entries) || entries.some((entry) => typeof entry !== "string"))
    throw invalid(`trustProxy must be a string or a list of strings, got ${shown(value)}`);
  if (entries.length === 0) return undefined;
  try {
    return new TrustedProxies(entries as string[]);
  } catch (error) {
    throw invalid(`trustProxy: ${(error as Error).message}`);
  }
}

/** Renders staticHeaders as `Name: value\r\n` lines, each checked like sendHeader's. */
function renderStaticHeaders(headers: StaticHeaders | undefined): { text: string; date: boolean } {
  if (headers === undefined) return { text: "", date: false };
  const pairs: Array<[unknown, unknown]> = [];
  const line = (text: unknown): void => {
    if (typeof text !== "string") {
      throw invalid(`staticHeaders lines must be strings, got ${shown(text)}`);
    }
    for (const part of text.split(/\r?\n/)) {
      if (part === "") continue;
      const colon = part.indexOf(":");
      if (colon < 1) throw invalid('staticHeaders: a line must look like "Name: value"');
      pairs.push([part.slice(0, colon), part.slice(colon + 1).trim()]);
    }
  };
  if (typeof headers === "string") line(headers);
  else if (Array.isArray(headers)) {
    for (const entry of headers as unknown[]) {
      if (Array.isArray(entry)) {
        if (entry.length !== 2) {
          throw invalid(`staticHeaders pairs must be [name, value], got ${entry.length} entries`);
        }
        pairs.push([entry[0], entry[1]]);
      } else line(entry);
    }
  } else if (typeof headers === "object" && headers !== null) {
    for (const [name, value] of Object.entries(headers)) pairs.push([name, value]);
  } else {
    throw invalid(
      `staticHeaders must be a string, a list of lines or pairs, or an object, got ${shown(headers)}`,
    );
  }
  let text = "";
  let date = false;
  for (const [name, value] of pairs) {
    if (typeof value !== "string") {
      throw invalid(`staticHeaders values must be strings, got ${shown(value)}`);
    }
    try {
      checkHeaderName(name, "staticHeaders");
      checkHeaderValue(value, "staticHeaders");
    } catch (error) {
      throw invalid((error as Error).message);
    }
    const lower = name.toLowerCase();
    if (
      lower === "content-length" ||
      lower === "transfer-encoding" ||
      lower === "connection" ||
      lower === "keep-alive"
    ) {
      throw invalid(`staticHeaders may not hold ${name}: the server frames every response itself`);
    }
    if (lower === "date") date = true;
    text += `${name}: ${value}\r\n`;
  }
  return { text, date };
}

function accessLogOption(value: unknown): AccessLogger | undefined {
  if (value === undefined) return undefined;
  if (value !== "common" && value !== "json" && typeof value !== "function")
    throw invalid(`accessLog must be "common", "json" or a function, got ${shown(value)}`);
  return accessLogger(value as "common" | "json" | AccessLogger);
}

function errorPages(value: unknown, staticHeaders: string): ErrorPages {
  if (value !== undefined && typeof value !== "function")
    throw invalid(`errorPage must be a function, got ${shown(value)}`);
  try {
    return new ErrorPages(staticHeaders, value as ErrorPageFn | undefined, ERROR_CODES);
  } catch (error) {
    throw invalid((error as Error).message);
  }
}

function proxyHeaders(value: unknown): "x-forwarded" | "forwarded" {
  if (value === undefined) return "x-forwarded";
  if (value !== "x-forwarded" && value !== "forwarded")
    throw invalid(`proxyHeaders must be "x-forwarded" or "forwarded", got ${shown(value)}`);
  return value;
}

/** Checks `options` and fills in the defaults; throws HttpError INVALID_OPTION naming the option. */
export function resolveOptions(options: HttpOptions | undefined): ResolvedHttpOptions {
  if (options === undefined) options = {};
  if (typeof options !== "object" || options === null) {
    throw invalid(`options must be an object, got ${shown(options)}`);
  }
  // Moonbridge's snake_case names get ours: "request_header_size_limit"; did you mean
  // requestHeaderSizeLimit?
  const unknown = unknownOption(options, OPTION_NAMES);
  if (unknown !== undefined) throw invalid(unknown);
  const chunkSize = size(options, "chunkSize", 16384);
  const statics = renderStaticHeaders(options.staticHeaders);
  const requestBodySizeLimit = size(options, "requestBodySizeLimit", 64 * 1024 * 1024);
  const fieldCount = count(options, "postFieldCountLimit", 1000);
  const fieldSize = size(options, "postFieldSizeLimit", 1024 * 1024);
  const requestHeaderSizeLimit = size(options, "requestHeaderSizeLimit", 81920);
  const requestHeaderCountLimit = count(options, "requestHeaderCountLimit", 100);
  const chunkExtensionSizeLimit = size(options, "chunkExtensionSizeLimit", 16384);
  return {
    requestHeaderSizeLimit,
    requestBodySizeLimit,
    requestHeaderCountLimit,
    chunkExtensionSizeLimit,
    parserLimits: Object.freeze({
      maxHeaderSize: requestHeaderSizeLimit,
      maxBodySize: requestBodySizeLimit,
      maxHeaderCount: requestHeaderCountLimit,
      maxChunkExtensionSize: chunkExtensionSizeLimit,
    }),
    serveHalfClosed: flag(options, "serveHalfClosed", false),
    urlencodedLimits: Object.freeze({
      maxFields: fieldCount,
      maxNameLength: size(options, "postFieldNameSizeLimit", 1024),
      maxValueLength: fieldSize,
    }),
    multipartLimits: Object.freeze({
      maxParts: fieldCount,
      maxPartHeaderSize: size(options, "postPartHeaderSizeLimit", 16384),
      maxFieldSize: fieldSize,
      maxFileSize: size(options, "postFileSizeLimit", requestBodySizeLimit),
      // The parser's own limit holds the body to requestBodySizeLimit already; this is its counterpart.
      maxTotalSize: requestBodySizeLimit,
    }),
    maximumInputChunkSize: size(options, "maximumInputChunkSize", chunkSize),
    minimumOutputChunkSize: size(options, "minimumOutputChunkSize", chunkSize),
    staticHeaders: statics.text,
    staticDate: statics.date,
    idleTimeout: seconds(options, "idleTimeout", 65),
    requestHeaderTimeout: seconds(options, "requestHeaderTimeout", 120),
    stallTimeout: seconds(options, "stallTimeout", 60),
    responseTimeout: seconds(options, "responseTimeout", 3600),
    drainTimeout: seconds(options, "drainTimeout", 2),
    parking: flag(options, "parking", true),
    // Never, unless set: a worker's idle and slow connections do not hold its turn.
    parkAfter: seconds(options, "parkAfter", Number.POSITIVE_INFINITY),
    parkHeaderAfter: seconds(options, "parkHeaderAfter", Number.POSITIVE_INFINITY),
    trustProxy: trustedProxies(options.trustProxy),
    proxyHeaders: proxyHeaders(options.proxyHeaders),
    accessLog: accessLogOption(options.accessLog),
    errorPages: errorPages(options.errorPage, statics.text),
  };
}

// The unknown-key check and the way a bad value is shown: the same lines in
// every package's options file (each package stands alone), kept in step.

/**
 * The complaint about the first own key of `options` not in `known`, or
 * undefined if every key is known. A known name written another way
 * (`max_size`, `max-size`, `MaxSize`) or a letter or two off gets "did you
 * mean maxSize?"; any other key gets the list of known names.
 */
function unknownOption(options: object, known: readonly string[]): string | undefined {
  for (const key in options) {
    if (!Object.hasOwn(options, key) || known.includes(key)) continue;
    const folded = fold(key);
    let meant: string | undefined;
    let fewest = folded.length < 6 ? 2 : 3; // one edit more than a near miss may have
    for (const name of known) {
      const count = edits(folded, fold(name));
      if (count < fewest) [meant, fewest] = [name, count];
    }
    const hint =
      meant === undefined ? `known options: ${known.join(", ")}` : `did you mean ${meant}?`;
    return `unknown option ${JSON.stringify(key)}; ${hint}`;
  }
  return undefined;
}

/** A name without case, `_` and `-`: `max_size`, `max-size` and `MaxSize` fold alike. */
function fold(name: string): string {
  return name.replace(/[-_]/g, "").toLowerCase();
}

/** Letters inserted, deleted or replaced to make `a` into `b` (Levenshtein). */
function edits(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const replace = (row[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      next.push(Math.min((row[j] as number) + 1, (next[j - 1] as number) + 1, replace));
    }
    row = next;
  }
  return row[b.length] as number;
}

/** A value as a message shows it: short, never a whole object or long string. */
function shown(value: unknown): string {
  if (typeof value === "string")
    return value.length <= 32 ? JSON.stringify(value) : `a string of ${value.length} characters`;
  if (typeof value === "function") return "a function";
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value !== "object" || value === null) return String(value);
  return Array.isArray(value) ? "an array" : "an object";
}
