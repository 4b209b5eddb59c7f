// Dev-only: parses request bytes with the llhttp inside Node (the parser of
// node:http), through the `HTTPParser` class of its `http_parser` binding, and
// records what it saw in the same plain shape as collect.ts, so the
// differential test can compare the two parsers event by event. Driven the
// way lib/_http_common.js and lib/_http_server.js drive it, with no lenient
// flags (Node's default). Same API on Node 20, 22 and 24: initialize(type,
// resource, maxHeaderSize, lenientFlags[, connections]) and the same
// kOnHeadersComplete arguments.

import { createRequire } from "node:module";
import type { RequestHead } from "../../src/index";
import type { MessageEvent } from "./collect";

/** A request head as llhttp reports it; `versionMajor` because llhttp also accepts HTTP/0.9 and HTTP/2.0. */
export type LlhttpHead = Pick<
  RequestHead,
  "method" | "target" | "headers" | "keepAlive" | "upgrade"
> & {
  versionMajor: number;
  versionMinor: number;
};

export type LlhttpEvent = MessageEvent<LlhttpHead>;

export interface LlhttpResult {
  events: LlhttpEvent[];
  /** Bytes llhttp parsed in total (it stops right after the head of an upgrade or CONNECT). */
  consumed: number;
  /** For each `complete` event, the end offset of the piece being parsed when it fired (exact with one-byte pieces). */
  completeEnds: number[];
  /** The error execute or finish returned: llhttp's HPE_* code, its reason, and the absolute byte offset. */
  error?: { code: string; reason: string; offset: number };
}

interface NativeParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenientFlags: number): void;
  execute(buffer: Buffer): number | (Error & { code: string; reason: string; bytesParsed: number });
  finish(): undefined | (Error & { code: string; reason: string; bytesParsed: number });
  [callback: number]: unknown;
}

interface NativeParserClass {
  new (): NativeParser;
  REQUEST: number;
  RESPONSE: number;
  kOnMessageBegin: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
  kLenientNone: number;
}

/** What node:http's own `_http_common` module exports from the `http_parser` binding. */
interface HttpCommon {
  HTTPParser?: NativeParserClass;
  methods?: string[];
}

/** The llhttp version inside this Node, e.g. "9.3.1" (Node 20) or "9.4.4" (Node 22, 24). */
export const LLHTTP_VERSION: string = process.versions.llhttp ?? "unknown";

/**
 * Where llhttp is reached from. `process.binding('http_parser')` (DEP0111)
 * worked up to Node 22; Node 24 removed http_parser from its allow-list ("No
 * such module: http_parser"), and `internalBinding` needs --expose-internals.
 * node:http's own `_http_common` module re-exports the same `HTTPParser`
 * class and `methods` list on Node 20, 22 and 24 (without a deprecation
 * warning), so that is the one way in for every version. Only `allMethods`
 * (method number to name) is not re-exported: it is rebuilt by asking llhttp.
 */
function loadHttpParser(): { HTTPParser: NativeParserClass; methods: string[] } | string {
  const where = `Node ${process.version} (llhttp ${LLHTTP_VERSION})`;
  // The deliberate differences are recorded per llhttp version.
  if (!/^\d+\.\d+\.\d+$/.test(LLHTTP_VERSION)) return `${where}: no llhttp version to match`;
  let common: HttpCommon;
  try {
    common = createRequire(import.meta.url)("_http_common") as HttpCommon;
  } catch (error) {
    const message = String((error as Error).message).split("\n")[0];
    return `${where}: require("_http_common") failed: ${message}`;
  }
  const { HTTPParser, methods } = common;
  if (typeof HTTPParser !== "function" || !Array.isArray(methods)) {
    return `${where}: _http_common no longer exports HTTPParser and methods`;
  }
  const keys = [
    "REQUEST",
    "RESPONSE",
    "kOnMessageBegin",
    "kOnHeaders",
    "kOnHeadersComplete",
    "kOnBody",
    "kOnMessageComplete",
    "kLenientNone",
  ] as const;
  const missing = keys.filter((key) => typeof HTTPParser[key] !== "number");
  if (missing.length > 0) return `${where}: HTTPParser lacks ${missing.join(", ")}`;
  return { HTTPParser, methods };
}

const loaded = loadHttpParser();

/**
 * Why llhttp cannot be reached on this Node, or undefined when it can. The
 * differential test skips loudly, naming this, instead of passing without llhttp.
 */
export const LLHTTP_UNAVAILABLE: string | undefined =
  typeof loaded === "string" ? loaded : undefined;

/** Methods llhttp accepts in an `HTTP/x.y` request (others are HPE_INVALID_METHOD or HPE_INVALID_CONSTANT). */
export const LLHTTP_METHODS: ReadonlySet<string> = new Set(
  typeof loaded === "string" ? [] : loaded.methods,
);

/**
 * llhttp reports a method as its number in llhttp's method enum (an index of
 * the binding's `allMethods`, which also lists RTSP methods, so not of
 * `methods`): learnt by parsing one request per method name.
 */
let methodNames: Map<number, string> | undefined;

export function llhttpMethodNames(): ReadonlyMap<number, string> {
  if (methodNames === undefined) {
    const names = new Map<number, string>();
    for (const name of LLHTTP_METHODS) {
      const target = name === "CONNECT" ? "a:1" : "/";
      const request = `${name} ${target} HTTP/1.1\r\nHost: a\r\n\r\n`;
      const HTTPParser = llhttpParserClass();
      const parser = new HTTPParser();
      parser.initialize(HTTPParser.REQUEST, {}, 0, HTTPParser.kLenientNone);
      parser[HTTPParser.kOnHeadersComplete] = (
        _major: number,
        _minor: number,
        _h: unknown,
        n: number,
      ) => {
        names.set(n, name);
        return 0;
      };
      parser.execute(Buffer.from(request, "latin1"));
    }
    if (names.size !== LLHTTP_METHODS.size) {
      const got = new Set(names.values());
      const lost = [...LLHTTP_METHODS].filter((name) => !got.has(name));
      throw new Error(
        `llhttp ${LLHTTP_VERSION} did not report a method number for ${lost.join(", ")}`,
      );
    }
    methodNames = names;
  }
  return methodNames;
}

/** node:http's HTTPParser class; throws where llhttp is unreachable. */
export function llhttpParserClass(): NativeParserClass {
  if (typeof loaded === "string") throw new Error(loaded);
  return loaded.HTTPParser;
}

/**
 * `process.binding('http_parser')`, the way in before Node 24, or undefined
 * where Node refuses it; used only to check that `_http_common` gives the same.
 */
export function processBindingHttpParser():
  | { HTTPParser: unknown; methods: string[]; allMethods: string[] }
  | undefined {
  // DEP0111 prints a warning once; it says nothing here.
  const quiet = process.noDeprecation === true;
  process.noDeprecation = true;
  try {
    const withBinding = process as unknown as { binding(name: string): unknown };
    return withBinding.binding("http_parser") as {
      HTTPParser: unknown;
      methods: string[];
      allMethods: string[];
    };
  } catch {
    return undefined;
  } finally {
    process.noDeprecation = quiet;
  }
}

/**
 * Parses `input` with Node's llhttp, fed in pieces cut at `cuts` (sorted
 * offsets), then calls finish() unless `finish` is false or the last request
 * switched protocols. Adjacent body events are merged, as collect.ts does.
 */
export function parseWithLlhttp(
  input: string | Uint8Array,
  options: { cuts?: number[]; finish?: boolean } = {},
): LlhttpResult {
  const bytes = typeof input === "string" ? Buffer.from(input, "latin1") : input;
  const events: LlhttpEvent[] = [];
  const completeEnds: number[] = [];
  // A fresh parser per input: reusing one through initialize() is what Node's
  // FreeList does, but a fresh one cannot leak state between inputs.
  const HTTPParser = llhttpParserClass();
  const names = llhttpMethodNames();
  const parser = new HTTPParser();
  // maxHeaderSize 0: Node's default (16 KiB); no lenient flags, as node:http
  // by default (Node 24's calculateLenientFlags gives kLenientNone too).
  parser.initialize(HTTPParser.REQUEST, {}, 0, HTTPParser.kLenientNone);

  // Fields arrive through kOnHeaders in batches (more than 32 fields, or a
  // head split across execute calls) and the rest with kOnHeadersComplete;
  // after the head, kOnHeaders carries trailers.
  let pending: string[] = [];
  let pendingUrl = "";
  let upgradeHead = false;
  let upgraded = false;
  let pieceEnd = 0;
  parser[HTTPParser.kOnMessageBegin] = () => {
    pending = [];
    pendingUrl = "";
  };
  parser[HTTPParser.kOnHeaders] = (headers: string[], url: string) => {
    pending.push(...headers);
    pendingUrl += url;
  };
  parser[HTTPParser.kOnHeadersComplete] = (
    versionMajor: number,
    versionMinor: number,
    headers: string[] | undefined,
    method: number,
    url: string | undefined,
    _statusCode: unknown,
    _statusMessage: unknown,
    upgrade: boolean,
    shouldKeepAlive: boolean,
  ): number => {
    const fields = headers === undefined ? pending : [...pending, ...headers];
    const target = url === undefined ? pendingUrl : pendingUrl + url;
    pending = [];
    pendingUrl = "";
    events.push({
      type: "head",
      head: {
        method: names.get(method) ?? `#${method}`,
        target,
        versionMajor,
        versionMinor,
        headers: fields,
        keepAlive: shouldKeepAlive,
        upgrade,
      },
    });
    upgradeHead = upgrade;
    return 0;
  };
  parser[HTTPParser.kOnBody] = (chunk: Buffer) => {
    const data = chunk.toString("latin1");
    const last = events[events.length - 1];
    if (last?.type === "body") last.data += data;
    else events.push({ type: "body", data });
  };
  parser[HTTPParser.kOnMessageComplete] = () => {
    if (pending.length > 0) events.push({ type: "trailers", trailers: pending });
    pending = [];
    pendingUrl = "";
    events.push({ type: "complete" });
    completeEnds.push(pieceEnd);
    // An upgrade request's own body is read first; then llhttp pauses.
    if (upgradeHead) upgraded = true;
  };

  let consumed = 0;
  let from = 0;
  for (const cut of [...(options.cuts ?? []), bytes.length]) {
    if (cut <= from) continue;
    pieceEnd = cut;
    const piece = Buffer.from(bytes.buffer, bytes.byteOffset + from, cut - from);
    const n = parser.execute(piece);
    if (typeof n !== "number") {
      return {
        events,
        consumed,
        completeEnds,
        error: { code: n.code, reason: n.reason, offset: from + n.bytesParsed },
      };
    }
    consumed += n;
    from = cut;
    // After an upgrade request, Node resumes llhttp and hands the rest to
    // the 'upgrade' listener; the rest is not HTTP, so stop here. Once a
    // head asked to upgrade, Node's binding also turns any llhttp error in
    // that request's body into a short count (node_http_parser.cc: errors
    // are reported only `if (!parser_.upgrade)`), and node:http upgrades there.
    if (upgraded || n < piece.length) return { events, consumed, completeEnds };
  }
  if (options.finish !== false) {
    const e = parser.finish();
    if (e !== undefined) {
      return {
        events,
        consumed,
        completeEnds,
        error: { code: e.code, reason: e.reason, offset: bytes.length },
      };
    }
  }
  return { events, consumed, completeEnds };
}

/** The same input parsed one byte at a time, so `completeEnds` holds each request's exact end offset. */
export function parseWithLlhttpBytewise(input: Uint8Array): LlhttpResult {
  return parseWithLlhttp(input, { cuts: Array.from({ length: input.length }, (_, i) => i + 1) });
}

// ---- responses -------------------------------------------------------------

/** A response head as llhttp reports it. */
export interface LlhttpResponseHead {
  versionMajor: number;
  versionMinor: number;
  status: number;
  reason: string;
  headers: string[];
  keepAlive: boolean;
  upgrade: boolean;
}

export type LlhttpResponseEvent = MessageEvent<LlhttpResponseHead>;

export interface LlhttpResponseResult {
  events: LlhttpResponseEvent[];
  consumed: number;
  error?: { code: string; reason: string; offset: number };
}

/**
 * Parses response bytes with llhttp in RESPONSE mode, driven as node:http's
 * client drives it (lib/_http_client.js, parserOnIncomingClient): the
 * kOnHeadersComplete callback returns 1 (skip the body) for a response to
 * HEAD, for an interim 1xx and for 304, and 2 (skip the body, switch
 * protocols) for a 2xx to CONNECT. (Node's client switches on any status to
 * CONNECT; RFC 9110 section 9.3.6 only on a 2xx, so the driver does that.)
 * `methods` are the requests' methods in order, as for ResponseParser.responseTo.
 */
export function parseResponseWithLlhttp(
  input: string | Uint8Array,
  methods: readonly string[],
  options: { cuts?: number[]; finish?: boolean } = {},
): LlhttpResponseResult {
  const bytes = typeof input === "string" ? Buffer.from(input, "latin1") : input;
  const events: LlhttpResponseEvent[] = [];
  const HTTPParser = llhttpParserClass();
  const parser = new HTTPParser();
  parser.initialize(HTTPParser.RESPONSE, {}, 0, HTTPParser.kLenientNone);
  const queue = [...methods];
  let pending: string[] = [];
  let pendingReason = "";
  let upgraded = false;
  parser[HTTPParser.kOnMessageBegin] = () => {
    pending = [];
  };
  parser[HTTPParser.kOnHeaders] = (headers: string[]) => {
    pending.push(...headers);
  };
  parser[HTTPParser.kOnHeadersComplete] = (
    versionMajor: number,
    versionMinor: number,
    headers: string[] | undefined,
    _method: unknown,
    _url: unknown,
    statusCode: number,
    statusMessage: string | undefined,
    upgrade: boolean,
    shouldKeepAlive: boolean,
  ): number => {
    const fields = headers === undefined ? pending : [...pending, ...headers];
    pending = [];
    pendingReason = statusMessage ?? "";
    events.push({
      type: "head",
      head: {
        versionMajor,
        versionMinor,
        status: statusCode,
        reason: pendingReason,
        headers: fields,
        keepAlive: shouldKeepAlive,
        upgrade: upgrade || statusCode === 101,
      },
    });
    if (statusCode === 101) upgraded = true;
    // Interim responses leave the request's method for the final one.
    if (statusCode >= 100 && statusCode < 200 && statusCode !== 101) return 1;
    const method = queue.shift() ?? "GET";
    if (method === "CONNECT" && statusCode >= 200 && statusCode < 300) {
      upgraded = true;
      const head = events[events.length - 1] as { head: LlhttpResponseHead };
      head.head.upgrade = true;
      return 2;
    }
    if (method === "HEAD" || statusCode === 304) return 1;
    return 0;
  };
  parser[HTTPParser.kOnBody] = (chunk: Buffer) => {
    const data = chunk.toString("latin1");
    const last = events[events.length - 1];
    if (last?.type === "body") last.data += data;
    else events.push({ type: "body", data });
  };
  parser[HTTPParser.kOnMessageComplete] = () => {
    if (pending.length > 0) events.push({ type: "trailers", trailers: pending });
    pending = [];
    events.push({ type: "complete" });
  };
  let consumed = 0;
  let from = 0;
  for (const cut of [...(options.cuts ?? []), bytes.length]) {
    if (cut <= from) continue;
    const piece = Buffer.from(bytes.buffer, bytes.byteOffset + from, cut - from);
    const n = parser.execute(piece);
    if (typeof n !== "number") {
      return {
        events,
        consumed,
        error: { code: n.code, reason: n.reason, offset: from + n.bytesParsed },
      };
    }
    consumed += n;
    from = cut;
    if (upgraded || n < piece.length) return { events, consumed };
  }
  if (options.finish !== false) {
    const e = parser.finish();
    if (e !== undefined) {
      return { events, consumed, error: { code: e.code, reason: e.reason, offset: bytes.length } };
    }
  }
  return { events, consumed };
}
