// The parser's life cycle: finish() at the end of input, errors that stick,
// and pause() from a callback (README "Input").
import { describe, expect, it } from "vitest";
import {
  HttpParserError,
  type RequestHandler,
  RequestParser,
  type RequestParserOptions,
} from "../src/index";
import {
  type Case,
  check,
  complete,
  E,
  get,
  headEvent,
  post,
  request,
  runCases,
} from "./helpers/cases";
import { bytesOf, type ParseEvent } from "./helpers/collect";

describe("finish", () => {
  const eof = (what: string, input: string, events: ParseEvent[] = []): Case => ({
    what,
    input,
    expected: { events, error: E.INVALID_EOF_STATE },
  });
  runCases([
    { what: "nothing at all", input: "", expected: { events: [] } },
    { what: "only CRLFs", input: "\r\n\r\n\r\n", expected: { events: [] } },
    { what: "after a complete request", input: get(), expected: { events: request() } },
    { what: "after a request and CRLFs", input: `${get()}\r\n`, expected: { events: request() } },
    eof("in the method", "GE"),
    eof("in the request line", "GET / HT"),
    eof("after the request line", "GET / HTTP/1.1\r\n"),
    eof("in the headers", "GET / HTTP/1.1\r\nHost: h\r\n"),
    eof("after a request, in the next one", `${get()}G`, request()),
    eof("in a Content-Length body", post(["Content-Length: 5"], "hel"), [
      headEvent({
        method: "POST",
        headers: ["Host", "h", "Content-Length", "5"],
        contentLength: 5,
      }),
      { type: "body", data: "hel" },
    ]),
    eof("in a chunked body", post(["Transfer-Encoding: chunked"], "5\r\nhe"), [
      headEvent({
        method: "POST",
        headers: ["Host", "h", "Transfer-Encoding", "chunked"],
        chunked: true,
      }),
      { type: "body", data: "he" },
    ]),
    eof("in the trailers", post(["Transfer-Encoding: chunked"], "0\r\nX: 1\r\n"), [
      headEvent({
        method: "POST",
        headers: ["Host", "h", "Transfer-Encoding", "chunked"],
        chunked: true,
      }),
    ]),
  ]);
});

/** Runs `fn`, which must throw an HttpParserError, and returns its code and status. */
function thrown(fn: () => unknown): { code: string; status: number } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(HttpParserError);
    const { code, status } = error as HttpParserError;
    return { code, status };
  }
  throw new Error("expected an HttpParserError");
}

describe("errors stick", () => {
  const handler: RequestHandler = { onRequestHead: () => {} };
  it("execute throws the same error again, even for valid input", () => {
    const parser = new RequestParser(handler);
    expect(thrown(() => parser.execute(bytesOf("GET / HTTP/2.0\r\n")))).toEqual(
      E.UNSUPPORTED_VERSION,
    );
    expect(thrown(() => parser.execute(bytesOf(get())))).toEqual(E.UNSUPPORTED_VERSION);
    expect(thrown(() => parser.execute(new Uint8Array(0)))).toEqual(E.UNSUPPORTED_VERSION);
    expect(thrown(() => parser.finish())).toEqual(E.UNSUPPORTED_VERSION);
  });
  it("after finish fails, execute and finish throw the same error", () => {
    const parser = new RequestParser(handler);
    parser.execute(bytesOf("GET / HT"));
    expect(thrown(() => parser.finish())).toEqual(E.INVALID_EOF_STATE);
    expect(thrown(() => parser.execute(bytesOf(get())))).toEqual(E.INVALID_EOF_STATE);
    expect(thrown(() => parser.finish())).toEqual(E.INVALID_EOF_STATE);
  });
  it("no event follows an error", () => {
    let heads = 0;
    const parser = new RequestParser({ onRequestHead: () => heads++ });
    expect(thrown(() => parser.execute(bytesOf("GET / HTTP/1.1\r\nX\x00: 1\r\n\r\n")))).toEqual(
      E.INVALID_HEADER_TOKEN,
    );
    expect(() => parser.execute(bytesOf(get()))).toThrow(HttpParserError);
    expect(heads).toBe(0);
  });
});

describe("pause", () => {
  /** A parser that records events and pauses on the events named in `pauseOn`. */
  function pausing(pauseOn: ParseEvent["type"][], options: RequestParserOptions = {}) {
    const events: ParseEvent[] = [];
    const parser: RequestParser = new RequestParser(
      {
        onRequestHead: (head) => {
          events.push({ type: "head", head });
          if (pauseOn.includes("head")) parser.pause();
        },
        onBody: (chunk) => {
          events.push({ type: "body", data: String.fromCharCode(...chunk) });
          if (pauseOn.includes("body")) parser.pause();
        },
        onRequestComplete: () => {
          events.push(complete);
          if (pauseOn.includes("complete")) parser.pause();
        },
      },
      options,
    );
    return { parser, events };
  }
  const clHead = {
    method: "POST",
    headers: ["Host", "h", "Content-Length", "5"],
    contentLength: 5,
  };
  const cl = post(["Content-Length: 5"], "hello");
  const headLength = cl.length - 5;

  it("in onRequestHead: execute returns right after the head; the rest resumes", () => {
    const { parser, events } = pausing(["head"]);
    const bytes = bytesOf(cl);
    expect(parser.execute(bytes)).toBe(headLength);
    expect(events).toEqual([headEvent(clHead)]);
    expect(parser.execute(bytes.subarray(headLength))).toBe(5);
    expect(events).toEqual(request(clHead, "hello"));
    parser.finish();
  });

  it("in onRequestComplete: execute returns right after the request", () => {
    const { parser, events } = pausing(["complete"]);
    const bytes = bytesOf(`${get()}${cl}`);
    expect(parser.execute(bytes)).toBe(get().length);
    expect(events).toEqual(request());
    expect(parser.execute(bytes.subarray(get().length))).toBe(cl.length);
    expect(events).toEqual([...request(), ...request(clHead, "hello")]);
    parser.finish();
  });

  it("in onBody: execute returns right after the chunk data", () => {
    const { parser, events } = pausing(["body"]);
    const te = post(["Transfer-Encoding: chunked"], "5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n");
    const bytes = bytesOf(te);
    const afterHello = te.indexOf("hello") + 5;
    expect(parser.execute(bytes)).toBe(afterHello);
    const chunkedHead = {
      method: "POST",
      headers: ["Host", "h", "Transfer-Encoding", "chunked"],
      chunked: true,
    };
    expect(events).toEqual([headEvent(chunkedHead), { type: "body", data: "hello" }]);
    const afterAbc = te.indexOf("abc") + 3;
    expect(parser.execute(bytes.subarray(afterHello))).toBe(afterAbc - afterHello);
    expect(parser.execute(bytes.subarray(afterAbc))).toBe(te.length - afterAbc);
    expect(events).toEqual([
      headEvent(chunkedHead),
      { type: "body", data: "hello" },
      { type: "body", data: "abc" },
      complete,
    ]);
    parser.finish();
  });

  it("resuming with the rest until done gives the same events as no pause", () => {
    const { parser, events } = pausing(["head", "complete"]);
    const input = `${cl}${cl}`;
    let bytes = bytesOf(input);
    for (let guard = 0; bytes.length > 0 && guard < 100; guard++) {
      bytes = bytes.subarray(parser.execute(bytes));
    }
    parser.finish();
    expect(bytes.length).toBe(0);
    check(input, { events: [...request(clHead, "hello"), ...request(clHead, "hello")] });
    expect(events).toEqual([...request(clHead, "hello"), ...request(clHead, "hello")]);
  });
});
