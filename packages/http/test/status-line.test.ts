// The status line as sent for each form sendStatus() takes (RFC 9112 section
// 4: `HTTP-version SP status-code SP [ reason-phrase ]`, the second SP there
// even when the reason is empty), and what sendStatus() refuses.

import { afterEach, describe, expect, it } from "vitest";
import { HttpError, type Request, type ResponseStatus } from "../src/index";
import { responseOf } from "../src/request";
import { RawClient } from "./helpers/client";
import { startServer, stopServers } from "./helpers/server";

afterEach(stopServers);

/** The first line of each response, for one sendStatus() argument per request (path = index). */
async function statusLines(statuses: Array<string | number>): Promise<string[]> {
  const { port } = await startServer(async (request: Request) => {
    request.sendStatus(statuses[Number(request.path)] as ResponseStatus);
    await request.finish();
    return true;
  });
  const client = await RawClient.open(port);
  await client.send(statuses.map((_, i) => `GET /${i} HTTP/1.1\r\nHost: a\r\n\r\n`).join(""));
  const lines: string[] = [];
  for (let i = 0; i < statuses.length; i++) {
    const response = await client.response();
    lines.push(response.rawHead.slice(0, response.rawHead.indexOf("\r\n")));
  }
  client.close();
  return lines;
}

describe("the status line", () => {
  const sent: Array<{ what: string; input: string | number; expected: string }> = [
    { what: "a number with a known reason", input: 200, expected: "HTTP/1.1 200 OK" },
    { what: "a number with a known reason", input: 404, expected: "HTTP/1.1 404 Not Found" },
    { what: "a number without a known reason", input: 299, expected: "HTTP/1.1 299 " },
    { what: "418, no reason of RFC 9110", input: 418, expected: "HTTP/1.1 418 " },
    { what: "a number at the top of the range", input: 999, expected: "HTTP/1.1 999 " },
    { what: "a code alone, known", input: "200", expected: "HTTP/1.1 200 OK" },
    { what: "a code alone, known", input: "503", expected: "HTTP/1.1 503 Service Unavailable" },
    { what: "a code alone, unknown", input: "299", expected: "HTTP/1.1 299 " },
    {
      what: "a code with its own reason",
      input: "404 Gone Fishing",
      expected: "HTTP/1.1 404 Gone Fishing",
    },
    { what: "a code with an empty reason", input: "200 ", expected: "HTTP/1.1 200 " },
    { what: "a reason with a tab", input: "200 A\tb", expected: "HTTP/1.1 200 A\tb" },
  ];
  it("has the SP after the code, and the standard reason when none is given", async () => {
    const lines = await statusLines(sent.map((c) => c.input));
    expect(lines.map((line, i) => [sent[i]?.what, sent[i]?.input, line])).toEqual(
      sent.map((c) => [c.what, c.input, c.expected]),
    );
  });
});

describe("sendStatus refuses what is not a final status (INVALID_STATUS)", () => {
  const refused: Array<{ what: string; input: unknown }> = [
    { what: "a reason without a code", input: "OK" },
    { what: "an interim status (the server's own)", input: 100 },
    { what: "an interim status as text", input: "103 Early Hints" },
    { what: "below the range", input: 99 },
    { what: "a four-digit number", input: 1000 },
    { what: "a four-digit code", input: "2000 OK" },
    { what: "a two-digit code", input: "20" },
    { what: "a fraction", input: 200.5 },
    { what: "NaN", input: Number.NaN },
    { what: "a code not followed by SP", input: "200\tOK" },
    { what: "a code that is not digits", input: "2e2 OK" },
    { what: "a leading space", input: " 200" },
    { what: "CR LF in the reason (a header injection)", input: "200 OK\r\nX-Injected: 1" },
    { what: "a bare LF in the reason", input: "200 OK\nX: 1" },
    { what: "NUL in the reason", input: "200 O\u0000K" },
    { what: "a character above U+00FF", input: "200 \u2713" },
    { what: "neither string nor number", input: null },
  ];
  for (const { what, input } of refused) {
    it(`${what}: ${typeof input === "number" ? input : JSON.stringify(input)}`, async () => {
      let caught: unknown;
      const { port } = await startServer(async (request) => {
        try {
          request.sendStatus(input as ResponseStatus);
        } catch (error) {
          caught = error;
        }
        if (!responseOf(request).statusSent) request.sendStatus(200);
        request.closeAfterFinish();
        await request.finish();
        return true;
      });
      const client = await RawClient.open(port);
      await client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
      expect((await client.response()).rawHead).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      await client.closed();
      expect(caught).toBeInstanceOf(HttpError);
      expect((caught as HttpError).code).toBe("INVALID_STATUS");
    });
  }
});
