// The options of generateHandler(), Moonbridge's http.generate_handler
// options in TypeScript, and their checking: once, when the handler is made;
// a bad value throws naming the option; a missing one takes its default.

import { HttpError } from "./errors";
import { checkHeaderName, checkHeaderValue } from "./internal/header-check";

/** Headers sent with every response: one string of lines, a list of lines, a list of pairs, or an object. */
export type StaticHeaders = string | string[] | Array<[string, string]> | Record<string, string>;

/** Options of {@link generateHandler}; sizes in bytes, times in seconds (0 disables a timeout). */
export interface HttpOptions {
  /** Bytes of request line plus header section. Larger: 431 (414 for the request line). @default 81920 (80 KiB) */
  requestHeaderSizeLimit?: number;
  /** Bytes of a request body, decoded (chunked framing not counted). Larger: 413. @default 67108864 (64 MiB) */
  requestBodySizeLimit?: number;
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
   * Park idle keep-alive connections: between requests, a connection goes
   * back to the supervisor (which holds it without a worker) after
   * `parkAfter` seconds idle, or at once when connections wait for a worker,
   * and comes back to a worker with its next request. Only where the socket
   * has a parking lot (under listen()); elsewhere nothing changes.
   * @default true
   */
  parking?: boolean;
  /** Seconds a keep-alive connection stays idle in its worker before it is parked; 0: park right after each response. @default 1 */
  parkAfter?: number;
}

export interface ResolvedHttpOptions {
  requestHeaderSizeLimit: number;
  requestBodySizeLimit: number;
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
}

const KNOWN = new Set([
  "requestHeaderSizeLimit",
  "requestBodySizeLimit",
  "chunkSize",
  "maximumInputChunkSize",
  "minimumOutputChunkSize",
  "staticHeaders",
  "idleTimeout",
  "requestHeaderTimeout",
  "stallTimeout",
  "responseTimeout",
  "drainTimeout",
  "parking",
  "parkAfter",
]);

function invalid(message: string): HttpError {
  return new HttpError("INVALID_OPTION", message);
}

function size(options: HttpOptions, name: keyof HttpOptions, fallback: number): number {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw invalid(`${name} must be a positive integer (bytes)`);
  }
  return value;
}

function seconds(options: HttpOptions, name: keyof HttpOptions, fallback: number): number {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > 2 ** 31 / 1000) {
    throw invalid(`${name} must be a number of seconds from 0 (disabled) to 2147483`);
  }
  return value;
}

function flag(options: HttpOptions, name: keyof HttpOptions, fallback: boolean): boolean {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw invalid(`${name} must be true or false`);
  return value;
}

/** Renders staticHeaders as `Name: value\r\n` lines, each checked like sendHeader's. */
function renderStaticHeaders(headers: StaticHeaders | undefined): { text: string; date: boolean } {
  if (headers === undefined) return { text: "", date: false };
  const pairs: Array<[unknown, unknown]> = [];
  const line = (text: unknown): void => {
    if (typeof text !== "string") throw invalid("staticHeaders lines must be strings");
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
        if (entry.length !== 2) throw invalid("staticHeaders pairs must be [name, value]");
        pairs.push([entry[0], entry[1]]);
      } else line(entry);
    }
  } else if (typeof headers === "object" && headers !== null) {
    for (const [name, value] of Object.entries(headers)) pairs.push([name, value]);
  } else {
    throw invalid("staticHeaders must be a string, a list of lines or pairs, or an object");
  }
  let text = "";
  let date = false;
  for (const [name, value] of pairs) {
    if (typeof value !== "string") throw invalid("staticHeaders values must be strings");
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

/** Checks `options` and fills in the defaults; throws HttpError INVALID_OPTION naming the option. */
export function resolveOptions(options: HttpOptions | undefined): ResolvedHttpOptions {
  if (options === undefined) options = {};
  if (typeof options !== "object" || options === null) throw invalid("options must be an object");
  for (const name of Object.keys(options)) {
    if (!KNOWN.has(name)) throw invalid(`unknown option ${JSON.stringify(name)}`);
  }
  const chunkSize = size(options, "chunkSize", 16384);
  const statics = renderStaticHeaders(options.staticHeaders);
  return {
    requestHeaderSizeLimit: size(options, "requestHeaderSizeLimit", 81920),
    requestBodySizeLimit: size(options, "requestBodySizeLimit", 64 * 1024 * 1024),
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
    parkAfter: seconds(options, "parkAfter", 1),
  };
}
