// fast-check arbitraries for multipart/form-data bodies as bytes: random
// boundaries (RFC 2046 bchars), random parts (fields and files, names with
// quotes, escapes and non-ASCII, file names as filename and filename*, extra
// headers), binary data full of CR, LF, `--` and near-misses of the boundary,
// optional preamble, epilogue and transport padding. Each body carries the
// parts it must parse back to; mutate.ts turns bodies hostile. Strings and
// data are drawn as a length and a seed rather than one arbitrary per byte:
// the fuzz test draws 100 000 bodies per run.

import fc from "fast-check";
import { bytesOf, concat, expand, indexOf, showBytes, utf8 } from "./bytes";

/** One part as the parser must report it. */
export interface ExpectedPart {
  fieldName: string;
  fileName: string | undefined;
  contentType: string | undefined;
  /** The part's header fields as written, flat `[name, value, ...]`. */
  headers: string[];
  data: Uint8Array;
}

/** A well-formed body and what it holds. */
export interface GeneratedBody {
  body: Uint8Array;
  boundary: string;
  parts: ExpectedPart[];
  /** What was generated, for failure messages. */
  description: string;
}

/** A body that may be anything, and how it was made. */
export interface HostileBody {
  body: Uint8Array;
  boundary: string;
  description: string;
}

const DIGIT = "0123456789";
const ALPHA = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
/** bcharsnospace (RFC 2046 section 5.1.1). */
export const BCHARS_NOSPACE = `${DIGIT}${ALPHA}'()+_,-./:=?`;
const TCHAR = `!#$%&'*+-.^_\`|~${DIGIT}${ALPHA}`;
/** attr-char (RFC 8187 section 3.2.1): what ext-value leaves unencoded. */
const ATTR_CHAR = `!#$&+-.^_\`|~${DIGIT}${ALPHA}`;
const PRINTABLE = Array.from({ length: 0x7e - 0x20 + 1 }, (_, i) =>
  String.fromCharCode(0x20 + i),
).join("");
/** Characters that make names interesting: quotes, escapes, separators, percent signs. */
const AWKWARD = `"\\;=%, '\t/`;
/** Non-ASCII, from 2-byte UTF-8 to astral, including invisible ones. */
const NON_ASCII = [
  "é",
  "ü",
  "ß",
  "Ω",
  "ж",
  "日",
  "本",
  "語",
  "€",
  "\u00a0",
  "\u200b",
  "\u{1f600}",
  "\u{1d11e}",
  "ﬁ",
  "\ufeff", // BOM: must survive decoding anywhere in a name (TextDecoder strips a leading one by default)
];
const HEX = "0123456789ABCDEF";

/** Makes fast-check print `x` as its boundary and body text, not as an array of numbers. */
export function printable<T extends HostileBody>(x: T): T {
  Object.defineProperty(x, fc.toStringMethod, {
    value: () =>
      `{ boundary: ${JSON.stringify(x.boundary)}, body: ${showBytes(x.body)}, made: ${JSON.stringify(x.description)} }`,
    enumerable: false,
  });
  return x;
}

// ---- boundaries ------------------------------------------------------------

/** A string of `set` characters chosen by `b`. */
function pickChars(set: string, b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += set[(b[i] as number) % set.length];
  return s;
}

/**
 * A boundary (RFC 2046 section 5.1.1): 1-70 bchars, the last not a space.
 * Mostly short and browser-like, sometimes 70 characters, sometimes spaces.
 */
export const boundary: fc.Arbitrary<string> = fc
  .oneof(
    { weight: 4, arbitrary: fc.integer({ min: 1, max: 16 }) },
    { weight: 2, arbitrary: fc.integer({ min: 17, max: 69 }) },
    { weight: 1, arbitrary: fc.constant(70) },
  )
  .chain((length) =>
    fc.tuple(fc.integer(), fc.nat(9), fc.nat(3)).map(([seed, style, spaces]) => {
      if (style === 0 && length >= 22) {
        // Chrome's shape: "----WebKitFormBoundary" + 16 alphanumerics.
        const tail = pickChars(`${DIGIT}${ALPHA}`, expand(length - 22, seed));
        return `----WebKitFormBoundary${tail}`.slice(0, length);
      }
      const b = expand(length, seed);
      let s = pickChars(BCHARS_NOSPACE, b);
      if (spaces > 0 && length > 2) {
        // A few spaces inside (allowed anywhere but last).
        const chars = s.split("");
        for (let k = 0; k < spaces; k++) chars[(b[k] as number) % (length - 1)] = " ";
        s = chars.join("");
      }
      return s;
    }),
  );

// ---- names -----------------------------------------------------------------

/** Which characters a generated name is made of. */
type NameStyle = "token" | "printable" | "awkward" | "nonAscii" | "mixed";

function makeName(style: NameStyle, length: number, seed: number): string {
  const b = expand(length, seed);
  switch (style) {
    case "token":
      return pickChars(TCHAR, b);
    case "printable":
      return pickChars(PRINTABLE, b);
    case "awkward":
      return pickChars(`${AWKWARD}ab`, b);
    case "nonAscii": {
      let s = "";
      for (let i = 0; i < b.length; i++) s += NON_ASCII[(b[i] as number) % NON_ASCII.length];
      return s;
    }
    case "mixed": {
      let s = "";
      for (let i = 0; i < b.length; i++) {
        const x = b[i] as number;
        if (x < 100) s += TCHAR[x % TCHAR.length];
        else if (x < 160) s += AWKWARD[x % AWKWARD.length];
        else if (x < 220) s += NON_ASCII[x % NON_ASCII.length];
        else s += PRINTABLE[x % PRINTABLE.length];
      }
      return s;
    }
  }
}

const nameStyle = fc.constantFrom<NameStyle>(
  "token",
  "token",
  "token",
  "printable",
  "awkward",
  "nonAscii",
  "mixed",
);

/** A name or file name: style, length (at least `min`), seed. */
const nameArb = (min: number) =>
  fc
    .tuple(nameStyle, fc.integer({ min, max: 24 }), fc.integer())
    .map(([style, length, seed]) => makeName(style, length, seed));

const isToken = (s: string) => s.length > 0 && [...s].every((c) => TCHAR.includes(c));

/**
 * A parameter value as sent: a token when it is one and `asToken` says so,
 * else a quoted-string (RFC 9110 section 5.6.4) with `"` and `\` escaped, and
 * with `extraEscapes` also some other characters escaped (`\a` is `a`).
 * Non-ASCII goes as it is (RFC 7578 section 5.1: UTF-8 in the quoted string).
 */
function paramValue(value: string, asToken: boolean, extraEscapes: boolean): string {
  if (asToken && isToken(value)) return value;
  let out = '"';
  let i = 0;
  for (const c of value) {
    if (c === '"' || c === "\\") out += `\\${c}`;
    else if (extraEscapes && i % 3 === 0) out += `\\${c}`;
    else out += c;
    i++;
  }
  return `${out}"`;
}

/** ext-value (RFC 8187 section 3.2): `UTF-8'lang'percent-encoded`. */
function extValue(
  value: string,
  charsetCase: number,
  language: string,
  encodeAll: boolean,
): string {
  const charset = ["UTF-8", "utf-8", "Utf-8"][charsetCase % 3];
  let out = `${charset}'${language}'`;
  for (const byte of utf8(value)) {
    const c = String.fromCharCode(byte);
    if (!encodeAll && byte < 0x80 && ATTR_CHAR.includes(c)) out += c;
    else {
      const hex = `${HEX[byte >> 4]}${HEX[byte & 15]}`;
      out += `%${byte & 1 ? hex.toLowerCase() : hex}`;
    }
  }
  return out;
}

// ---- parts -----------------------------------------------------------------

/** How a file name is sent. */
type FileNameForm = "filename" | "filename*" | "both" | "bothStarFirst";

/** A part as drawn, before the boundary is known. */
interface PartSpec {
  fieldName: string;
  fileName: string | undefined;
  fileNameForm: FileNameForm;
  /** ASCII fallback sent as `filename` beside `filename*` (the form "both"). */
  fallback: string;
  contentType: string | undefined;
  extraHeaders: [string, string][];
  /** Where Content-Disposition and Content-Type go among the extra headers. */
  order: number;
  style: {
    /** Header name case: 0 canonical, 1 lower, 2 upper. */
    nameCase: number;
    /** Whitespace after the colon. */
    afterColon: string;
    /** Parameter separator. */
    separator: string;
    tokens: boolean;
    extraEscapes: boolean;
    /** "form-data" spelled in another case. */
    typeCase: boolean;
    /** Parameter names in another case. */
    paramCase: boolean;
    /** An unknown parameter, which must be ignored. */
    unknownParam: boolean;
    language: string;
    charsetCase: number;
    encodeAll: boolean;
    /** When the data is empty, leave out the CRLF before the next delimiter. */
    bare: boolean;
  };
  data: DataSpec;
}

/** Part data: segments resolved once the boundary is known. */
type DataSpec = Segment[];
type Segment =
  | { kind: "random"; length: number; seed: number }
  | { kind: "text"; text: string }
  | { kind: "nearMiss"; variant: number; at: number };

const CONTENT_TYPES = [
  "text/plain",
  "text/plain; charset=UTF-8",
  "text/plain;charset=utf-8",
  "application/octet-stream",
  "image/png",
  "application/json",
  'text/html; charset="utf-8"',
  "application/x-www-form-urlencoded",
  "Application/Octet-Stream",
];

const EXTRA_HEADERS: [string, string][] = [
  ["Content-Transfer-Encoding", "binary"],
  ["Content-Transfer-Encoding", "8bit"],
  ["Content-Transfer-Encoding", "7bit"],
  ["Content-ID", "<part1@example.com>"],
  ["X-Custom", 'a value: with; separators = and "quotes"'],
  ["Content-Description", "a part"],
  ["X-Empty", ""],
  ["Content-Language", "en"],
  ["X-Long", "x".repeat(300)],
];

const segment: fc.Arbitrary<Segment> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(
        fc.oneof(
          { weight: 6, arbitrary: fc.integer({ min: 0, max: 32 }) },
          { weight: 3, arbitrary: fc.integer({ min: 33, max: 600 }) },
          { weight: 1, arbitrary: fc.integer({ min: 601, max: 3000 }) },
        ),
        fc.integer(),
      )
      .map(([length, seed]) => ({ kind: "random" as const, length, seed })),
  },
  {
    weight: 3,
    arbitrary: fc
      .constantFrom(
        "\r",
        "\n",
        "\r\n",
        "--",
        "\r\n--",
        "\r\n\r\n",
        "\n\r",
        "-",
        "\r\r\n",
        'Content-Disposition: form-data; name="x"\r\n\r\n',
        "hello",
        "\x00",
      )
      .map((text) => ({ kind: "text" as const, text })),
  },
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.nat(9), fc.nat())
      .map(([variant, at]) => ({ kind: "nearMiss" as const, variant, at })),
  },
);

/** Data: usually a few segments, sometimes none (an empty part). */
const dataSpec: fc.Arbitrary<DataSpec> = fc.array(segment, { maxLength: 6 });

/**
 * Something that looks like a delimiter and is not one: the boundary after LF
 * or CR only, without its CRLF, with one dash, cut short, or with one
 * character changed. (Variant 9 is the real delimiter; `repair` turns it into
 * a near miss, the way a careless sender's data would collide with it.)
 */
function nearMiss(b: string, variant: number, at: number): string {
  const k = at % b.length;
  switch (variant) {
    case 0:
      return `\n--${b}`;
    case 1:
      return `\r--${b}`;
    case 2:
      return `--${b}`;
    case 3:
      return `\r\n-${b}`;
    case 4:
      return `\r\n--${b.slice(0, k)}`;
    case 5: {
      const changed = b[k] === "x" ? "y" : "x";
      return `\r\n--${b.slice(0, k)}${changed}${b.slice(k + 1)}`;
    }
    case 6:
      return b;
    case 7:
      return `\r\n- -${b}`;
    case 8:
      return `x--${b}--`;
    default:
      return `\r\n--${b}`;
  }
}

/**
 * Breaks every occurrence of `delimiter` (CRLF--boundary) in `bytes`, seen
 * after `before`, by turning its last byte into NUL, which no boundary
 * contains (so no new occurrence can appear). A sender must pick a boundary
 * that does not occur in the data (RFC 2046 section 5.1.1); this makes the
 * generated data such.
 */
function repair(bytes: Uint8Array, delimiter: Uint8Array, before: Uint8Array): Uint8Array {
  const joined = concat([before, bytes]);
  let found = indexOf(joined, delimiter);
  if (found === -1) return bytes;
  const out = bytes.slice();
  while (found !== -1) {
    const last = found + delimiter.length - 1 - before.length;
    out[last] = 0;
    joined[last + before.length] = 0;
    found = indexOf(joined, delimiter, found + 1);
  }
  return out;
}

const CRLF = bytesOf("\r\n");

/** The bytes of one data segment, for boundary `b`. */
function segmentBytes(s: Segment, b: string): Uint8Array {
  if (s.kind === "random") return expand(s.length, s.seed);
  if (s.kind === "text") return bytesOf(s.text);
  return utf8(nearMiss(b, s.variant, s.at));
}

/** Data that holds no delimiter (it follows a CRLF: the one ending a header section). */
function resolveData(spec: DataSpec, b: string, delimiter: Uint8Array): Uint8Array {
  return repair(concat(spec.map((s) => segmentBytes(s, b))), delimiter, CRLF);
}

const partSpec: fc.Arbitrary<PartSpec> = fc
  .record({
    fieldName: nameArb(1),
    isFile: fc.boolean(),
    fileName: nameArb(0),
    fileNameForm: fc.constantFrom<FileNameForm>(
      "filename",
      "filename",
      "filename",
      "filename*",
      "both",
      "bothStarFirst",
    ),
    fallbackSeed: fc.integer(),
    contentType: fc.option(fc.constantFrom(...CONTENT_TYPES), { freq: 2 }),
    extraHeaders: fc.array(fc.constantFrom(...EXTRA_HEADERS), { maxLength: 2 }),
    order: fc.nat(),
    nameCase: fc.nat(5),
    afterColon: fc.constantFrom(" ", " ", " ", "", "  ", "\t"),
    separator: fc.constantFrom("; ", "; ", ";", " ; ", ";\t"),
    tokens: fc.boolean(),
    extraEscapes: fc.nat(9),
    typeCase: fc.nat(9),
    paramCase: fc.nat(9),
    unknownParam: fc.nat(9),
    language: fc.constantFrom("", "", "en", "de-CH"),
    charsetCase: fc.nat(2),
    encodeAll: fc.nat(4),
    bare: fc.nat(3),
    data: dataSpec,
  })
  .map((r) => ({
    fieldName: r.fieldName,
    fileName: r.isFile ? r.fileName : undefined,
    fileNameForm: r.fileNameForm,
    fallback: makeName("token", 6, r.fallbackSeed),
    contentType: r.contentType ?? undefined,
    extraHeaders: r.extraHeaders,
    order: r.order,
    style: {
      nameCase: r.nameCase > 2 ? 0 : r.nameCase,
      afterColon: r.afterColon,
      separator: r.separator,
      tokens: r.tokens,
      extraEscapes: r.extraEscapes === 0,
      typeCase: r.typeCase === 0,
      paramCase: r.paramCase === 0,
      unknownParam: r.unknownParam === 0,
      language: r.language,
      charsetCase: r.charsetCase,
      encodeAll: r.encodeAll === 0,
      bare: r.bare === 0,
    },
    data: r.data,
  }));

const headerName = (name: string, nameCase: number) =>
  nameCase === 1 ? name.toLowerCase() : nameCase === 2 ? name.toUpperCase() : name;

/** The header fields of a part, in order, as [name, value] strings (UTF-8 when sent). */
function partHeaders(p: PartSpec): [string, string][] {
  const s = p.style;
  const param = (name: string) => (s.paramCase ? name.toUpperCase() : name);
  let disposition = s.typeCase ? "Form-Data" : "form-data";
  disposition += `${s.separator}${param("name")}=${paramValue(p.fieldName, s.tokens, s.extraEscapes)}`;
  if (p.fileName !== undefined) {
    // No extra escapes in a file name: there a backslash before anything but
    // `"` and `\` is a path separator (README, "File names").
    const plain = `${param("filename")}=${paramValue(p.fileName, s.tokens, false)}`;
    const ext = `${param("filename*")}=${extValue(p.fileName, s.charsetCase, s.language, s.encodeAll)}`;
    const fallback = `${param("filename")}=${paramValue(p.fallback, s.tokens, false)}`;
    const params = {
      filename: [plain],
      "filename*": [ext],
      both: [fallback, ext],
      bothStarFirst: [ext, fallback],
    }[p.fileNameForm];
    for (const x of params) disposition += `${s.separator}${x}`;
  }
  if (s.unknownParam) disposition += `${s.separator}size=123`;
  const own: [string, string][] = [[headerName("Content-Disposition", s.nameCase), disposition]];
  if (p.contentType !== undefined)
    own.push([headerName("Content-Type", s.nameCase), p.contentType]);
  const all = [...p.extraHeaders];
  // Content-Disposition and Content-Type stay together, anywhere among the others.
  all.splice(p.order % (all.length + 1), 0, ...own);
  return all;
}

/** The file name the parser reports for `sent`: after the last `/` or `\`, "" for `.` and `..`. */
export function expectedBaseName(sent: string): string {
  const base = sent.split(/[/\\]/).at(-1) as string;
  return base === "." || base === ".." ? "" : base;
}

// ---- bodies ----------------------------------------------------------------

interface BodySpec {
  boundary: string;
  parts: PartSpec[];
  preamble: DataSpec | null;
  epilogue: DataSpec | null;
  /** Transport padding after each delimiter (mostly none). */
  padding: readonly string[];
  /** Whether the close delimiter is followed by CRLF when there is no epilogue. */
  finalCrlf: boolean;
}

function assemble(spec: BodySpec): GeneratedBody {
  const b = spec.boundary;
  const delimiter = bytesOf(`\r\n--${b}`);
  const pieces: Uint8Array[] = [];
  const parts: ExpectedPart[] = [];
  const notes: string[] = [`boundary ${JSON.stringify(b)}`];
  if (spec.preamble !== null) {
    // A preamble may not hold a delimiter, nor start with the dash-boundary.
    const preamble = resolveData(spec.preamble, b, delimiter);
    pieces.push(preamble, CRLF);
    notes.push(`preamble ${preamble.length} bytes`);
  }
  const pad = (i: number) => spec.padding[i % spec.padding.length] ?? "";
  spec.parts.forEach((p, i) => {
    pieces.push(bytesOf(`--${b}${pad(i)}\r\n`));
    const headers = partHeaders(p);
    pieces.push(
      utf8(`${headers.map(([n, v]) => `${n}:${p.style.afterColon}${v}\r\n`).join("")}\r\n`),
    );
    const data = resolveData(p.data, b, delimiter);
    // A part without data may leave out `[CRLF *OCTET]` (RFC 2046 section 5.1.1:
    // body-part := MIME-part-headers [CRLF *OCTET]): the empty line's CRLF is
    // then the next delimiter's.
    if (data.length === 0 && p.style.bare) notes.push("(no CRLF before the next delimiter)");
    else pieces.push(data, CRLF);
    parts.push({
      fieldName: p.fieldName,
      fileName: p.fileName === undefined ? undefined : expectedBaseName(p.fileName),
      contentType: p.contentType,
      headers: headers.flat(),
      data,
    });
    notes.push(
      `part ${JSON.stringify(p.fieldName)}${p.fileName === undefined ? "" : ` file ${JSON.stringify(p.fileName)} (${p.fileNameForm})`} ${data.length} bytes`,
    );
  });
  pieces.push(bytesOf(`--${b}--${pad(spec.parts.length)}`));
  if (spec.epilogue !== null) {
    const epilogue = concat(spec.epilogue.map((s) => segmentBytes(s, b)));
    pieces.push(CRLF, epilogue);
    notes.push(`epilogue ${epilogue.length} bytes`);
  } else if (spec.finalCrlf) pieces.push(CRLF);
  return printable({ body: concat(pieces), boundary: b, parts, description: notes.join(", ") });
}

const padding: fc.Arbitrary<readonly string[]> = fc.oneof(
  { weight: 12, arbitrary: fc.constant([""]) },
  {
    weight: 1,
    arbitrary: fc.array(fc.constantFrom("", " ", "\t", "  \t"), { minLength: 1, maxLength: 4 }),
  },
);

/** Options of {@link multipartBodies}. */
export interface BodyOptions {
  /** Most parts in a body; default 5. */
  maxParts?: number;
  /** Whether a delimiter may carry transport padding (RFC 2046 LWSP); default true. */
  transportPadding?: boolean;
  /** Whether a body may have no part at all (only the close delimiter); default true. */
  allowEmpty?: boolean;
}

/**
 * Well-formed bodies (RFC 7578, RFC 2046 section 5.1) with the parts they
 * hold: 0-5 parts (a few empty bodies), optional preamble and epilogue, CRLF
 * or not after the close delimiter, now and then transport padding.
 */
export function multipartBodies(options: BodyOptions = {}): fc.Arbitrary<GeneratedBody> {
  const maxParts = options.maxParts ?? 5;
  const minParts = options.allowEmpty === false ? 1 : 0;
  return fc
    .record({
      boundary,
      parts: fc.oneof(
        {
          weight: 1,
          arbitrary: fc.array(partSpec, { minLength: minParts, maxLength: Math.min(1, maxParts) }),
        },
        {
          weight: 4,
          arbitrary: fc.array(partSpec, { minLength: Math.max(1, minParts), maxLength: maxParts }),
        },
      ),
      preamble: fc.option(dataSpec, { freq: 3 }),
      epilogue: fc.option(dataSpec, { freq: 3 }),
      padding: options.transportPadding === false ? fc.constant<readonly string[]>([""]) : padding,
      finalCrlf: fc.boolean(),
    })
    .map(assemble);
}
