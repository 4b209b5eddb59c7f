// Differential test of ResponseParser against llhttp's RESPONSE mode (the
// parser of node:http's client), driven as the client drives it: on generated
// responses, valid and with a hostile status line, both parsers must agree on
// accept vs reject and, when both accept, on every response they read. Where
// we differ on purpose, a named rule recognises the difference from the
// input at the byte where we stopped, and cites the RFC clause; any other
// disagreement fails the test. Each rule is proved by a fixed example below.
// The header-field and body code is RequestParser's, which differential.test.ts
// checks against llhttp on mutated input too. DIFF_RUNS (a quarter of it runs
// here) and DIFF_SEED as there.
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { HttpParserError, ResponseParser } from "../src/index";
import type { ParseResult } from "./helpers/collect";
import { parseResponse, type ResponseEvent } from "./helpers/collect-response";
import { bytesOf, latin1, showBytes } from "./helpers/generate";
import { type GeneratedResponses, validResponses } from "./helpers/generate-response";
import {
  LLHTTP_UNAVAILABLE,
  LLHTTP_VERSION,
  type LlhttpResponseEvent,
  type LlhttpResponseResult,
  parseResponseWithLlhttp,
} from "./helpers/llhttp";

const describeWithLlhttp = (name: string, body: () => void) => {
  if (LLHTTP_UNAVAILABLE === undefined) describe(name, body);
  else describe.skip(`${name}: SKIPPED, llhttp unreachable: ${LLHTTP_UNAVAILABLE}`, body);
};
if (LLHTTP_UNAVAILABLE !== undefined) {
  console.warn(
    `response-differential.test.ts: llhttp unreachable, NOT COMPARED: ${LLHTTP_UNAVAILABLE}`,
  );
}

// ---- both results as comparable responses --------------------------------

interface Res {
  head: {
    version: string;
    status: number;
    reason: string;
    headers: string[];
    keepAlive: boolean | undefined;
    upgrade: boolean;
  };
  body: string;
  trailers: string[];
  complete: boolean;
}

function responsesOf(events: (ResponseEvent | LlhttpResponseEvent)[]): Res[] {
  const out: Res[] = [];
  for (const e of events) {
    const res = out[out.length - 1];
    if (e.type === "head") {
      const h = e.head;
      const version =
        "versionMajor" in h ? `${h.versionMajor}.${h.versionMinor}` : `1.${h.versionMinor}`;
      const { status, reason, headers, upgrade } = h;
      // Once the protocol switches, keepAlive says nothing (llhttp computes it as for a body until close).
      const keepAlive = upgrade ? undefined : h.keepAlive;
      out.push({
        head: { version, status, reason, headers, keepAlive, upgrade },
        body: "",
        trailers: [],
        complete: false,
      });
    } else if (res === undefined) throw new Error(`${e.type} event before a head`);
    else if (e.type === "body") res.body += e.data;
    else if (e.type === "trailers") res.trailers = e.trailers;
    else res.complete = true;
  }
  return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function agree(ours: ParseResult<ResponseEvent>, theirs: LlhttpResponseResult): boolean {
  if (ours.error !== undefined || theirs.error !== undefined)
    return ours.error !== undefined && theirs.error !== undefined;
  return (
    ours.consumed === theirs.consumed && same(responsesOf(ours.events), responsesOf(theirs.events))
  );
}

// ---- the deliberate differences ---------------------------------------------

const DEVIATIONS = {
  "status-no-sp": {
    why: "we require the SP after the status code, even before an empty reason; llhttp accepts `HTTP/1.1 200` CRLF (RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ])",
  },
  "status-range": {
    why: "we reject a status below 100; llhttp accepts 000-099 (RFC 9110 §15: the first digit is the class, 1 to 5; we keep 600-999 as llhttp does)",
  },
  "reason-char": {
    why: "we reject control bytes in the reason phrase; llhttp accepts any byte but CR and LF (RFC 9112 §4: reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ))",
  },
  version: {
    why: "we accept HTTP/1.0 and HTTP/1.1 only; llhttp also reads 0.9 and 2.0 responses (RFC 9112 §2.3, RFC 9110 §6.2)",
  },
  "te-http10": {
    why: "we reject an HTTP/1.0 response with Transfer-Encoding, as for requests: its framing is faulty; llhttp decodes it (RFC 9112 §6.1)",
  },
  "bare-lf": {
    why: "we reject a bare LF line ending, also between responses, where llhttp skips it (RFC 9112 §2.2 allows, does not require, accepting it)",
  },
  "head-keep-alive": {
    why: "a response to HEAD without Content-Length keeps the connection to us; llhttp's shouldKeepAlive is computed before it learns there is no body (RFC 9112 §6.3 item 1, §9.3)",
  },
  "closed-connection": {
    why: "we read responses after a non-keep-alive one; closing is the caller's; llhttp fails with HPE_CLOSED_CONNECTION (RFC 9112 §9.6)",
  },
  "te-chunked-twice": {
    why: "we reject chunked applied more than once; llhttp decodes one layer (RFC 9112 §6.1: a sender MUST NOT apply chunked more than once)",
  },
} as const;
type Deviation = keyof typeof DEVIATIONS;

/** Fed one byte at a time: the offset of the byte at which we throw (the length if finish throws) and the error code. */
function ourError(bytes: Uint8Array, methods: string[]): { at: number; code: string } | undefined {
  const parser = new ResponseParser({ onResponseHead: () => {} });
  for (const m of methods) parser.responseTo(m);
  let i = 0;
  try {
    for (; i < bytes.length; i++) {
      if (parser.execute(bytes.subarray(i, i + 1)) === 0) return undefined; // switched protocols
    }
    parser.finish();
  } catch (error) {
    if (error instanceof HttpParserError) return { at: i, code: error.code };
    throw error;
  }
  return undefined;
}

/** The line holding offset `at`, CR and LF left off, and the status line of the message it is in. */
function context(
  bytes: Uint8Array,
  at: number,
): { line: string; statusLine: string; fields: string[] } {
  const text = latin1(bytes);
  const from = text.lastIndexOf("\n", Math.min(at, text.length) - 1) + 1;
  let to = text.indexOf("\n", from);
  if (to < 0) to = text.length;
  const line = text.slice(from, to).replace(/\r$/, "");
  const start = text.lastIndexOf("HTTP/", from);
  const head = text.slice(Math.max(start, 0), to).split(/\r?\n/);
  return { line, statusLine: head[0] ?? "", fields: head.slice(1) };
}

/** The method each of our responses answers, as ResponseParser assigns them. */
function methodsOf(responses: Res[], methods: string[]): string[] {
  const queue = [...methods];
  return responses.map((r) => {
    const interim = r.head.status < 200 && r.head.status !== 101;
    return (interim ? queue[0] : queue.shift()) ?? "GET";
  });
}

/** A difference where we accepted: in a head, or in reading on after a close. */
function acceptedDeviation(
  methods: string[],
  ours: ParseResult<ResponseEvent>,
  theirs: LlhttpResponseResult,
): Deviation | undefined {
  const a = responsesOf(ours.events);
  const b = responsesOf(theirs.events);
  const k = a.findIndex((r, i) => !same(r, b[i]));
  if (k < 0) return undefined;
  const mine = a[k] as Res;
  const their = b[k];
  if (
    their !== undefined &&
    same({ ...mine.head, keepAlive: 0 }, { ...their.head, keepAlive: 0 }) &&
    mine.head.keepAlive &&
    methodsOf(a, methods)[k] === "HEAD"
  )
    return "head-keep-alive";
  if (
    theirs.error?.code === "HPE_CLOSED_CONNECTION" &&
    k === b.length &&
    same(a.slice(0, k), b) &&
    b[k - 1]?.head.keepAlive === false
  )
    return "closed-connection";
  return undefined;
}

/** Whether text holds a control byte other than HTAB (or DEL): none is allowed in a reason phrase. */
const hasControl = (text: string) => [...text].some((c) => (c < " " && c !== "\t") || c === "\x7f");

/** Which deliberate difference explains the two results, or undefined. */
function deviationOf(
  bytes: Uint8Array,
  methods: string[],
  ours: ParseResult<ResponseEvent>,
  theirs: LlhttpResponseResult,
): Deviation | undefined {
  if (ours.error === undefined) return acceptedDeviation(methods, ours, theirs);
  const error = ourError(bytes, methods);
  if (error === undefined) return undefined;
  const { line, statusLine, fields } = context(bytes, error.at);
  const status = /^HTTP\/(\d)\.(\d) (\d{3})/.exec(statusLine);
  const theyRead = theirs.error === undefined || theirs.error.offset > error.at;
  if (!theyRead) return undefined;
  switch (error.code) {
    case "HPE_CR_EXPECTED":
      // (The byte before may be a CR of a body: CR_EXPECTED at an LF means a bare one to the parser.)
      return bytes[error.at] === 0x0a ? "bare-lf" : undefined;
    case "HPE_INVALID_STATUS":
      if (/^HTTP\/\d\.\d \d{3}$/.test(line)) return "status-no-sp";
      if (/^HTTP\/\d\.\d 0\d\d/.test(line)) return "status-range";
      if (/^HTTP\/\d\.\d \d{3} /.test(line) && hasControl(line.slice(13))) return "reason-char";
      return undefined;
    case "HPE_UNSUPPORTED_VERSION":
      return /^HTTP\/(?!1\.[01] )\d\.\d /.test(line) ? "version" : undefined;
    case "HPE_INVALID_TRANSFER_ENCODING": {
      const codings = fields
        .filter((f) => /^transfer-encoding:/i.test(f))
        .flatMap((f) => f.slice(f.indexOf(":") + 1).split(","))
        .map((c) => c.trim().toLowerCase())
        .filter((c) => c !== "");
      if (status?.[2] === "0" && codings.length > 0) return "te-http10";
      if (codings.filter((c) => c === "chunked").length > 1) return "te-chunked-twice";
      return undefined;
    }
    default:
      return undefined;
  }
}

// ---- hostile status lines -----------------------------------------------------

const HOSTILE_STATUS_LINES = [
  "HTTP/1.1 200",
  "HTTP/1.1 200 ",
  "HTTP/1.1 099 Low",
  "HTTP/1.1 000 Zero",
  "HTTP/1.1 20 OK",
  "HTTP/1.1 2000 OK",
  "HTTP/1.1  200 OK",
  "HTTP/1.1 200  OK",
  "HTTP/1.1 200 O\x01K",
  "HTTP/1.1 200 O\x7fK",
  "HTTP/1.1 200 \xe9t\xe9",
  "HTTP/1.1 200 \tOK",
  "HTTP/2.0 200 OK",
  "HTTP/0.9 200 OK",
  "HTTP/1.2 200 OK",
  "http/1.1 200 OK",
  "HTTP/1.1 2x0 OK",
  "HTTP/1.1 600 Custom",
  "HTTP/1.1 999 Custom",
  "HTTP/1.1 -20 OK",
  "HTTP/1.1\t200 OK",
  "HTTP/1.0 200 OK",
];

/** Valid-ish responses with one status line replaced by a hostile one. */
const hostileStatusResponses: fc.Arbitrary<GeneratedResponses> = fc
  .tuple(validResponses, fc.nat(), fc.constantFrom(...HOSTILE_STATUS_LINES))
  .map(([input, which, replacement]) => {
    const text = latin1(input.bytes);
    const starts = [...text.matchAll(/(?:^|\n)(HTTP\/1\.[01] \d{3} [^\r\n]*)/g)];
    const m = starts[which % starts.length];
    if (m === undefined) return input;
    const at = (m.index ?? 0) + m[0].length - (m[1] as string).length;
    const next = text.slice(0, at) + replacement + text.slice(at + (m[1] as string).length);
    return {
      bytes: bytesOf(next),
      description: `${input.description} || status line ${which % starts.length} := ${JSON.stringify(replacement)}`,
      methods: input.methods,
    };
  });

// ---- the tests -------------------------------------------------------------

const SEED = Number(process.env.DIFF_SEED ?? (process.env.CI ? 20261207 : Date.now() % 2 ** 31));
const RUNS = Math.ceil(Number(process.env.DIFF_RUNS ?? 20000) / 4);
const counts = new Map<string, number>();
let compared = 0;
let bothAccepted = 0;
let bothRejected = 0;

function check(input: GeneratedResponses): void {
  compared++;
  const ours = parseResponse(input.bytes, { methods: input.methods });
  const theirs = parseResponseWithLlhttp(input.bytes, input.methods);
  if (agree(ours, theirs)) {
    if (ours.error === undefined) bothAccepted++;
    else bothRejected++;
    return;
  }
  const deviation = deviationOf(input.bytes, input.methods, ours, theirs);
  if (deviation === undefined) {
    throw new Error(
      `unexplained disagreement with llhttp\n  input: ${showBytes(input.bytes)}\n  methods: ${input.methods.join(", ")}\n` +
        `  generated: ${input.description}\n  ours:   ${JSON.stringify(ours)}\n  llhttp: ${JSON.stringify(theirs)}`,
    );
  }
  const key = `${deviation}: ${DEVIATIONS[deviation].why}`;
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

describeWithLlhttp("response differential against llhttp", () => {
  afterAll(() => {
    const lines = [...counts]
      .sort((a, b) => b[1] - a[1])
      .map(([why, n]) => `  ${String(n).padStart(5)}  ${why}`);
    console.log(
      `llhttp ${LLHTTP_VERSION} (Node ${process.version}) response differential, seed ${SEED}: ${compared} inputs, ` +
        `${bothAccepted} accepted alike, ${bothRejected} rejected by both, deliberate differences:\n${lines.join("\n")}`,
    );
  });

  const timeout = Math.max(240_000, RUNS * 12);
  async function assertInBatches(
    inputs: fc.Arbitrary<GeneratedResponses>,
    seed: number,
    runs: number,
  ) {
    for (let done = 0, batch = 0; done < runs; done += 2_000, batch++) {
      fc.assert(fc.property(inputs, check), {
        seed: seed + 2 * batch,
        numRuns: Math.min(2_000, runs - done),
      });
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  it("agrees on valid-ish responses, or differs for a listed reason", { timeout }, async () => {
    await assertInBatches(validResponses, SEED, Math.ceil(RUNS / 2));
  });

  it("agrees on responses with a hostile status line, or differs for a listed reason", {
    timeout,
  }, async () => {
    await assertInBatches(hostileStatusResponses, SEED + 1, Math.ceil(RUNS / 2));
  });

  /** One input per deviation, proving it: the parsers disagree, and the rule names it. */
  const EXAMPLES: { deviation: Deviation; input: string; methods?: string[] }[] = [
    {
      deviation: "bare-lf",
      input: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx\nHTTP/1.1 204 No Content\r\n\r\n",
    },
    { deviation: "head-keep-alive", input: "HTTP/1.1 200 OK\r\n\r\n", methods: ["HEAD"] },
    {
      deviation: "closed-connection",
      input: "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
    },
    { deviation: "status-no-sp", input: "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n" },
    { deviation: "status-range", input: "HTTP/1.1 099 Low\r\nContent-Length: 0\r\n\r\n" },
    { deviation: "reason-char", input: "HTTP/1.1 200 O\x01K\r\nContent-Length: 0\r\n\r\n" },
    { deviation: "version", input: "HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n" },
    {
      deviation: "te-http10",
      input: "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    },
    {
      deviation: "te-chunked-twice",
      input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
    },
  ];

  it("lists every deviation with an example", () => {
    expect(new Set(EXAMPLES.map((e) => e.deviation))).toEqual(new Set(Object.keys(DEVIATIONS)));
  });

  it.each(EXAMPLES)("$deviation: proved by its example", ({ deviation, input, methods = [] }) => {
    const bytes = bytesOf(input);
    const ours = parseResponse(bytes, { methods });
    const theirs = parseResponseWithLlhttp(bytes, methods);
    expect(agree(ours, theirs)).toBe(false);
    expect(deviationOf(bytes, methods, ours, theirs)).toBe(deviation);
  });
});
