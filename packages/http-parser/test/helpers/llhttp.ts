// Dev-only: parses request bytes with the llhttp inside Node (the parser of
// node:http), through the internal `http_parser` binding, and records what it
// saw in the same plain shape as collect.ts, so the differential test can
// compare the two parsers event by event. Driven the way lib/_http_common.js
// and lib/_http_server.js drive it, with no lenient flags (Node's default).

import type { RequestHead } from "../../src/index";

/** A request head as llhttp reports it; `versionMajor` because llhttp also accepts HTTP/0.9 and HTTP/2.0. */
export type LlhttpHead = Pick<
  RequestHead,
  "method" | "target" | "headers" | "keepAlive" | "upgrade"
> & {
  versionMajor: number;
  versionMinor: number;
};

export type LlhttpEvent =
  | { type: "head"; head: LlhttpHead }
  | { type: "body"; data: string }
  | { type: "trailers"; trailers: string[] }
  | { type: "complete" };

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

interface HttpParserBinding {
  HTTPParser: {
    new (): NativeParser;
    REQUEST: number;
    kOnMessageBegin: number;
    kOnHeaders: number;
    kOnHeadersComplete: number;
    kOnBody: number;
    kOnMessageComplete: number;
  };
  allMethods: string[];
  methods: string[];
}

function loadBinding(): HttpParserBinding {
  // process.binding is deprecated (DEP0111) and prints a warning once; the
  // binding itself is what node:http runs on, so it is the reference we want.
  const quiet = process.noDeprecation === true;
  process.noDeprecation = true;
  try {
    const withBinding = process as unknown as { binding(name: string): unknown };
    return withBinding.binding("http_parser") as HttpParserBinding;
  } finally {
    process.noDeprecation = quiet;
  }
}

const binding = loadBinding();
const { HTTPParser } = binding;

/** Methods llhttp accepts in an `HTTP/x.y` request (others are HPE_INVALID_METHOD or HPE_INVALID_CONSTANT). */
export const LLHTTP_METHODS: ReadonlySet<string> = new Set(binding.methods);

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
  const parser = new HTTPParser();
  // maxHeaderSize 0: Node's default (16 KiB); lenient flags 0: none, as node:http.
  parser.initialize(HTTPParser.REQUEST, {}, 0, 0);

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
        method: binding.allMethods[method] ?? `#${method}`,
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
