// Table-driven cases for the request parser: every case runs on the whole
// input, cut in two at every offset, and one byte at a time, and all runs must
// agree before the result is compared with what the case expects.
import { expect, it } from "vitest";
import type { RequestHead, RequestParserOptions } from "../../src/index";
import { type ParseEvent, type ParseResult, parse, standardSplits } from "./collect";

/** An error as a test expects it: the stable code and the status, both literal. */
export interface Verdict {
  code: string;
  status: number;
}

/** The errors of the README, with the statuses a server answers with. */
export const E = {
  INVALID_METHOD: { code: "HPE_INVALID_METHOD", status: 400 },
  INVALID_URL: { code: "HPE_INVALID_URL", status: 400 },
  INVALID_VERSION: { code: "HPE_INVALID_VERSION", status: 400 },
  UNSUPPORTED_VERSION: { code: "HPE_UNSUPPORTED_VERSION", status: 505 },
  UNEXPECTED_SPACE: { code: "HPE_UNEXPECTED_SPACE", status: 400 },
  CR_EXPECTED: { code: "HPE_CR_EXPECTED", status: 400 },
  LF_EXPECTED: { code: "HPE_LF_EXPECTED", status: 400 },
  INVALID_HEADER_TOKEN: { code: "HPE_INVALID_HEADER_TOKEN", status: 400 },
  INVALID_CONTENT_LENGTH: { code: "HPE_INVALID_CONTENT_LENGTH", status: 400 },
  UNEXPECTED_CONTENT_LENGTH: { code: "HPE_UNEXPECTED_CONTENT_LENGTH", status: 400 },
  INVALID_TRANSFER_ENCODING: { code: "HPE_INVALID_TRANSFER_ENCODING", status: 400 },
  UNSUPPORTED_TRANSFER_ENCODING: { code: "HPE_UNSUPPORTED_TRANSFER_ENCODING", status: 501 },
  INVALID_CHUNK_SIZE: { code: "HPE_INVALID_CHUNK_SIZE", status: 400 },
  INVALID_CHUNK_EXTENSION: { code: "HPE_INVALID_CHUNK_EXTENSION", status: 400 },
  CHUNK_EXTENSIONS_OVERFLOW: { code: "HPE_CHUNK_EXTENSIONS_OVERFLOW", status: 413 },
  INVALID_HOST: { code: "HPE_INVALID_HOST", status: 400 },
  EXPECTATION_FAILED: { code: "HPE_EXPECTATION_FAILED", status: 417 },
  URI_TOO_LONG: { code: "HPE_URI_TOO_LONG", status: 414 },
  HEADER_OVERFLOW: { code: "HPE_HEADER_OVERFLOW", status: 431 },
  TOO_MANY_HEADERS: { code: "HPE_TOO_MANY_HEADERS", status: 431 },
  BODY_TOO_LARGE: { code: "HPE_BODY_TOO_LARGE", status: 413 },
  INVALID_EOF_STATE: { code: "HPE_INVALID_EOF_STATE", status: 400 },
} as const satisfies Record<string, Verdict>;

/**
 * Any one of these errors: only where neither the README nor the RFC picks
 * one code (e.g. a leading SP is both an empty method and a misplaced space).
 */
export const oneOf = (...verdicts: Verdict[]): Verdict[] => verdicts;

/** An expected error: one verdict, or {@link oneOf} several. */
export type Failure = Verdict | Verdict[];

/** What a case must produce. */
export interface Expected<Event = ParseEvent> {
  /** Events in order (body events merged); when omitted, none at all. */
  events?: Event[];
  /** The error thrown by execute or finish; omitted means none. */
  error?: Failure;
  /** Bytes consumed in total; when omitted and no error, the whole input. */
  consumed?: number;
}

export type Options = RequestParserOptions & { finish?: boolean };

/** One row of a table: what it checks, the raw input (latin1), the result. */
export interface Case {
  what: string;
  input: string;
  expected: Expected;
  options?: Options;
}

/** Inputs longer than this are cut at sampled offsets, not at every offset. */
const EVERY_OFFSET_UP_TO = 4096;

/**
 * Cuts for an input of `length` bytes: every offset (and one byte at a time)
 * for short inputs; for long ones, one byte at a time plus every offset near
 * the start, near the end and near each of `near`, and a coarse stride.
 */
export function splitsOf(length: number, near: number[] = []): number[][] {
  if (length <= EVERY_OFFSET_UP_TO) return standardSplits(length);
  const offsets = new Set<number>();
  for (const centre of [0, length, ...near]) {
    for (let i = centre - 24; i <= centre + 24; i++) offsets.add(i);
  }
  for (let i = 1; i < length; i += 997) offsets.add(i);
  const splits = [...offsets].filter((i) => i > 0 && i < length).map((i) => [i]);
  splits.push(Array.from({ length: length - 1 }, (_, i) => i + 1));
  return splits;
}

/** Parses input fed in pieces cut at `cuts`: `parse` of collect.ts, or the response side's. */
export type Parse<Event, Opts> = (
  input: string,
  options: Opts & { cuts?: number[]; finish?: boolean },
) => ParseResult<Event>;

const comparable = <Event>(result: ParseResult<Event>) =>
  // After an error, `consumed` only counts the pieces before the failing one.
  result.error ? { events: result.events, error: result.error } : result;

/**
 * Parses `input` whole, then at each of `splits` (default: every offset and
 * one byte at a time), asserts every run gives the same events, error and
 * consumed count, and returns the whole-input result.
 */
export function parseEverySplit<Event = ParseEvent, Opts extends object = Options>(
  input: string,
  options: Opts = {} as Opts,
  splits: number[][] = splitsOf(input.length),
  run: Parse<Event, Opts> = parse as unknown as Parse<Event, Opts>,
): ParseResult<Event> {
  const whole = run(input, options);
  for (const cuts of splits) {
    const split = run(input, { ...options, cuts });
    const label = cuts.length > 1 ? "one byte at a time" : `cut at ${cuts[0]}`;
    expect(comparable(split), label).toEqual(comparable(whole));
  }
  return whole;
}

/** Asserts that `input`, fed whole and at every split, gives `expected`. */
export function check<Event = ParseEvent, Opts extends object = Options>(
  input: string,
  expected: Expected<Event>,
  options: Opts = {} as Opts,
  splits?: number[][],
  run?: Parse<Event, Opts>,
): ParseResult<Event> {
  const result = parseEverySplit(input, options, splits, run);
  const { error } = expected;
  if (error === undefined) expect(result.error).toBeUndefined();
  else if (Array.isArray(error)) expect(error).toContainEqual(result.error);
  else expect(result.error).toEqual(error);
  expect(result.events).toEqual(expected.events ?? []);
  if (expected.consumed !== undefined) expect(result.consumed).toBe(expected.consumed);
  else if (!result.error) expect(result.consumed).toBe(input.length);
  return result;
}

/** Registers one test per case with `it.each`, named by `what`. */
export function runCases(cases: Case[]): void {
  it.each(cases)("$what", ({ input, expected, options }) => {
    check(input, expected, options);
  });
}

/** A request head: `GET / HTTP/1.1`, `Host: h`, no body, unless overridden. */
export function head(fields: Partial<RequestHead> = {}): RequestHead {
  return {
    method: "GET",
    target: "/",
    versionMinor: 1,
    headers: ["Host", "h"],
    contentLength: undefined,
    chunked: false,
    keepAlive: true,
    upgrade: false,
    expectContinue: false,
    ...fields,
  };
}

export const headEvent = (fields: Partial<RequestHead> = {}): ParseEvent => ({
  type: "head",
  head: head(fields),
});
export const body = (data: string): ParseEvent => ({ type: "body", data });
export const trailers = (list: string[]): ParseEvent => ({ type: "trailers", trailers: list });
export const complete: ParseEvent = { type: "complete" };

/** The events of one whole request: head, body if non-empty, trailers if any, complete. */
export function request(
  fields: Partial<RequestHead> = {},
  bodyText = "",
  trailerList?: string[],
): ParseEvent[] {
  const events = [headEvent(fields)];
  if (bodyText !== "") events.push(body(bodyText));
  if (trailerList) events.push(trailers(trailerList));
  events.push(complete);
  return events;
}

/** A raw request: the start line, each header line, CRLFs, then `content`. */
export function message(startLine: string, lines: string[], content = ""): string {
  return `${startLine}\r\n${lines.map((line) => `${line}\r\n`).join("")}\r\n${content}`;
}

/** `GET / HTTP/1.1` with `Host: h` first, then `lines`. */
export const get = (...lines: string[]): string => message("GET / HTTP/1.1", ["Host: h", ...lines]);

/** `POST / HTTP/1.1` with `Host: h`, then `lines`, then `content`. */
export const post = (lines: string[], content = ""): string =>
  message("POST / HTTP/1.1", ["Host: h", ...lines], content);
