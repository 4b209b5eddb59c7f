// Pipelined requests in one input must come out exactly as if each had been
// parsed alone. The parser shares decoding work between pipelined heads, so
// these mixes put bodies, obs-text and long heads between them.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RequestParser } from "../src/index";
import { bytesOf, type ParseEvent, parse } from "./helpers/collect";

const get = (path: string, extra = "") =>
  `GET ${path} HTTP/1.1\r\nHost: example.com\r\n${extra}\r\n`;
const kinds = [
  get("/a"),
  get("/static/js/chunk-1.js", "Accept: */*\r\n"),
  get("/long", `X-Long: ${"v".repeat(5000)}\r\n`),
  get("/obs", "X-Obs: caf\u00e9 \u00ff\r\n"),
  `POST /bin HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\n\r\n\u00ff\r\n\u0080GE`,
  `POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n\u00e9\u00e9\u00e9\r\n0\r\n\r\n`,
  `\r\n${get("/after-empty-line")}`,
  get("/a-bit-longer-path-to-cross-thirty-two-bytes?q=1"),
];

function alone(requests: string[]): ParseEvent[] {
  return requests.flatMap((r) => parse(r).events);
}

describe("pipelined requests", () => {
  it("give the events of each request parsed alone, in any mix", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...kinds), { minLength: 2, maxLength: 10 }),
        fc.integer({ min: 0, max: 3 }),
        (requests, pad) => {
          const joined = bytesOf(requests.join(""));
          const padded = new Uint8Array(joined.length + pad);
          padded.set(joined, pad);
          const result = parse(padded.subarray(pad));
          expect(result.error).toBeUndefined();
          expect(result.events).toEqual(alone(requests));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("never reuse text decoded from an earlier input in the same buffer object", () => {
    // A caller may read every packet into one buffer and pass the same view.
    const first = bytesOf(get("/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa") + get("/bbbbbbbb"));
    const second = bytesOf(get("/cccccccccccccccccccccccccccccccc") + get("/dddddddd"));
    const view = new Uint8Array(first.length);
    const targets: string[] = [];
    const parser = new RequestParser({ onRequestHead: (h) => targets.push(h.target) });
    view.set(first);
    parser.execute(view);
    view.set(second);
    parser.execute(view);
    expect(targets).toEqual([
      "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
      "/bbbbbbbb",
      "/cccccccccccccccccccccccccccccccc",
      "/dddddddd",
    ]);
  });
});
