// fast-check arbitraries for HTTP/1.1 requests as bytes: valid-ish requests
// (every target form, realistic and random fields, Content-Length and chunked
// bodies, pipelines of 1-4), and a mutator that turns them hostile. Each value
// carries a description, so a failure says what was generated, not only bytes.

import fc from "fast-check";

/** Generated input: the bytes, and what they are meant to be, for failure messages. */
export interface Generated {
  bytes: Uint8Array;
  description: string;
}

const DIGIT = "0123456789";
const ALPHA = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const TCHAR = `!#$%&'*+-.^_\`|~${DIGIT}${ALPHA}`;
const UNRESERVED = `-._~${DIGIT}${ALPHA}`;
const SUB_DELIMS = "!$&'()*+,;=";
const HEX = "0123456789abcdefABCDEF";
export const VCHAR = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) =>
  String.fromCharCode(0x21 + i),
).join("");

/**
 * `length` pseudo-random bytes from `seed` (mulberry32). Strings and bodies
 * are drawn as a length and a seed rather than one arbitrary per byte: the
 * fuzz test draws 100 000 requests per run, and per-byte draws dominated it.
 */
function expand(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let a = seed | 0;
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out[i] = (t ^ (t >>> 14)) >>> 0;
  }
  return out;
}

/** Random bytes, 0-255 each, of a length in [minLength, maxLength]. */
export const randomBytes = (minLength: number, maxLength: number) =>
  fc
    .tuple(fc.integer({ min: minLength, max: maxLength }), fc.integer())
    .map(([length, seed]) => expand(length, seed));

/** A string of `set` characters. */
export const chars = (set: string, minLength: number, maxLength: number) =>
  randomBytes(minLength, maxLength).map((b) => {
    let s = "";
    for (let i = 0; i < b.length; i++) s += set[(b[i] as number) % set.length];
    return s;
  });

export function bytesOf(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}
export const latin1 = (b: Uint8Array): string => {
  let s = "";
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
};

/** A token (RFC 9110 section 5.6.2). */
export const token = chars(TCHAR, 1, 12);

// ---- request-target ------------------------------------------------------

/** Bytes as pchar (RFC 3986 section 3.3), mostly unreserved, some sub-delims and pct-encoded. */
function pchars(b: Uint8Array, extra = ""): string {
  let s = "";
  for (let i = 0; i < b.length; i++) {
    const x = b[i] as number;
    if (x < 200) s += UNRESERVED[x % UNRESERVED.length];
    else if (x < 236) s += `${SUB_DELIMS}:@${extra}`[x % (13 + extra.length)];
    else s += `%${HEX[x % 22]}${HEX[(x >> 1) % 22]}`;
  }
  return s;
}
const segment = randomBytes(0, 8).map((b) => pchars(b));
const query = randomBytes(0, 16).map((b) => pchars(b, "/?"));
const pathAbempty = fc
  .array(segment, { maxLength: 4 })
  .map((segs) => segs.map((s) => `/${s}`).join(""));
const optionalQuery = fc.option(query, { freq: 2 }).map((q) => (q === null ? "" : `?${q}`));

const label = fc
  .tuple(
    chars(`${DIGIT}${ALPHA}`, 1, 1),
    chars(`${DIGIT}${ALPHA}-`, 0, 8),
    chars(`${DIGIT}${ALPHA}`, 0, 1),
  )
  .map(([a, b, c]) => a + b + c);
const regName = fc.array(label, { minLength: 1, maxLength: 3 }).map((l) => l.join("."));
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join("."));
const ipv6 = fc.constantFrom("[::1]", "[2001:db8::7]", "[fe80::1:2:3:4]", "[::ffff:192.0.2.1]");
/** uri-host (RFC 3986 section 3.2.2). */
export const host = fc.oneof(
  { weight: 8, arbitrary: regName },
  { weight: 1, arbitrary: ipv4 },
  { weight: 1, arbitrary: ipv6 },
);
const port = fc.integer({ min: 1, max: 65535 }).map(String);
/** `host[:port]`, as in Host and absolute-form. */
export const hostPort = fc
  .tuple(host, fc.option(port, { freq: 2 }))
  .map(([h, p]) => (p === null ? h : `${h}:${p}`));

const originForm = fc
  .tuple(segment, pathAbempty, optionalQuery)
  .map(([s, p, q]) => `/${s}${p}${q}`);
const absoluteForm = fc
  .tuple(fc.constantFrom("http", "https", "HTTP", "ws"), hostPort, pathAbempty, optionalQuery)
  .map(([s, a, p, q]) => `${s}://${a}${p}${q}`);
const authorityForm = fc.tuple(host, port).map(([h, p]) => `${h}:${p}`);

// ---- method --------------------------------------------------------------

const method = fc.oneof(
  { weight: 30, arbitrary: fc.constant("GET") },
  { weight: 15, arbitrary: fc.constant("POST") },
  { weight: 6, arbitrary: fc.constant("PUT") },
  { weight: 5, arbitrary: fc.constant("HEAD") },
  { weight: 5, arbitrary: fc.constant("OPTIONS") },
  { weight: 3, arbitrary: fc.constantFrom("DELETE", "PATCH", "TRACE") },
  { weight: 3, arbitrary: fc.constant("CONNECT") },
  { weight: 2, arbitrary: fc.constantFrom("PROPFIND", "M-SEARCH", "PURGE", "QUERY", "MKCALENDAR") },
  // Extension methods: any token is a method (RFC 9110 section 9.1).
  { weight: 2, arbitrary: token },
);

/** A target in the form the method takes: authority-form for CONNECT, else mostly origin-form. */
function targetFor(
  m: string,
  pick: number,
  origin: string,
  absolute: string,
  authority: string,
): string {
  if (m === "CONNECT") return authority;
  if (m === "OPTIONS" && pick % 6 === 0) return "*";
  return pick % 7 === 1 ? absolute : origin;
}

// ---- fields --------------------------------------------------------------

const REALISTIC_NAMES = [
  "Accept",
  "Accept-Encoding",
  "Accept-Language",
  "User-Agent",
  "Cookie",
  "Referer",
  "Authorization",
  "Cache-Control",
  "Content-Type",
  "If-None-Match",
  "X-Forwarded-For",
  "X-Request-Id",
  "Origin",
  "DNT",
  "sec-fetch-mode",
  "__proto__",
  "constructor",
];
/** Names the parser acts on; random names must not collide with them. */
const SPECIAL_NAMES = new Set([
  "host",
  "content-length",
  "transfer-encoding",
  "connection",
  "upgrade",
  "expect",
]);

const fieldName = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...REALISTIC_NAMES) },
  { weight: 2, arbitrary: token.filter((t) => !SPECIAL_NAMES.has(t.toLowerCase())) },
);
/** A field-value without leading or trailing whitespace (RFC 9110 section 5.5); some obs-text. */
const fieldValue = randomBytes(0, 24).map((b) => {
  let s = "";
  for (let i = 0; i < b.length; i++) {
    const x = b[i] as number;
    if (x < 220) s += VCHAR[x % VCHAR.length];
    else if (x < 250) s += x & 1 ? " " : "\t";
    else s += String.fromCharCode(0x80 | ((x * 37) & 0x7f));
  }
  return s.replace(/^[ \t]+|[ \t]+$/g, "");
});
export const ows = fc.constantFrom("", " ", " ", " ", "  ", "\t", " \t");
// Trailing HTAB is rare: llhttp mis-reads Transfer-Encoding values that end in
// one (and, before 9.4.0 / 9.4.2, Content-Length and Connection values), which
// would hide other differences.
export const trailingOws = fc.oneof(
  { weight: 30, arbitrary: fc.constantFrom("", " ", "  ") },
  { weight: 1, arbitrary: fc.constantFrom("\t", " \t ") },
);

export interface Field {
  name: string;
  value: string;
}

export const field = fc.record({ name: fieldName, value: fieldValue });

export const fieldLine = (f: Field, before: string, after: string) =>
  `${f.name}:${before}${f.value}${after}\r\n`;

// ---- one request ---------------------------------------------------------

/** The parts of a request before they become bytes. */
interface RequestModel {
  method: string;
  target: string;
  minor: 0 | 1;
  fields: Field[];
  body: Body;
}

export type Body =
  | { kind: "none" }
  | { kind: "length"; data: string; lengthText: string }
  | { kind: "chunked"; coding: string; chunks: string[]; trailers: Field[] };

const bodyData = randomBytes(0, 80).map(latin1);

/** 0-2 chunk extensions, `;name`, `;name=token` or `;name="quoted"` (RFC 9112 section 7.1.1). */
const chunkExtension = fc
  .array(fc.tuple(token, fc.nat(5), chars(`${ALPHA} ,;=\\"`, 0, 8)), { maxLength: 2 })
  .map((exts) =>
    exts
      .map(([name, kind, text]) => {
        if (kind < 2) return `;${name}`;
        if (kind < 4) return `;${name}=${name}`;
        return `;${name}="${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
      })
      .join(""),
  );

const chunk = fc
  .tuple(randomBytes(1, 40), fc.constantFrom("", "", "", "0", "00"), fc.boolean(), chunkExtension)
  .map(([data, zeros, upper, ext]) => {
    const size = data.length.toString(16);
    return `${zeros}${upper ? size.toUpperCase() : size}${ext}\r\n${latin1(data)}\r\n`;
  });
const lastChunk = fc
  .tuple(fc.constantFrom("0", "0", "0", "00", "000"), chunkExtension)
  .map(([zero, ext]) => `${zero}${ext}\r\n`);

export const body: fc.Arbitrary<Body> = fc.oneof(
  { weight: 5, arbitrary: fc.constant<Body>({ kind: "none" }) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(bodyData, fc.constantFrom("", "", "", "", "0"))
      .map(([data, zero]): Body => ({ kind: "length", data, lengthText: `${zero}${data.length}` })),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.constantFrom("chunked", "chunked", "chunked", "Chunked", "CHUNKED"),
        fc.array(chunk, { maxLength: 4 }),
        lastChunk,
        fc.array(field, { maxLength: 3 }),
      )
      .map(
        ([coding, chunks, last, trailers]): Body => ({
          kind: "chunked",
          coding,
          chunks: [...chunks, last],
          trailers,
        }),
      ),
  },
);

export const connection = fc.oneof(
  { weight: 6, arbitrary: fc.constant(null) },
  { weight: 3, arbitrary: fc.constantFrom("keep-alive", "Keep-Alive", "close", "Close") },
  {
    weight: 1,
    arbitrary: fc.constantFrom("keep-alive, Upgrade", "Upgrade", "upgrade, x-custom", "TE, close"),
  },
);

const requestModel: fc.Arbitrary<RequestModel> = fc
  .record({
    method,
    pick: fc.nat(),
    origin: originForm,
    absolute: absoluteForm,
    authority: authorityForm,
    minor: fc.oneof(
      { weight: 6, arbitrary: fc.constant<0 | 1>(1) },
      { weight: 1, arbitrary: fc.constant<0 | 1>(0) },
    ),
    fields: fc.array(field, { maxLength: 20 }),
    hostValue: fc.oneof(
      { weight: 10, arbitrary: hostPort },
      { weight: 1, arbitrary: fc.constant("") },
    ),
    hostAt: fc.nat(),
    hostOmitted10: fc.boolean(),
    connection,
    upgrade: fc.option(fc.constantFrom("websocket", "h2c"), { freq: 8 }),
    expect: fc.option(fc.constantFrom("100-continue", "100-Continue"), { freq: 10 }),
    body,
  })
  .map((r): RequestModel => {
    // CONNECT has no body: what follows its head belongs to the tunnel.
    const b: Body = r.method === "CONNECT" ? { kind: "none" } : r.body;
    const fields = [...r.fields];
    const extra: Field[] = [];
    if (r.connection !== null) extra.push({ name: "Connection", value: r.connection });
    if (r.upgrade !== null) extra.push({ name: "Upgrade", value: r.upgrade });
    if (r.expect !== null) extra.push({ name: "Expect", value: r.expect });
    if (b.kind === "length") extra.push({ name: "Content-Length", value: b.lengthText });
    if (b.kind === "chunked") extra.push({ name: "Transfer-Encoding", value: b.coding });
    for (const f of extra) fields.splice(r.hostAt % (fields.length + 1), 0, f);
    if (r.minor === 1 || !r.hostOmitted10) {
      fields.splice(r.hostAt % (fields.length + 1), 0, { name: "Host", value: r.hostValue });
    }
    const target = targetFor(r.method, r.pick, r.origin, r.absolute, r.authority);
    return { method: r.method, target, minor: r.minor, fields, body: b };
  });

/** Whether a model's Connection and version keep the connection open (so llhttp reads what follows). */
function keepsAlive(model: RequestModel): boolean {
  const conn = model.fields
    .filter((f) => f.name.toLowerCase() === "connection")
    .flatMap((f) => f.value.toLowerCase().split(","))
    .map((t) => t.trim());
  if (conn.includes("close")) return false;
  return model.minor === 1 || conn.includes("keep-alive");
}

function keepAlive(model: RequestModel): RequestModel {
  if (keepsAlive(model)) return model;
  const fields = model.fields.filter((f) => f.name.toLowerCase() !== "connection");
  fields.push({ name: "Connection", value: "keep-alive" });
  return { ...model, fields };
}

function render(model: RequestModel, fieldOws: [string, string][]): string {
  let s = `${model.method} ${model.target} HTTP/1.${model.minor}\r\n`;
  model.fields.forEach((f, i) => {
    const [before, after] = fieldOws[i % fieldOws.length] ?? [" ", ""];
    s += fieldLine(f, before, after);
  });
  s += "\r\n";
  return s + bodyText(model.body);
}

/** A body's bytes as the message carries them: data, or chunks and trailer section. */
export function bodyText(b: Body): string {
  if (b.kind === "length") return b.data;
  if (b.kind === "chunked")
    return `${b.chunks.join("")}${b.trailers.map((t) => fieldLine(t, " ", "")).join("")}\r\n`;
  return "";
}

function describe(model: RequestModel): string {
  const b = model.body;
  const bodyText =
    b.kind === "none"
      ? "no body"
      : b.kind === "length"
        ? `Content-Length ${b.lengthText}`
        : `chunked (${b.chunks.length - 1} chunks, ${b.trailers.length} trailers)`;
  return `${model.method} ${model.target.slice(0, 40)} HTTP/1.${model.minor}, ${model.fields.length} fields, ${bodyText}`;
}

/**
 * Pipelines of 1-4 valid-ish requests. Every request but the last keeps the
 * connection open (so both parsers read on), except now and then.
 */
export const validRequests: fc.Arbitrary<Generated> = fc
  .tuple(
    fc.array(requestModel, { minLength: 1, maxLength: 4 }),
    fc.array(fc.tuple(ows, trailingOws), { minLength: 1, maxLength: 4 }),
    fc.nat(9),
    fc.constantFrom("", "", "", "", "", "\r\n", "\r\n\r\n"),
  )
  .map(([models, fieldOws, closeMiddle, leading]) => {
    const pipeline = models.map((m, i) =>
      i < models.length - 1 && closeMiddle > 0 ? keepAlive(m) : m,
    );
    const text = leading + pipeline.map((m) => render(m, fieldOws)).join("");
    return {
      bytes: bytesOf(text),
      description: `${pipeline.length} request(s): ${pipeline.map(describe).join(" | ")}`,
    };
  });

// ---- mutations -----------------------------------------------------------

/** One hostile edit; positions are reduced modulo the input length when applied. */
export type Mutation =
  | { kind: "flip"; at: number; bit: number }
  | { kind: "set"; at: number; byte: number }
  | { kind: "insert"; at: number; text: string }
  | { kind: "delete"; at: number; count: number }
  | { kind: "duplicateLine"; line: number }
  | { kind: "deleteLine"; line: number }
  | { kind: "insertLine"; line: number; text: string }
  | { kind: "contentLength"; occurrence: number; value: string }
  | { kind: "crlfToLf"; occurrence: number }
  | { kind: "truncate"; at: number };

const HOSTILE_LINES = [
  "Transfer-Encoding: chunked",
  "Transfer-Encoding: gzip, chunked",
  "Transfer-Encoding: chunked, identity",
  "Transfer-Encoding: ",
  "Content-Length: 0",
  "Content-Length: 5",
  "Content-Length: 1, 2",
  "Host: other.example",
  "Host: a b",
  "Host: ",
  "Expect: 100-continue",
  "Expect: x",
  "Connection: close",
  "Connection: upgrade",
  "Upgrade: websocket",
  " folded",
  "\tfolded",
  "No-Colon",
  ": no-name",
  "Na me: v",
  "Name : v",
  "X: \u0000",
  "X: \u007f",
];
const CONTENT_LENGTHS = [
  "0",
  "1",
  "2",
  "9",
  "10",
  "00",
  "-1",
  "+1",
  "1.0",
  "0x10",
  "1 2",
  "1,1",
  "1, 2",
  "",
  "9007199254740991",
  "9007199254740992",
  "99999999999999999999",
];
const SPECIAL_INSERTS = [
  "\r",
  "\n",
  "\r\n",
  "\u0000",
  " ",
  "\t",
  ":",
  ";",
  ",",
  '"',
  "#",
  "%",
  "\u0080",
  "\u00ff",
  "\r\n\r\n",
];

const position = fc.nat({ max: 1 << 20 });
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip"), at: position, bit: fc.nat(7) }),
  fc.record({ kind: fc.constant("set"), at: position, byte: fc.nat(255) }),
  fc.record({
    kind: fc.constant("insert"),
    at: position,
    text: fc.nat(255).map((c) => String.fromCharCode(c)),
  }),
  fc.record({
    kind: fc.constant("insert"),
    at: position,
    text: fc.constantFrom(...SPECIAL_INSERTS),
  }),
  fc.record({
    kind: fc.constant("insert"),
    at: position,
    text: fc.constantFrom(...SPECIAL_INSERTS),
  }),
  fc.record({ kind: fc.constant("delete"), at: position, count: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant("duplicateLine"), line: position }),
  fc.record({ kind: fc.constant("deleteLine"), line: position }),
  fc.record({
    kind: fc.constant("insertLine"),
    line: position,
    text: fc.constantFrom(...HOSTILE_LINES),
  }),
  fc.record({
    kind: fc.constant("contentLength"),
    occurrence: position,
    value: fc.constantFrom(...CONTENT_LENGTHS),
  }),
  fc.record({ kind: fc.constant("crlfToLf"), occurrence: position }),
  fc.record({ kind: fc.constant("truncate"), at: position }),
) as fc.Arbitrary<Mutation>;

/** Start offsets of the lines of `s` (split after each LF). */
function lineStarts(s: string): number[] {
  const starts = [0];
  for (let i = 0; i < s.length; i++)
    if (s.charCodeAt(i) === 0x0a && i + 1 < s.length) starts.push(i + 1);
  return starts;
}

function occurrences(s: string, needle: RegExp): RegExpExecArray[] {
  return [...s.matchAll(new RegExp(needle.source, `${needle.flags.replace("g", "")}g`))];
}

/** Applies one mutation to latin1 text; returns the new text and what was done. */
function applyMutation(s: string, m: Mutation): [string, string] {
  const at = (n: number) => n % (s.length + 1);
  const show = (t: string) => JSON.stringify(t);
  switch (m.kind) {
    case "flip": {
      if (s.length === 0) return [s, "flip (empty)"];
      const i = m.at % s.length;
      const c = s.charCodeAt(i) ^ (1 << m.bit);
      return [s.slice(0, i) + String.fromCharCode(c) + s.slice(i + 1), `flip bit ${m.bit} at ${i}`];
    }
    case "set": {
      if (s.length === 0) return [s, "set (empty)"];
      const i = m.at % s.length;
      return [
        s.slice(0, i) + String.fromCharCode(m.byte) + s.slice(i + 1),
        `set ${i} to 0x${m.byte.toString(16)}`,
      ];
    }
    case "insert": {
      const i = at(m.at);
      return [s.slice(0, i) + m.text + s.slice(i), `insert ${show(m.text)} at ${i}`];
    }
    case "delete": {
      const i = at(m.at);
      return [s.slice(0, i) + s.slice(i + m.count), `delete ${m.count} at ${i}`];
    }
    case "duplicateLine":
    case "deleteLine": {
      const starts = lineStarts(s);
      const k = m.line % starts.length;
      const a = starts[k] ?? 0;
      const b = starts[k + 1] ?? s.length;
      const line = s.slice(a, b);
      return m.kind === "duplicateLine"
        ? [s.slice(0, b) + line + s.slice(b), `duplicate line ${k} ${show(line.slice(0, 40))}`]
        : [s.slice(0, a) + s.slice(b), `delete line ${k} ${show(line.slice(0, 40))}`];
    }
    case "insertLine": {
      const starts = lineStarts(s);
      const a = starts[m.line % starts.length] ?? 0;
      return [`${s.slice(0, a)}${m.text}\r\n${s.slice(a)}`, `insert line ${show(m.text)} at ${a}`];
    }
    case "contentLength": {
      const found = occurrences(s, /(content-length:[ \t]*)([^\r\n]*)/i);
      if (found.length === 0) return [s, "Content-Length (none)"];
      const hit = found[m.occurrence % found.length] as RegExpExecArray;
      const start = hit.index + (hit[1] as string).length;
      const end = hit.index + hit[0].length;
      return [
        s.slice(0, start) + m.value + s.slice(end),
        `Content-Length ${show(hit[2] ?? "")} -> ${show(m.value)}`,
      ];
    }
    case "crlfToLf": {
      const found = occurrences(s, /\r\n/);
      if (found.length === 0) return [s, "CRLF->LF (none)"];
      const i = (found[m.occurrence % found.length] as RegExpExecArray).index;
      return [s.slice(0, i) + s.slice(i + 1), `CRLF->LF at ${i}`];
    }
    case "truncate": {
      const i = at(m.at);
      return [s.slice(0, i), `truncate at ${i}`];
    }
  }
}

/** Applies `mutations` in order to `input`. */
export function mutate(input: Generated, mutations: Mutation[]): Generated {
  let s = latin1(input.bytes);
  const done: string[] = [];
  for (const m of mutations) {
    const [next, what] = applyMutation(s, m);
    s = next;
    done.push(what);
  }
  return { bytes: bytesOf(s), description: `${input.description} || mutated: ${done.join("; ")}` };
}

/** Valid-ish requests with 1-4 hostile mutations. */
export const hostileRequests: fc.Arbitrary<Generated> = fc
  .tuple(validRequests, fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([input, mutations]) => mutate(input, mutations));

/** Mostly mutated, some untouched: the mix the fuzz test feeds. */
export const anyRequests: fc.Arbitrary<Generated> = fc.oneof(
  { weight: 1, arbitrary: validRequests },
  { weight: 3, arbitrary: hostileRequests },
);

/** The input as a JSON string literal of its latin1 text, to paste into a test. */
export function showBytes(bytes: Uint8Array): string {
  return JSON.stringify(latin1(bytes));
}
