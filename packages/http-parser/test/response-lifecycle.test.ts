// ResponseParser's life: arguments and options checked once, pause, errors
// that stick, 502 on every error, finish, and callbacks that may not re-enter.
import { describe, expect, it } from "vitest";
import { HttpParserError, ResponseParser, type ResponseParserOptions } from "../src/index";
import { bytesOf } from "./helpers/collect";
import { collectingResponses, type ResponseEvent } from "./helpers/collect-response";
import { ok, response } from "./helpers/response-cases";

const thrown = (run: () => unknown): unknown => {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("nothing thrown");
};

describe("construction", () => {
  it("needs a handler with onResponseHead", () => {
    const error = thrown(() => new ResponseParser({} as never));
    expect(error).toBeInstanceOf(HttpParserError);
    expect(error).toMatchObject({ code: "INVALID_ARGUMENT", status: 500 });
  });

  it("rejects allowMissingHost: responses have no Host rule", () => {
    const error = thrown(
      () =>
        new ResponseParser({ onResponseHead() {} }, {
          allowMissingHost: true,
        } as ResponseParserOptions),
    );
    expect(error).toMatchObject({ code: "INVALID_OPTION", status: 500 });
    expect((error as Error).message).toContain("ResponseParser");
  });

  it("suggests the option meant", () => {
    const error = thrown(
      () =>
        new ResponseParser({ onResponseHead() {} }, {
          max_header_size: 10,
        } as ResponseParserOptions),
    );
    expect((error as Error).message).toContain("did you mean maxHeaderSize?");
  });

  it("checks the limits as RequestParser does", () => {
    const error = thrown(() => new ResponseParser({ onResponseHead() {} }, { maxHeaderSize: 3 }));
    expect(error).toMatchObject({ code: "INVALID_OPTION" });
  });

  it("responseTo needs a method", () => {
    const parser = new ResponseParser({ onResponseHead() {} });
    expect(thrown(() => parser.responseTo(""))).toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});

describe("execution", () => {
  const two = ok(["Content-Length: 5"], "hello") + ok(["Content-Length: 2"], "hi");

  it("pause in onResponseHead returns right after the head", () => {
    const events: ResponseEvent[] = [];
    const handler = collectingResponses(events);
    const parser = new ResponseParser({
      ...handler,
      onResponseHead(head) {
        handler.onResponseHead(head);
        parser.pause();
      },
    });
    const bytes = bytesOf(two);
    const first = parser.execute(bytes);
    expect(first).toBe(ok(["Content-Length: 5"]).length);
    let at = first;
    while (at < bytes.length) at += parser.execute(bytes.subarray(at));
    expect(events).toEqual([
      ...response({ headers: ["Content-Length", "5"], contentLength: 5 }, "hello"),
      ...response({ headers: ["Content-Length", "2"], contentLength: 2 }, "hi"),
    ]);
  });

  it("an error sticks: execute and finish throw it again", () => {
    const parser = new ResponseParser({ onResponseHead() {} });
    const error = thrown(() => parser.execute(bytesOf("HTTP/1.1 2x")));
    expect(error).toMatchObject({ code: "HPE_INVALID_STATUS", status: 502 });
    expect(thrown(() => parser.execute(bytesOf(ok([], ""))))).toBe(error);
    expect(thrown(() => parser.finish())).toBe(error);
  });

  it("errors of the shared header code carry 502 too", () => {
    const parser = new ResponseParser({ onResponseHead() {} });
    const error = thrown(() => parser.execute(bytesOf("HTTP/1.1 200 OK\r\nA : b\r\n\r\n")));
    expect(error).toBeInstanceOf(HttpParserError);
    expect(error).toMatchObject({ code: "HPE_INVALID_HEADER_TOKEN", status: 502 });
  });

  it("a handler's own error passes through untouched", () => {
    const mine = new Error("mine");
    const parser = new ResponseParser({
      onResponseHead() {
        throw mine;
      },
    });
    expect(thrown(() => parser.execute(bytesOf(ok([], ""))))).toBe(mine);
  });

  it("execute from inside a callback throws", () => {
    const parser: ResponseParser = new ResponseParser({
      onResponseHead() {
        parser.execute(bytesOf("x"));
      },
    });
    expect(thrown(() => parser.execute(bytesOf(ok(["Content-Length: 0"]))))).toBeInstanceOf(Error);
  });

  it("after an upgrade, execute consumes nothing and finish is fine", () => {
    const parser = new ResponseParser({ onResponseHead() {} });
    const head = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n";
    expect(parser.execute(bytesOf(`${head}data`))).toBe(head.length);
    expect(parser.execute(bytesOf("more"))).toBe(0);
    parser.finish();
  });

  it("finish between responses and before any is fine", () => {
    new ResponseParser({ onResponseHead() {} }).finish();
    const parser = new ResponseParser({ onResponseHead() {} });
    parser.execute(bytesOf(ok(["Content-Length: 0"])));
    parser.finish();
  });
});
