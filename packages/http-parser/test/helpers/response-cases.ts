// Table-driven cases for the response parser, on cases.ts's machinery: every
// case runs whole, cut in two at every offset, and one byte at a time.
import { it } from "vitest";
import type { ResponseHead } from "../../src/index";
import { check, type Expected, type Verdict } from "./cases";
import { parseResponse, type ResponseEvent, type ResponseOptions } from "./collect-response";

/** Any error of a ResponseParser: the code, and 502 (Bad Gateway) as status. */
export const bad = (code: string): Verdict => ({ code: `HPE_${code}`, status: 502 });

/** One row of a response table: what it checks, the raw input (latin1), the result. */
export interface ResponseCase {
  what: string;
  input: string;
  expected: Expected<ResponseEvent>;
  options?: ResponseOptions;
}

/** Asserts that `input`, fed whole and at every split, gives `expected`. */
export function checkResponse(
  input: string,
  expected: Expected<ResponseEvent>,
  options: ResponseOptions = {},
  splits?: number[][],
) {
  return check(input, expected, options, splits, parseResponse);
}

/** Registers one test per case with `it.each`, named by `what`. */
export function runResponseCases(cases: ResponseCase[]): void {
  it.each(cases)("$what", ({ input, expected, options }) => {
    checkResponse(input, expected, options);
  });
}

/** A response head: `HTTP/1.1 200 OK`, no fields, no body framing, unless overridden. */
export function responseHead(fields: Partial<ResponseHead> = {}): ResponseHead {
  return {
    versionMinor: 1,
    status: 200,
    reason: "OK",
    headers: [],
    contentLength: undefined,
    chunked: false,
    untilClose: false,
    keepAlive: true,
    upgrade: false,
    ...fields,
  };
}

/** The events of one whole response: head, body if non-empty, trailers if any, complete. */
export function response(
  fields: Partial<ResponseHead> = {},
  bodyText = "",
  trailerList?: string[],
): ResponseEvent[] {
  const events: ResponseEvent[] = [{ type: "head", head: responseHead(fields) }];
  if (bodyText !== "") events.push({ type: "body", data: bodyText });
  if (trailerList) events.push({ type: "trailers", trailers: trailerList });
  events.push({ type: "complete" });
  return events;
}

/** A raw response: the status line, each header line, CRLFs, then `content`. */
export function raw(statusLine: string, lines: string[], content = ""): string {
  return `${statusLine}\r\n${lines.map((line) => `${line}\r\n`).join("")}\r\n${content}`;
}

/** `HTTP/1.1 200 OK` with `lines`, then `content`. */
export const ok = (lines: string[], content = ""): string => raw("HTTP/1.1 200 OK", lines, content);
