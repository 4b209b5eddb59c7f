// Differential test against busboy: generated bodies, well-formed and
// mutated, parsed by both. Both must accept or both reject; when both accept,
// they must report the same parts with the same names, file names, media
// types and bytes. Where we differ on purpose, a named rule below recognises
// the difference from evidence in the input (the delimiter line or header
// section where one parser stopped or skipped) and cites the RFC clause; any
// other disagreement fails the test. The count of each deviation is printed,
// with the table of deliberate differences. DIFF_ITERATIONS sets the number of
// well-formed bodies (default 3000; twice as many mutated, a third as many
// with small limits), FUZZ_SEED replays a run, DIFF_DUMP_DIR=dir writes each
// unexplained body there as JSON.
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import fc from "fast-check";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { type MultipartLimits, MultipartParser } from "../src/index";
import {
  BUSBOY_THREW,
  type BusboyPart,
  type BusboyResult,
  busboyUtils,
  DEVIATIONS,
  type Deviation,
  type DeviationName,
  parseWithBusboy,
} from "./helpers/busboy";
import { bytesOf, indexOf, latin1, showBytes } from "./helpers/bytes";
import { multipartBodies } from "./helpers/generate";
import { hostileBodies } from "./helpers/mutate";
import { type OursResult, type ParsedPart, parseWithOurs, pieces } from "./helpers/ours";

// CI runs a fixed seed (a landing must not fail on luck); elsewhere every run explores anew.
const SEED = Number(process.env.FUZZ_SEED ?? (process.env.CI ? 20261124 : Date.now() % 2 ** 31));
const busboyVersion = (createRequire(import.meta.url)("busboy/package.json") as { version: string })
  .version;
const utf8Decoder = busboyUtils.getDecoder("utf8");

// ---- the raw body, read the way our README describes it ---------------------

/** A part as it stands in the body: its delimiter line, header lines, data. */
interface RawPart {
  /** Offset of `--boundary` of the delimiter line that opens the part. */
  delimiterAt: number;
  /** What stands between `--boundary` and CRLF (transport padding, if any). */
  padding: string;
  /** Header lines as latin1 text, without their CRLF. */
  lines: string[];
  /** Offset of the first header byte, and of the last byte (LF) of the empty line. */
  headersAt: number;
  headersEnd: number;
}

/**
 * The parts of `body`: delimiters are `--boundary` at the start or after CRLF
 * (searched in preamble and data only), a delimiter line ends at its CRLF, a
 * header section at its empty line. Reads as far as the body allows; stops at
 * the close delimiter (whose offset it returns), at a delimiter line without
 * CRLF, or at a header section that does not end (returned as `unfinished`).
 */
function rawParts(
  body: Uint8Array,
  boundary: string,
): { parts: RawPart[]; unfinished?: RawPart; closeAt: number } {
  const dash = bytesOf(`--${boundary}`);
  const delimiter = bytesOf(`\r\n--${boundary}`);
  const parts: RawPart[] = [];
  const text = latin1(body);
  let at = text.startsWith(`--${boundary}`) ? 0 : indexOf(body, delimiter) + 2;
  while (at >= 2 || (at === 0 && parts.length === 0)) {
    const after = at + dash.length;
    if (text.startsWith("--", after)) return { parts, closeAt: at };
    const crlf = text.indexOf("\r\n", after);
    if (crlf === -1) break;
    const padding = text.slice(after, crlf);
    const headersAt = crlf + 2;
    const end = text.startsWith("\r\n", headersAt)
      ? headersAt
      : text.indexOf("\r\n\r\n", headersAt);
    if (end === -1) {
      const lines = text.slice(headersAt).split("\r\n");
      return {
        parts,
        unfinished: { delimiterAt: at, padding, lines, headersAt, headersEnd: body.length },
        closeAt: -1,
      };
    }
    const headersEnd = end === headersAt ? headersAt + 1 : end + 3;
    const lines = end === headersAt ? [] : text.slice(headersAt, end).split("\r\n");
    parts.push({ delimiterAt: at, padding, lines, headersAt, headersEnd });
    const next = indexOf(body, delimiter, headersEnd - 1);
    if (next === -1) break;
    at = next + 2;
  }
  return { parts, closeAt: -1 };
}

/** The value of the first header line named `name` (any case), leading OWS removed, as busboy keeps it. */
function headerValue(part: RawPart, name: string): string | undefined {
  for (const line of part.lines) {
    const colon = line.indexOf(":");
    if (colon > 0 && line.slice(0, colon).toLowerCase() === name) {
      return line.slice(colon + 1).replace(/^[ \t]+/, "");
    }
  }
  return undefined;
}

const headerCount = (part: RawPart, name: string) =>
  part.lines.filter((l) => l.slice(0, Math.max(0, l.indexOf(":"))).toLowerCase() === name).length;

/** Content-Disposition parameters as sent: [lowercased name, raw value] in order (tolerant). */
function dispositionParams(value: string): [string, string][] {
  const params: [string, string][] = [];
  const re = /;[ \t]*([^=; \t]+)[ \t]*=[ \t]*("(?:[^"\\]|\\.)*"|[^; \t]*)/g;
  for (let m = re.exec(value); m !== null; m = re.exec(value)) {
    params.push([(m[1] as string).toLowerCase(), m[2] as string]);
  }
  return params;
}

const hasQuotedPair = (raw: string) => /\\[^"\\]/.test(raw.replace(/\\["\\]/g, ""));

/** The part whose header section or delimiter line holds offset `p`. */
function partAt(parts: readonly RawPart[], p: number): RawPart | undefined {
  let found: RawPart | undefined;
  for (const part of parts) if (part.delimiterAt <= p) found = part;
  return found;
}

// ---- both results ----------------------------------------------------------

interface Case {
  body: Uint8Array;
  boundary: string;
  description: string;
  ours: OursResult;
  theirs: BusboyResult;
  limits: MultipartLimits;
  /** Offset of the byte at which our parser threw (fed one byte at a time), or the body length at end(). */
  oursStop?: number;
  raw: RawPart[];
  /** A part whose header section does not end, after the `raw` ones. */
  unfinished?: RawPart;
  /** Offset of the close delimiter's `--boundary--` in our reading, or -1. */
  closeAt: number;
  /** Where the body was cut in two. */
  cut: number;
}

/** Offset of the byte at which our parser throws, fed one byte at a time (the length if at end()). */
function stopOffset(body: Uint8Array, boundary: string, limits: MultipartLimits): number {
  const noop = () => {};
  const parser = new MultipartParser(
    boundary,
    { onPart: noop, onData: noop, onPartEnd: noop },
    limits,
  );
  for (let i = 0; i < body.length; i++) {
    try {
      parser.write(body.subarray(i, i + 1));
    } catch {
      return i;
    }
  }
  return body.length;
}

// ---- deliberate differences -------------------------------------------------

/** A disagreement no deviation explains, and what differed. */
interface Unexplained {
  why: string;
}
const no = (why: string): Unexplained => ({ why });
const isUnexplained = (v: unknown): v is Unexplained =>
  typeof v === "object" && v !== null && "why" in v;

/** Why a part ours accepted was dropped by busboy, or undefined if it would not drop it. */
function whyBusboyDrops(part: RawPart): DeviationName | Unexplained | undefined {
  if (part.padding !== "") return "transportPadding";
  const value = headerValue(part, "content-disposition");
  if (value === undefined) return no("busboy finds no Content-Disposition where we found one");
  const disp = busboyUtils.parseDisposition(value, utf8Decoder);
  if (disp !== undefined && disp.type === "form-data") return undefined;
  if (/;[ \t]*$/.test(value)) return "trailingSemicolon";
  if (/[^ \t=;]+[ \t]+=|=[ \t]+/.test(value.replace(/"(?:[^"\\]|\\.)*"/g, '""')))
    return "whitespaceAroundEquals";
  if (dispositionParams(value).some(([n, v]) => n.endsWith("*") && /^[^']*'[^']*'$/.test(v)))
    return "emptyExtValue";
  return no("busboy cannot parse a Content-Disposition we accepted");
}

/** Why our part and busboy's differ in name or file name, or undefined if they do not. */
function whyNamesDiffer(
  part: RawPart,
  ours: ParsedPart,
  theirs: BusboyPart,
): DeviationName | Unexplained | undefined {
  const params = dispositionParams(headerValue(part, "content-disposition") ?? "");
  const raw = (name: string) => params.find(([n]) => n === name)?.[1] ?? "";
  if (ours.fieldName !== (theirs.fieldName ?? "")) {
    return hasQuotedPair(raw("name")) ? "quotedPair" : no("names differ");
  }
  if (ours.fieldName === "" && theirs.fieldName === undefined) return "emptyName";
  if (ours.fileName === "" && theirs.fileName === undefined) return "emptyFileName";
  if (ours.fileName !== theirs.fileName) {
    const ext = params.find(([n]) => n === "filename*");
    if (ext === undefined)
      return hasQuotedPair(raw("filename")) ? "quotedPair" : no("file names differ");
    // busboy takes an empty filename* for none and falls back on filename.
    return ours.fileName === "" && /^[^']*'[^']*'$/.test(ext[1])
      ? "emptyExtValue"
      : no("file names (filename*) differ");
  }
  return undefined;
}

/** What busboy reports as a part's media type, from the Content-Type as sent (latin1). */
function busboyMime(contentType: string | undefined): string {
  const parsed = contentType === undefined ? undefined : busboyUtils.parseContentType(contentType);
  return parsed === undefined ? "text/plain" : `${parsed.type}/${parsed.subtype}`;
}

/** A field's value as busboy decodes it (the charset of the Content-Type as sent, else latin1), from our bytes. */
function busboyValue(data: Uint8Array, contentType: string | undefined): string | undefined {
  const charset =
    (contentType === undefined
      ? undefined
      : busboyUtils.parseContentType(contentType)?.params.charset?.toLowerCase()) ?? "latin1";
  if (data.length === 0) return "";
  return busboyUtils.convertToUTF8(Buffer.from(data), charset, 0);
}

const sameBytes = (a: Uint8Array | undefined, b: Uint8Array) =>
  a !== undefined && Buffer.compare(a, b) === 0;

/**
 * Both accepted: aligns busboy's parts with ours (busboy drops some), returns
 * the deviations that explain every difference, or "unexplained".
 */
function explainBothAccept(c: Case): DeviationName[] | Unexplained {
  const used = new Set<DeviationName>();
  let j = 0;
  if (c.raw.length !== c.ours.parts.length)
    return no(`we read ${c.ours.parts.length} parts, the raw reading ${c.raw.length}`);
  for (let k = 0; k < c.ours.parts.length; k++) {
    const ours = c.ours.parts[k] as ParsedPart;
    const part = c.raw[k] as RawPart;
    const dropped = whyBusboyDrops(part);
    if (isUnexplained(dropped)) return no(`part ${k}: ${dropped.why}`);
    if (dropped !== undefined) {
      used.add(dropped);
      continue;
    }
    const theirs = c.theirs.parts[j++];
    if (theirs === undefined) return no(`part ${k}: busboy has no part for it`);
    const names = whyNamesDiffer(part, ours, theirs);
    if (isUnexplained(names)) return no(`part ${k}: ${names.why}`);
    if (names !== undefined) used.add(names);
    // busboy reads header values as latin1: what it makes of the Content-Type as sent.
    const contentType = headerValue(part, "content-type");
    if ((ours.contentType === undefined) !== (contentType === undefined))
      return no(`part ${k}: Content-Type ${String(ours.contentType)}, as sent ${contentType}`);
    if (theirs.mimeType !== busboyMime(contentType))
      return no(`part ${k}: media type ${theirs.mimeType} vs ${String(contentType)}`);
    if (theirs.kind === "file") {
      if (!sameBytes(theirs.data, ours.data)) return no(`part ${k}: file bytes differ`);
    } else if (theirs.value !== busboyValue(ours.data, contentType))
      return no(`part ${k}: field value differs`);
    if (theirs.truncated) {
      const limit = theirs.kind === "file" ? c.limits.maxFileSize : c.limits.maxFieldSize;
      if (ours.data.length !== limit) return no(`part ${k}: busboy truncated it`);
      used.add("exactlyAtLimit");
    }
  }
  if (j !== c.theirs.parts.length) {
    if (!busboyReadsEpilogue(c)) return no(`busboy has ${c.theirs.parts.length - j} more parts`);
    used.add("epilogueParts");
  }
  return [...used];
}

/** Our parser rejected, busboy accepted: which deliberate difference, from the input at our stop. */
function explainOursRejects(c: Case): DeviationName | Unexplained {
  const error = c.ours.error;
  const p = c.oursStop ?? -1;
  if (error === undefined) return no("we did not reject");
  const text = latin1(c.body);
  const dash = `--${c.boundary}`;
  // A part busboy does not read at all: it cannot reject it.
  const stoppedIn = partAt(c.unfinished === undefined ? c.raw : [...c.raw, c.unfinished], p);
  const dropped = stoppedIn === undefined ? undefined : whyBusboyDrops(stoppedIn);
  if (dropped !== undefined && !isUnexplained(dropped)) return dropped;
  switch (error.code) {
    case "MULTIPART_FIELD_TOO_LARGE":
    case "MULTIPART_FILE_TOO_LARGE":
      return c.theirs.parts.some((t) => t.truncated)
        ? "sizeLimit"
        : no("part too large for us, not truncated by busboy");
    case "MULTIPART_TOO_MANY_PARTS":
      return c.theirs.limitEvents.includes("partsLimit")
        ? "partsLimit"
        : no("too many parts for us, no partsLimit from busboy");
    case "MULTIPART_MALFORMED": {
      // Our stop is right after a delimiter's boundary, past any `-`, SP, HTAB or CR.
      let s = p;
      while (s > 0 && "- \t\r".includes(text[s - 1] as string)) s--;
      for (let k = s - dash.length; k <= s && k <= p - 1; k++) {
        if (k >= 0 && text.startsWith(dash, k) && (k === 0 || text.startsWith("\r\n", k - 2)))
          return "delimiterSuffix";
      }
      if (headerSectionHasDelimiter(c)) return "delimiterInHeaders";
      return no(`malformed at byte ${p}, not after a delimiter`);
    }
    case "MULTIPART_TRUNCATED":
      // busboy found a close delimiter where we did not look: in a header section.
      return headerSectionHasDelimiter(c)
        ? "delimiterInHeaders"
        : no("truncated for us, complete for busboy");
    case "MULTIPART_INVALID_PART_HEADER":
    case "MULTIPART_UNSUPPORTED_TRANSFER_ENCODING":
    case "MULTIPART_PART_HEADER_TOO_LARGE": {
      const part = partAt(c.raw, p);
      if (part === undefined || part.headersEnd !== p) {
        return headerSectionHasDelimiter(c)
          ? "delimiterInHeaders"
          : no(`${error.code} at byte ${p}, not at the end of a header section`);
      }
      if (part.padding !== "") return "transportPadding";
      if (error.code === "MULTIPART_PART_HEADER_TOO_LARGE")
        return no("header section too large for us, not for busboy");
      if (headerSectionHasDelimiter(c, part)) return "delimiterInHeaders";
      if (error.code === "MULTIPART_UNSUPPORTED_TRANSFER_ENCODING") return "transferEncoding";
      if (part.lines.some((l) => l.startsWith(" ") || l.startsWith("\t"))) return "obsFold";
      if (headerCount(part, "content-disposition") > 1 || headerCount(part, "content-type") > 1)
        return "duplicateHeader";
      const value = headerValue(part, "content-disposition");
      const disp =
        value === undefined ? undefined : busboyUtils.parseDisposition(value, utf8Decoder);
      if (value === undefined || disp === undefined || disp.type !== "form-data")
        return "unusableDisposition";
      const params = dispositionParams(value);
      const names = params.map(([n]) => n);
      if (names.some((n, i) => names.indexOf(n) !== i)) return "duplicateParameter";
      if (/;[ \t]*=/.test(value.replace(/"(?:[^"\\]|\\.)*"/g, '""'))) return "emptyParameterName";
      if (params.some(([n]) => n === "filename*")) return "extValue";
      if (!names.includes("name")) return "nameMissing";
      return no(`${error.code}: no known reason in the header section`);
    }
    default:
      return no(`${error.code} from us only`);
  }
}

/**
 * Whether a header section (of `only`, or of any part) holds `CRLF--boundary`,
 * the CRLF that ends its delimiter line included: we read it as header lines,
 * busboy as a delimiter.
 */
function headerSectionHasDelimiter(c: Case, only?: RawPart): boolean {
  const text = latin1(c.body);
  const delimiter = `\r\n--${c.boundary}`;
  const all = c.unfinished === undefined ? c.raw : [...c.raw, c.unfinished];
  for (const part of only === undefined ? all : [only]) {
    const end =
      part === c.unfinished
        ? part.headersEnd
        : part.headersEnd === part.headersAt + 1
          ? part.headersAt
          : part.headersEnd - 3;
    if (text.slice(part.headersAt - 2, Math.max(end, part.headersAt)).includes(delimiter))
      return true;
  }
  return false;
}

/**
 * Whether busboy read on past the close delimiter: it stops only at the end of
 * the write that held it, so a delimiter later in that write starts a part.
 */
function busboyReadsEpilogue(c: Case): boolean {
  if (c.closeAt < 0) return false;
  const closeSeen = c.closeAt + c.boundary.length + 3; // the second dash of `--boundary--`
  const writeEnd = closeSeen < c.cut ? c.cut : c.body.length;
  return latin1(c.body.subarray(c.closeAt, writeEnd)).includes(`\r\n--${c.boundary}`);
}

/**
 * Whether some part's header section is followed at once by a delimiter and
 * we read that part as empty, which busboy cannot.
 */
function emptyPartWithoutCrlf(c: Case): boolean {
  const delimiter = bytesOf(`\r\n--${c.boundary}`);
  return c.raw.some(
    (part, k) =>
      part.headersEnd > part.headersAt + 1 &&
      indexOf(c.body, delimiter, part.headersEnd - 1) === part.headersEnd - 1 &&
      c.ours.parts[k]?.data.length === 0 &&
      c.ours.parts[k]?.ended === true,
  );
}

/** busboy rejected, we accepted: which deliberate difference. */
function explainBusboyRejects(c: Case): DeviationName | Unexplained {
  if (c.theirs.error?.startsWith(BUSBOY_THREW)) return "busboyCrash";
  if (busboyReadsEpilogue(c)) return "epilogueParts";
  if (emptyPartWithoutCrlf(c)) return "headersThenDelimiter";
  if (headerSectionHasDelimiter(c)) return "delimiterInHeaders";
  return no(`busboy: ${c.theirs.error}`);
}

// ---- running it ---------------------------------------------------------------

const counts = new Map<string, number>();
const count = (name: string) => counts.set(name, (counts.get(name) ?? 0) + 1);
/** The first few unexplained disagreements of the running test, and how many there were. */
let unexplained: string[] = [];
let unexplainedCount = 0;

async function compareOne(
  input: { body: Uint8Array; boundary: string; description: string },
  limits: MultipartLimits = {},
  cutSeed = 0,
): Promise<void> {
  const { body, boundary } = input;
  const cut = body.length === 0 ? 0 : cutSeed % (body.length + 1);
  const ours = parseWithOurs(pieces(body, [cut]), boundary, limits);
  const theirs = await parseWithBusboy(pieces(body, [cut]), boundary, {
    fieldSize: limits.maxFieldSize ?? 1 << 20,
    fileSize: limits.maxFileSize ?? Number.POSITIVE_INFINITY,
    parts: limits.maxParts ?? Number.POSITIVE_INFINITY,
  });
  const { parts: raw, unfinished, closeAt } = rawParts(body, boundary);
  const c: Case = { ...input, ours, theirs, limits, raw, closeAt, cut };
  if (unfinished !== undefined) c.unfinished = unfinished;
  let verdict: DeviationName[] | DeviationName | Unexplained;
  if (ours.error === undefined && theirs.error === undefined) {
    verdict = explainBothAccept(c);
    if (isUnexplained(verdict) && emptyPartWithoutCrlf(c)) verdict = "headersThenDelimiter";
    if (Array.isArray(verdict) && verdict.length === 0) {
      count("agree: both accept, same parts");
      return;
    }
  } else if (ours.error !== undefined && theirs.error !== undefined) {
    count("agree: both reject");
    return;
  } else if (ours.error !== undefined) {
    c.oursStop = stopOffset(body, boundary, limits);
    verdict = explainOursRejects(c);
    if (isUnexplained(verdict) && emptyPartWithoutCrlf(c)) verdict = "headersThenDelimiter";
  } else {
    verdict = explainBusboyRejects(c);
  }
  if (isUnexplained(verdict)) {
    count("UNEXPLAINED");
    unexplainedCount++;
    if (process.env.DIFF_DUMP_DIR) {
      const file = `${process.env.DIFF_DUMP_DIR}/${boundary.length}-${body.length}-${cut}.json`;
      writeFileSync(file, JSON.stringify({ boundary, cut, body: latin1(body), why: verdict.why }));
    }
    if (unexplained.length < 5) {
      unexplained.push(
        `${verdict.why}\n  boundary ${JSON.stringify(boundary)}, cut at ${cut}\n  body: ${showBytes(body)}\n  generated: ${input.description}\n` +
          `  ours: ${JSON.stringify(summary(ours))}${c.oursStop === undefined ? "" : ` (stopped at byte ${c.oursStop})`}\n` +
          `  busboy: ${JSON.stringify(summary(theirs))}`,
      );
    }
    return;
  }
  for (const name of Array.isArray(verdict) ? verdict : [verdict]) count(name);
}

function report(): string {
  return `${unexplainedCount} unexplained disagreements; the first ${unexplained.length}:\n\n${unexplained.join("\n\n")}`;
}

function summary(r: OursResult | BusboyResult) {
  return {
    error: r.error,
    parts: r.parts.map((p) => ({
      ...p,
      data: "data" in p && p.data !== undefined ? latin1(p.data.subarray(0, 80)) : undefined,
      headers: undefined,
    })),
  };
}

const VALID_RUNS = Number(process.env.DIFF_ITERATIONS ?? 3000);

describe("differential against busboy", () => {
  beforeEach(() => {
    unexplained = [];
    unexplainedCount = 0;
  });

  afterAll(() => {
    const rows = [...counts.entries()].sort((a, b) => b[1] - a[1]);
    const table = Object.values(DEVIATIONS as Record<string, Deviation>).map(
      (d) => `| ${d.difference} | ${d.example} | ${d.rfc} | ${counts.get(d.name) ?? 0} |`,
    );
    console.log(
      `differential (seed ${SEED}, FUZZ_SEED to replay):\n${rows.map(([k, v]) => `  ${String(v).padStart(6)}  ${k}`).join("\n")}\n\n` +
        `Deliberate differences from busboy ${busboyVersion}\n\n| difference | example | RFC clause | seen |\n| --- | --- | --- | ---: |\n${table.join("\n")}`,
    );
  });

  it("reads well-formed bodies as busboy does, but for named deviations", async () => {
    const inputs = fc.sample(fc.tuple(multipartBodies(), fc.nat()), {
      seed: SEED,
      numRuns: VALID_RUNS,
    });
    for (const [input, cut] of inputs) await compareOne(input, {}, cut);
    expect(unexplainedCount, report()).toBe(0);
  }, 120_000);

  it("accepts and rejects mutated bodies as busboy does, but for named deviations", async () => {
    const inputs = fc.sample(fc.tuple(hostileBodies(), fc.nat()), {
      seed: SEED + 1,
      numRuns: VALID_RUNS * 2,
    });
    for (const [input, cut] of inputs) await compareOne(input, {}, cut);
    expect(unexplainedCount, report()).toBe(0);
  }, 120_000);

  it("answers a breached limit with 413 where busboy truncates", async () => {
    // One size for fields and files: busboy and we do not agree on which parts
    // are files (busboy: a file name or application/octet-stream).
    const limits = fc
      .record({ size: fc.integer({ min: 1, max: 64 }), maxParts: fc.integer({ min: 1, max: 4 }) })
      .map(({ size, maxParts }) => ({ maxFieldSize: size, maxFileSize: size, maxParts }));
    const inputs = fc.sample(
      fc.tuple(multipartBodies({ transportPadding: false }), limits, fc.nat()),
      { seed: SEED + 2, numRuns: Math.ceil(VALID_RUNS / 3) },
    );
    for (const [input, l, cut] of inputs) await compareOne(input, l, cut);
    expect(unexplainedCount, report()).toBe(0);
  }, 120_000);
});
