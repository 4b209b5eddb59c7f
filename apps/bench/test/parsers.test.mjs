// The checks the parser benchmark runs before timing, run as a test: every
// competitor reads the same requests, headers and body bytes from every corpus
// item. Counts only; a benchmark's timings are never asserted.
import { describe, expect, it } from "vitest";
import { verify } from "../src/harness.mjs";
import { loadCompetitors } from "../src/parsers/competitors.mjs";
import { corpus } from "../src/parsers/corpus.mjs";

/** Per corpus item: requests, header fields of each request, decoded body bytes of each request. */
const expected = [
  { name: "tiny GET", requests: 1, fields: 1, bodyBytes: 0 },
  { name: "browser GET", requests: 1, fields: 14, bodyBytes: 0 },
  { name: "JSON POST 1 KiB", requests: 1, fields: 6, bodyBytes: 1024 },
  { name: "chunked POST", requests: 1, fields: 4, bodyBytes: 1024 },
  { name: "16 pipelined GETs", requests: 16, fields: 2, bodyBytes: 0 },
];

/**
 * @typedef {object} Summary
 * @property {{ method: string, url: string, headers: string[], keepAlive: boolean, bodyBytes: number, complete: boolean }[]} requests
 * @property {{ requests: number, headerStrings: number, bodyBytes: number }} perPass
 */

describe("parser benchmark corpus", () => {
  it("has the items of the table, in order", () => {
    expect(corpus.map((item) => item.name)).toEqual(expected.map((e) => e.name));
  });

  it("has a browser request with a long cookie", () => {
    const text = corpus[1]?.input.bytes.toString("latin1") ?? "";
    const cookie = /\r\nCookie: ([^\r]*)\r\n/.exec(text)?.[1] ?? "";
    expect(cookie.length).toBeGreaterThanOrEqual(380);
    expect(cookie.length).toBeLessThanOrEqual(420);
  });
});

describe.each([false, true])(
  "parser competitors agree (new connection each: %s)",
  async (newConnection) => {
    const competitors = await loadCompetitors(undefined, { newConnection });
    const agreed = verify(corpus, competitors);

    it("all three run", () => {
      expect(competitors.map((c) => c.name)).toEqual(["moonbridge", "llhttp", "http-parser-js"]);
    });

    for (const e of expected) {
      it(`on ${e.name}`, () => {
        const summary = /** @type {Summary} */ (agreed.get(e.name));
        expect(summary.requests).toHaveLength(e.requests);
        for (const request of summary.requests) {
          expect(request.headers).toHaveLength(e.fields * 2);
          expect(request.bodyBytes).toBe(e.bodyBytes);
          expect(request.keepAlive).toBe(true);
          expect(request.complete).toBe(true);
        }
        expect(summary.perPass).toMatchObject({
          requests: e.requests,
          headerStrings: e.requests * e.fields * 2,
          bodyBytes: e.requests * e.bodyBytes,
        });
      });
    }
  },
);
