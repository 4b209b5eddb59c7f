// A parser remembers the field names of its last header section by position
// and compares the next section's names with them before checking them byte
// by byte. Whatever those names were, a request must parse exactly as it
// would on a parser of its own: same strings, same framing, same errors.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesOf, type ParseEvent, parse } from "./helpers/collect";

/** Each request on a new parser, its events concatenated; the first error ends it. */
function oneParserEach(requests: string[]): { events: ParseEvent[]; error?: string } {
  const events: ParseEvent[] = [];
  for (const request of requests) {
    const result = parse(request);
    events.push(...result.events);
    if (result.error !== undefined) return { events, error: result.error.code };
  }
  return { events };
}

/** All requests on one parser, cut at `cuts`. */
function oneParser(
  requests: string[],
  cuts: number[] = [],
): { events: ParseEvent[]; error?: string } {
  const result = parse(bytesOf(requests.join("")), { cuts });
  return result.error === undefined
    ? { events: result.events }
    : { events: result.events, error: result.error.code };
}

function request(fields: [string, string][], body = ""): string {
  return `POST /x HTTP/1.1\r\n${fields.map(([n, v]) => `${n}: ${v}\r\n`).join("")}\r\n${body}`;
}

describe("names remembered from the section before", () => {
  it.each([
    ["a name of the same length with other bytes", ["Host", "Accept"], ["Host", "Accepu"]],
    ["the same name in another case", ["Host", "Accept"], ["host", "ACCEPT"]],
    ["a longer name the old one begins", ["Host", "Accept"], ["Host", "Accept-Encoding"]],
    ["a shorter name", ["Host", "Accept-Encoding"], ["Host", "Accept"]],
    ["names in another order", ["Host", "Accept", "Cookie"], ["Cookie", "Host", "Accept"]],
    ["more names than before", ["Host"], ["Host", "A", "Bb", "Ccc", "Dddd", "Eeeee"]],
    ["a name that becomes special", ["Host", "Content-Lengtx"], ["Host", "Content-Length"]],
    ["a special name that becomes plain", ["Host", "Content-Length"], ["Host", "Content-Lengtx"]],
  ])("%s", (_what, first, second) => {
    const value = (name: string) => (name.toLowerCase() === "content-length" ? "0" : "v");
    // A parser learns names from its second head on: the third and fourth compare.
    const requests = [first, first, second, first].map((names) =>
      request(names.map((n) => [n, value(n)])),
    );
    const expected = oneParserEach(requests);
    expect(expected.error).toBeUndefined();
    const total = requests.join("").length;
    for (let cut = 0; cut <= total; cut += 7) {
      expect(oneParser(requests, [cut]), `cut at ${cut}`).toEqual(expected);
    }
  });

  it("checks a name that begins like the old one and then breaks the token rule", () => {
    for (const bad of ["Host(", "Host ", "Hos\x01", "Host\x7f"]) {
      const host = request([["Host", "a"]]);
      const requests = [host, host, request([[bad, "a"]])];
      expect(oneParser(requests)).toEqual(oneParserEach(requests));
      expect(oneParser(requests).error, JSON.stringify(bad)).toBeDefined();
    }
  });

  it("frames by a remembered Content-Length and Transfer-Encoding as by new ones", () => {
    const requests = [
      request(
        [
          ["Host", "a"],
          ["Content-Length", "3"],
        ],
        "abc",
      ),
      request(
        [
          ["Host", "a"],
          ["Content-Length", "5"],
        ],
        "hello",
      ),
      request(
        [
          ["Host", "a"],
          ["Transfer-Encoding", "chunked"],
        ],
        "1\r\nx\r\n0\r\n\r\n",
      ),
      request(
        [
          ["Host", "a"],
          ["Transfer-Encoding", "chunked"],
        ],
        "2\r\nxy\r\n0\r\n\r\n",
      ),
      request(
        [
          ["Host", "a"],
          ["Content-Length", "1"],
          ["Content-Length", "2"],
        ],
        "ab",
      ),
    ];
    const expected = oneParserEach(requests);
    expect(expected.error).toBe("HPE_INVALID_CONTENT_LENGTH");
    expect(oneParser(requests)).toEqual(expected);
  });

  it("forgets and learns again when the names outgrow its memory", () => {
    // 40 fields of 60-byte names, new ones each request: more than it keeps.
    const requests = Array.from({ length: 12 }, (_, r) =>
      request([
        ["Host", "a"],
        ...Array.from({ length: 40 }, (_, k): [string, string] => [
          `X-${String(r % 3)}-${String(k).padStart(2, "0")}-${"n".repeat(52)}`,
          `${r}.${k}`,
        ]),
      ]),
    );
    const expected = oneParserEach(requests);
    expect(expected.error).toBeUndefined();
    expect(oneParser(requests)).toEqual(expected);
  });

  it("does not take trailer names for header names", () => {
    const chunked = (trailer: string) =>
      request(
        [
          ["Host", "a"],
          ["Transfer-Encoding", "chunked"],
        ],
        `0\r\n${trailer}: t\r\n\r\n`,
      );
    const requests = [
      chunked("Hosx"),
      chunked("Host"),
      request([
        ["Hosx", "b"],
        ["Host", "a"],
      ]),
    ];
    expect(oneParser(requests)).toEqual(oneParserEach(requests));
  });

  it("parses any sequence of requests as each would parse alone, however cut", () => {
    const names = [
      "Host",
      "host",
      "Hosx",
      "Accept",
      "Accept-Encoding",
      "Accept-Encodinh",
      "Content-Length",
      "content-length",
      "Connection",
      "X",
      "X-A",
      "X-Ab",
      "Cookie",
      "User-Agent",
    ];
    const values: Record<string, string> = {
      host: "a",
      "content-length": "0",
      connection: "keep-alive",
    };
    const fields = fc
      .uniqueArray(fc.constantFrom(...names), {
        minLength: 1,
        maxLength: 8,
        selector: (n) => n.toLowerCase(),
      })
      .map((list) => list.map((n): [string, string] => [n, values[n.toLowerCase()] ?? "v"]));
    fc.assert(
      fc.property(fc.array(fields, { minLength: 3, maxLength: 7 }), fc.nat(), (sections, cut) => {
        const requests = sections.map((f) => request(f));
        const expected = oneParserEach(requests);
        const total = requests.join("").length;
        expect(oneParser(requests)).toEqual(expected);
        expect(oneParser(requests, [cut % (total + 1)])).toEqual(expected);
      }),
      { numRuns: 500, seed: 20261207 },
    );
  });

  it("checks a value of the same length as the last one as any other", () => {
    // Three heads teach the parser the shape "X: " + 70 bytes; the fourth
    // has every byte value at every position of a value of that length.
    const value = "v".repeat(70);
    const head = (v: string) => `GET / HTTP/1.1\r\nHost: a\r\nX: ${v}\r\n\r\n`;
    const warm = head(value).repeat(3);
    for (let byte = 0; byte < 256; byte++) {
      for (let at = 0; at < value.length; at++) {
        const v = value.slice(0, at) + String.fromCharCode(byte) + value.slice(at + 1);
        const expected = oneParserEach([head(v)]);
        const got = parse(bytesOf(warm + head(v)));
        const where = `byte ${byte} at ${at}`;
        expect(got.error?.code, where).toBe(expected.error);
        if (expected.error === undefined)
          expect(got.events.slice(-2), where).toEqual(expected.events);
      }
    }
  });

  it.each([
    ["another OWS before it", "X:  ab", "X: ab"],
    ["a tab for the space", "X:\tabc", "X: abc"],
    ["no OWS", "X:abcd", "X: abc"],
    ["trailing OWS in the same length", "X: ab ", "X: abc"],
    ["trailing OWS after the same length", "X: abc ", "X: abc"],
    ["an empty value", "X: ", "X: a"],
    ["a longer value", "X: abcd", "X: abc"],
    ["a shorter value", "X: ab", "X: abc"],
    ["a CR where the CR was", "X: ab\rc", "X: abc"],
  ])("parses a value with %s as a new parser does", (_what, line, before) => {
    const head = (l: string) => `GET / HTTP/1.1\r\nHost: a\r\n${l}\r\n\r\n`;
    const requests = [head(before), head(before), head(before), head(line)];
    expect(oneParser(requests)).toEqual(oneParserEach(requests));
  });
});
