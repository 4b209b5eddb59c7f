// Runs a RequestParser over input, whole or split, and records what it saw as
// plain data, so tests compare events, not timings or object identity.
import {
  HttpParserError,
  type RequestHandler,
  type RequestHead,
  RequestParser,
  type RequestParserOptions,
} from "../../src/index";

/** What a parser reported, in order; `Head` is its messages' head (ours or llhttp's, request or response). */
export type MessageEvent<Head> =
  | { type: "head"; head: Head }
  | { type: "body"; data: string }
  | { type: "trailers"; trailers: string[] }
  | { type: "complete" };

export type ParseEvent = MessageEvent<RequestHead>;

export interface ParseResult<Event = ParseEvent> {
  events: Event[];
  /**
   * Bytes `execute` consumed in total (less than the input after an upgrade or
   * pause). Absent after an error: how much was consumed before the throwing
   * call depends on where the input was cut.
   */
  consumed?: number;
  /** The error thrown by execute or finish, if any. */
  error?: { code: string; status: number };
}

const latin1 = (bytes: Uint8Array): string => String.fromCharCode(...bytes);
export const bytesOf = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

type BodyEvent = { type: "body"; data: string };

/** An onBody that appends each chunk to `events`, merged with a body event just before it. */
export function recordBody<Event extends { type: string }>(
  events: (Event | BodyEvent)[],
): (chunk: Uint8Array) => void {
  return (chunk) => {
    const last = events[events.length - 1];
    if (last?.type === "body") (last as BodyEvent).data += latin1(chunk);
    else events.push({ type: "body", data: latin1(chunk) });
  };
}

/** A parser as these helpers drive it. */
interface Fed {
  execute(data: Uint8Array): number;
  finish(): void;
}

/**
 * Feeds `bytes` to `parser` in pieces cut at `cuts` (sorted offsets), then
 * calls finish() unless `finish` is false; `events` is what its handler
 * records. An HttpParserError ends it and is in the result.
 */
export function feed<Event>(
  parser: Fed,
  bytes: Uint8Array,
  events: Event[],
  cuts: readonly number[] = [],
  finish = true,
): ParseResult<Event> {
  let consumed = 0;
  try {
    let from = 0;
    for (const cut of [...cuts, bytes.length]) {
      if (cut <= from) continue;
      consumed += parser.execute(bytes.subarray(from, cut));
      from = cut;
    }
    if (finish) parser.finish();
  } catch (error) {
    if (!(error instanceof HttpParserError)) throw error;
    return { events, error: { code: error.code, status: error.status } };
  }
  return { events, consumed };
}

/** A handler that records every event in `events`, adjacent body chunks merged. */
export function collecting(events: ParseEvent[]): RequestHandler {
  return {
    onRequestHead: (head) => events.push({ type: "head", head }),
    onBody: recordBody(events),
    onTrailers: (trailers) => events.push({ type: "trailers", trailers }),
    onRequestComplete: () => events.push({ type: "complete" }),
  };
}

/**
 * Parses `input` fed in pieces cut at `cuts` (sorted offsets), then calls
 * finish() unless `finish` is false. Adjacent body events are merged, since
 * how body bytes are chunked depends on the split.
 */
export function parse(
  input: string | Uint8Array,
  options: RequestParserOptions & { cuts?: number[]; finish?: boolean } = {},
): ParseResult {
  const bytes = typeof input === "string" ? bytesOf(input) : input;
  // The parser takes its own options only (it rejects unknown keys).
  const { cuts: _cuts, finish: _finish, ...parserOptions } = options;
  const events: ParseEvent[] = [];
  const parser = new RequestParser(collecting(events), parserOptions);
  return feed(parser, bytes, events, options.cuts, options.finish !== false);
}

/** Every way to cut `length` bytes in two, plus one byte at a time. */
export function standardSplits(length: number): number[][] {
  const splits: number[][] = [];
  for (let i = 1; i < length; i++) splits.push([i]);
  splits.push(Array.from({ length: Math.max(0, length - 1) }, (_, i) => i + 1));
  return splits;
}
