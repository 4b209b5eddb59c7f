// Runs a ResponseParser over input, whole or split, and records what it saw
// as plain data, the response side of collect.ts (same shapes, same rules).
import {
  type ResponseHandler,
  type ResponseHead,
  ResponseParser,
  type ResponseParserOptions,
} from "../../src/index";
import { bytesOf, feed, type MessageEvent, type ParseResult, recordBody } from "./collect";

export type ResponseEvent = MessageEvent<ResponseHead>;

/** Parser options plus how to drive it: `methods` are passed to responseTo first, in order. */
export type ResponseOptions = ResponseParserOptions & {
  methods?: string[];
  cuts?: number[];
  finish?: boolean;
};

/** A handler that records every event in `events`, adjacent body chunks merged. */
export function collectingResponses(events: ResponseEvent[]): ResponseHandler {
  return {
    onResponseHead: (head) => events.push({ type: "head", head }),
    onBody: recordBody(events),
    onTrailers: (trailers) => events.push({ type: "trailers", trailers }),
    onResponseComplete: () => events.push({ type: "complete" }),
  };
}

/** Parses `input` fed in pieces cut at `cuts`, then calls finish() unless `finish` is false. */
export function parseResponse(
  input: string | Uint8Array,
  options: ResponseOptions = {},
): ParseResult<ResponseEvent> {
  const bytes = typeof input === "string" ? bytesOf(input) : input;
  const { cuts: _cuts, finish: _finish, methods = [], ...parserOptions } = options;
  const events: ResponseEvent[] = [];
  const parser = new ResponseParser(collectingResponses(events), parserOptions);
  for (const method of methods) parser.responseTo(method);
  return feed(parser, bytes, events, options.cuts, options.finish !== false);
}
