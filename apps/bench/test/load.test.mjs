// The load benches' bookkeeping (bench:http, bench:burst): answered
// connections from the servers' counts lines, the counts file read as it
// grows, percentiles and ratio cells, the probe's response check (at every
// split offset, as bytes arrive), the client processes' sums and the
// kernel's counters. Never
// starts a server and never asserts how fast anything was.
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { combine } from "../src/load/client-process.mjs";
import { answeredOf, CountsFile, perConnection } from "../src/load/counts.mjs";
import { percentile, ratioCell } from "../src/load/latency.mjs";
import { netstatCounter } from "../src/load/netstat.mjs";
import { ResponseReader } from "../src/load/response.mjs";

describe("answeredOf", () => {
  it.each([
    {
      what: "one line per connection",
      input: ["40000 3", "40001 5"],
      expected: { seen: 2, answered: 2, requests: 8, fewest: 3 },
    },
    {
      what: "a parked connection's lines summed by port",
      input: ["40000 3", "40001 1", "40000 2", "40000 0"],
      expected: { seen: 2, answered: 2, requests: 6, fewest: 1 },
    },
    {
      what: "wrk's address check: a connection without a request, not answered",
      input: ["39999 0", "40000 7"],
      expected: { seen: 2, answered: 1, requests: 7, fewest: 7 },
    },
    {
      what: "a starved connection taken after its client left",
      input: ["40000 9", "40001 0"],
      expected: { seen: 2, answered: 1, requests: 9, fewest: 9 },
    },
    {
      what: "a build that cannot tell the port: each line a connection",
      input: ["? 3", "? 0", "? 2"],
      expected: { seen: 3, answered: 2, requests: 5, fewest: 2 },
    },
    {
      what: "blank lines skipped",
      input: ["", "40000 1", ""],
      expected: { seen: 1, answered: 1, requests: 1, fewest: 1 },
    },
    { what: "nothing", input: [], expected: { seen: 0, answered: 0, requests: 0, fewest: 0 } },
  ])("$what", ({ input, expected }) => {
    expect(answeredOf(input)).toEqual(expected);
  });

  it.each([
    { what: "the old format, a count alone", input: "12" },
    { what: "a port that is not a number", input: "a 1" },
    { what: "a negative count", input: "40000 -1" },
    { what: "a count that is not an integer", input: "40000 1.5" },
    { what: "no count", input: "40000 " },
    { what: "__proto__ as the port", input: "__proto__ 1" },
  ])("rejects $what", ({ input }) => {
    expect(() => perConnection([input])).toThrow(/PORT REQUESTS/);
  });
});

describe("CountsFile", () => {
  const dir = mkdtempSync(join(tmpdir(), "moon-counts-test-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads as missing a file the server has not written yet", async () => {
    const counts = new CountsFile(join(dir, "missing"));
    expect(await counts.take(0, { quietMs: 0 })).toEqual([]);
  });

  it("takes only whole lines written since the last take or skip", async () => {
    const file = join(dir, "counts");
    writeFileSync(file, "1 1\n");
    const counts = new CountsFile(file);
    counts.skip();
    appendFileSync(file, "40000 3\n40001 0\n40000 2\n4000");
    expect(await counts.take(2, { quietMs: 0 })).toEqual(["40000 3", "40001 0", "40000 2"]);
    appendFileSync(file, "2 5\n");
    expect(await counts.take(1, { quietMs: 0 })).toEqual(["40002 5"]);
  });

  it("gives up waiting for connections at its deadline with what it has", async () => {
    const file = join(dir, "short");
    writeFileSync(file, "40000 1\n");
    const counts = new CountsFile(file);
    expect(await counts.take(5, { quietMs: 0, timeoutMs: 100 })).toEqual(["40000 1"]);
    expect(await counts.take(0, { quietMs: 0 })).toEqual([]);
  });
});

describe("percentile", () => {
  it.each([
    { what: "median of an odd count", values: [5, 1, 4, 2, 3], p: 50, expected: 3 },
    { what: "nearest rank, not interpolated", values: [1, 2, 3, 4], p: 50, expected: 2 },
    { what: "p99 of 100 values: the 99th", values: [...Array(100).keys()], p: 99, expected: 98 },
    { what: "p99 of 10 values: the largest", values: [...Array(10).keys()], p: 99, expected: 9 },
    { what: "p100: the largest", values: [3, 9, 1], p: 100, expected: 9 },
    { what: "one value", values: [7], p: 1, expected: 7 },
  ])("$what", ({ values, p, expected }) => {
    expect(percentile(values, p)).toBe(expected);
  });

  it("is NaN for no values and rejects p outside (0, 100]", () => {
    expect(percentile([], 50)).toBeNaN();
    for (const p of [0, -1, 101, Number.NaN]) expect(() => percentile([1], p)).toThrow(RangeError);
  });
});

describe("ratioCell", () => {
  it.each([
    { what: "a ratio", value: 150, base: 120, expected: "1.25×" },
    { what: "no base", value: 1, base: undefined, expected: "–" },
    { what: "a zero base", value: 1, base: 0, expected: "–" },
    { what: "a NaN value", value: Number.NaN, base: 1, expected: "–" },
  ])("$what", ({ value, base, expected }) => {
    expect(ratioCell(value, base)).toBe(expected);
  });
});

describe("ResponseReader", () => {
  const HEAD = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n";
  it.each([
    {
      what: "Content-Length",
      input: `${HEAD}Content-Length: 13\r\n\r\nHello World!\n`,
      expected: "",
    },
    {
      what: "chunked",
      input: `${HEAD}Transfer-Encoding: chunked\r\n\r\n6\r\nHello \r\n7\r\nWorld!\n\r\n0\r\n\r\n`,
      expected: "",
    },
    {
      what: "chunked with a trailer",
      input: `${HEAD}Transfer-Encoding: chunked\r\n\r\nd\r\nHello World!\n\r\n0\r\nX-T: 1\r\n\r\n`,
      expected: "",
    },
    {
      what: "another status",
      input: "HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n",
      expected: 'status "HTTP/1.1 408 Request Timeout"',
    },
    { what: "a wrong body", input: `${HEAD}Content-Length: 3\r\n\r\nHi\n`, expected: "wrong body" },
    {
      what: "not text/plain",
      input: "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello World!\n",
      expected: "not text/plain",
    },
    {
      what: "bytes after the response, in its last chunk",
      input: `${HEAD}Content-Length: 13\r\n\r\nHello World!\nX`,
      expected: "bytes after the response",
      whole: true,
    },
    {
      what: "no framing",
      input: `${HEAD}\r\nHello World!\n`,
      expected: "no Content-Length and not chunked",
    },
    {
      what: "a bad Content-Length",
      input: `${HEAD}Content-Length: -1\r\n\r\n`,
      expected: "bad Content-Length",
    },
  ])("$what, at every split offset", ({ input, expected, whole }) => {
    const bytes = Buffer.from(input);
    // Split, the extra byte would come after a whole response: not the reader's to see.
    for (let split = whole ? bytes.length : 0; split <= bytes.length; split++) {
      const reader = new ResponseReader();
      const first = reader.push(bytes.subarray(0, split));
      const result = first ?? reader.push(bytes.subarray(split));
      expect({ split, result }).toEqual({ split, result: expected });
    }
  });

  it("waits for a truncated response, and gives up on a head that never ends", () => {
    const reader = new ResponseReader();
    expect(reader.push(Buffer.from(`${HEAD}Content-Length: 13\r\n\r\nHello`))).toBeUndefined();
    expect(new ResponseReader().push(Buffer.alloc(70_000, "a"))).toBe("head too long");
  });
});

describe("combine", () => {
  it("sums counts, merges failures by reason and keeps the largest ms", () => {
    expect(
      combine([
        { type: "opened", open: 3, ms: 10, failures: { reset: 1 } },
        { type: "opened", open: 4, ms: 25, failures: { reset: 2, refused: 1 } },
      ]),
    ).toEqual({ open: 7, ms: 25, failures: { reset: 3, refused: 1 } });
  });
});

describe("netstatCounter", () => {
  const TEXT =
    "TcpExt: SyncookiesSent ListenOverflows ListenDrops\nTcpExt: 0 207002 207010\n" +
    "IpExt: InNoRoutes ListenOverflows\nIpExt: 5 9\n";
  it.each([
    { what: "a counter", group: "TcpExt", name: "ListenOverflows", expected: 207002 },
    {
      what: "the same name in another group",
      group: "IpExt",
      name: "ListenOverflows",
      expected: 9,
    },
    {
      what: "a counter the kernel does not have",
      group: "TcpExt",
      name: "Nope",
      expected: undefined,
    },
    {
      what: "the group name, not a counter",
      group: "TcpExt",
      name: "TcpExt:",
      expected: undefined,
    },
    { what: "a group the kernel does not have", group: "MPTcpExt", name: "A", expected: undefined },
  ])("$what", ({ group, name, expected }) => {
    expect(netstatCounter(TEXT, group, name)).toBe(expected);
  });
});
