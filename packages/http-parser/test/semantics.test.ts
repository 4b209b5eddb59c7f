// Connection semantics: keepAlive, upgrade and CONNECT (and the bytes left to
// the caller after them), Expect, and pipelining (README "Input" and
// "Connection semantics", RFC 9112 section 9, RFC 9110 sections 7.8 and
// 10.1.1). The parser's life cycle (finish, errors, pause) is in
// lifecycle.test.ts.
import { describe, expect, it } from "vitest";
import { RequestParser } from "../src/index";
import { type Case, E, get, message, post, request, runCases } from "./helpers/cases";
import { bytesOf } from "./helpers/collect";

/** A request on HTTP/1.`minor` with `lines` (and Host on 1.1). */
const on = (minor: 0 | 1, lines: string[]): string =>
  message(`GET / HTTP/1.${minor}`, minor === 1 ? ["Host: h", ...lines] : lines);
const headersOf = (minor: 0 | 1, lines: string[]): string[] => [
  ...(minor === 1 ? ["Host", "h"] : []),
  ...lines.flatMap((l) => {
    const colon = l.indexOf(":");
    return [l.slice(0, colon), l.slice(colon + 1).trim()];
  }),
];
/** A request with `lines` whose head has `fields`; everything else as default. */
const semantic = (
  what: string,
  minor: 0 | 1,
  lines: string[],
  fields: Parameters<typeof request>[0],
): Case => ({
  what,
  input: on(minor, lines),
  expected: {
    events: request({ versionMinor: minor, headers: headersOf(minor, lines), ...fields }),
  },
});

describe("keepAlive", () => {
  runCases([
    semantic("HTTP/1.1 by default", 1, [], { keepAlive: true }),
    semantic("HTTP/1.1 with close", 1, ["Connection: close"], { keepAlive: false }),
    semantic("HTTP/1.1 with Close", 1, ["Connection: Close"], { keepAlive: false }),
    semantic("HTTP/1.1 with CLOSE in a list", 1, ["Connection: foo, CLOSE"], { keepAlive: false }),
    semantic("HTTP/1.1 with close on a second line", 1, ["Connection: a", "Connection: close"], {
      keepAlive: false,
    }),
    semantic("HTTP/1.1 with keep-alive", 1, ["Connection: keep-alive"], { keepAlive: true }),
    semantic("HTTP/1.1 with a token that contains close", 1, ["Connection: closed"], {
      keepAlive: true,
    }),
    semantic("HTTP/1.1 with close in another header", 1, ["X-Connection: close"], {
      keepAlive: true,
    }),
    semantic("HTTP/1.0 by default", 0, [], { keepAlive: false }),
    semantic("HTTP/1.0 with keep-alive", 0, ["Connection: keep-alive"], { keepAlive: true }),
    semantic("HTTP/1.0 with Keep-Alive", 0, ["Connection: Keep-Alive"], { keepAlive: true }),
    semantic("HTTP/1.0 with keep-alive in a list", 0, ["Connection: x, KEEP-ALIVE , y"], {
      keepAlive: true,
    }),
    semantic("HTTP/1.0 with keep-alive and close", 0, ["Connection: keep-alive, close"], {
      keepAlive: false,
    }),
    semantic(
      "HTTP/1.0 with keep-alive, then close on another line",
      0,
      ["Connection: keep-alive", "Connection: close"],
      { keepAlive: false },
    ),
    semantic("HTTP/1.0 with a token that contains keep-alive", 0, ["Connection: keep-alive2"], {
      keepAlive: false,
    }),
  ]);
});

describe("upgrade", () => {
  const TUNNEL = "\x16\x03\x01 tunnel bytes GET / HTTP/1.1\r\n\r\n";
  const ws = ["Upgrade: websocket", "Connection: Upgrade"];
  const wsHead = { headers: headersOf(1, ws), upgrade: true };
  runCases([
    semantic("Upgrade with Connection: upgrade", 1, ws, { upgrade: true }),
    semantic(
      "upgrade token in a list, any case",
      1,
      ["Connection: keep-alive, UPGRADE", "Upgrade: h2c"],
      {
        upgrade: true,
      },
    ),
    semantic("Upgrade without the Connection token", 1, ["Upgrade: websocket"], { upgrade: false }),
    semantic("Connection: upgrade without Upgrade", 1, ["Connection: upgrade"], { upgrade: false }),
    semantic("Upgrade on HTTP/1.0", 0, ws, { upgrade: false, keepAlive: false }),
    {
      what: "after an upgrade the rest of the input is left to the caller",
      input: `${on(1, ws)}${TUNNEL}`,
      options: { finish: false },
      expected: { events: request(wsHead), consumed: on(1, ws).length },
    },
    {
      what: "a request after an upgrade is not parsed",
      input: `${on(1, ws)}${get()}`,
      options: { finish: false },
      expected: { events: request(wsHead), consumed: on(1, ws).length },
    },
    {
      what: "an upgrade request's Content-Length body is read first",
      input: `${on(1, [...ws, "Content-Length: 3"])}abc${TUNNEL}`,
      options: { finish: false },
      expected: {
        events: request(
          { ...wsHead, headers: headersOf(1, [...ws, "Content-Length: 3"]), contentLength: 3 },
          "abc",
        ),
        consumed: on(1, [...ws, "Content-Length: 3"]).length + 3,
      },
    },
    {
      what: "an upgrade request's chunked body is read first",
      input: `${on(1, [...ws, "Transfer-Encoding: chunked"])}3\r\nabc\r\n0\r\n\r\n${TUNNEL}`,
      options: { finish: false },
      expected: {
        events: request(
          {
            ...wsHead,
            headers: headersOf(1, [...ws, "Transfer-Encoding: chunked"]),
            chunked: true,
          },
          "abc",
        ),
        consumed:
          on(1, [...ws, "Transfer-Encoding: chunked"]).length + "3\r\nabc\r\n0\r\n\r\n".length,
      },
    },
    {
      what: "Upgrade without the token: the next request is parsed",
      input: `${on(1, ["Upgrade: websocket"])}${get()}`,
      expected: {
        events: [...request({ headers: headersOf(1, ["Upgrade: websocket"]) }), ...request()],
      },
    },
  ]);

  const CONNECT = "CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n";
  const connectHead = {
    method: "CONNECT",
    target: "h:443",
    headers: ["Host", "h:443"],
    upgrade: true,
  };
  runCases([
    {
      what: "CONNECT is an upgrade",
      input: CONNECT,
      options: { finish: false },
      expected: { events: request(connectHead) },
    },
    {
      what: "CONNECT: the tunnel bytes are left to the caller",
      input: `${CONNECT}${TUNNEL}`,
      options: { finish: false },
      expected: { events: request(connectHead), consumed: CONNECT.length },
    },
    {
      what: "CONNECT on HTTP/1.0 is an upgrade too",
      input: `CONNECT h:443 HTTP/1.0\r\n\r\n${TUNNEL}`,
      options: { finish: false },
      expected: {
        events: request({ ...connectHead, versionMinor: 0, headers: [], keepAlive: false }),
        consumed: "CONNECT h:443 HTTP/1.0\r\n\r\n".length,
      },
    },
  ]);

  it("returns 0 for any input after an upgrade", () => {
    const events: string[] = [];
    const parser = new RequestParser({
      onRequestHead: () => events.push("head"),
      onBody: () => events.push("body"),
      onRequestComplete: () => events.push("complete"),
    });
    const first = bytesOf(`${CONNECT}abc`);
    expect(parser.execute(first)).toBe(CONNECT.length);
    expect(parser.execute(bytesOf(get()))).toBe(0);
    expect(parser.execute(bytesOf("\x00\xff"))).toBe(0);
    expect(events).toEqual(["head", "complete"]);
  });
});

describe("Expect", () => {
  runCases([
    semantic("100-continue", 1, ["Expect: 100-continue"], { expectContinue: true }),
    semantic("100-Continue", 1, ["Expect: 100-Continue"], { expectContinue: true }),
    semantic("100-CONTINUE", 1, ["Expect: 100-CONTINUE"], { expectContinue: true }),
    semantic("no Expect", 1, [], { expectContinue: false }),
    semantic("100-continue on HTTP/1.0 is ignored", 0, ["Expect: 100-continue"], {
      expectContinue: false,
      keepAlive: false,
    }),
    {
      what: "100-continue with a body",
      input: post(["Expect: 100-continue", "Content-Length: 2"], "hi"),
      expected: {
        events: request(
          {
            method: "POST",
            headers: ["Host", "h", "Expect", "100-continue", "Content-Length", "2"],
            contentLength: 2,
            expectContinue: true,
          },
          "hi",
        ),
      },
    },
    {
      what: "another expectation",
      input: on(1, ["Expect: foo"]),
      expected: { error: E.EXPECTATION_FAILED },
    },
    {
      what: "100-continue with a suffix",
      input: on(1, ["Expect: 100-continue2"]),
      expected: { error: E.EXPECTATION_FAILED },
    },
    { what: "200-ok", input: on(1, ["Expect: 200-ok"]), expected: { error: E.EXPECTATION_FAILED } },
  ]);
});

describe("pipelining", () => {
  const cl = post(["Content-Length: 5"], "hello");
  const te = post(["Transfer-Encoding: chunked"], "2\r\nhi\r\n0\r\nX: 1\r\n\r\n");
  const clHead = {
    method: "POST",
    headers: ["Host", "h", "Content-Length", "5"],
    contentLength: 5,
  };
  const teHead = {
    method: "POST",
    headers: ["Host", "h", "Transfer-Encoding", "chunked"],
    chunked: true,
  };
  runCases([
    {
      what: "several requests in one buffer, in order",
      input: `${get()}${cl}${te}${message("GET /last HTTP/1.1", ["Host: h"])}`,
      expected: {
        events: [
          ...request(),
          ...request(clHead, "hello"),
          ...request(teHead, "hi", ["X", "1"]),
          ...request({ target: "/last" }),
        ],
      },
    },
    {
      what: "an error in the second request keeps the first",
      input: `${cl}GET / HTTP/2.0\r\n\r\n`,
      expected: { events: request(clHead, "hello"), error: E.UNSUPPORTED_VERSION },
    },
  ]);
});
