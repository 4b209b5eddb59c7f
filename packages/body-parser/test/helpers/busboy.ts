// Dev-only: parses a multipart body with busboy (mscdex/busboy 1.6, the
// parser most Node servers use) and records what it reported, for the
// differential test. Driven as its README says: write the chunks into the
// Busboy stream, consume every file stream. Options chosen so that what
// busboy reports can be compared byte for byte with ours: file names reduced
// to their base name as both do by default (no `preservePath`),
// `defParamCharset: "utf8"` (parameter values
// as UTF-8, as browsers send them), `defCharset: "latin1"` (a field's value
// keeps its bytes unless the part names a charset), limits as ours.

import { createRequire } from "node:module";
import busboy from "busboy";

const require = createRequire(import.meta.url);

/** busboy's own helpers, to read values the way it does (lib/utils.js). */
interface BusboyUtils {
  parseContentType(
    s: string,
  ): { type: string; subtype: string; params: Record<string, string> } | undefined;
  parseDisposition(
    s: string,
    decoder: (value: string, hint: number) => string | undefined,
  ): { type: string; params: Record<string, string> } | undefined;
  convertToUTF8(data: Buffer, charset: string, hint: number): string | undefined;
  getDecoder(charset: string): (value: string, hint: number) => string | undefined;
}
export const busboyUtils = require("busboy/lib/utils.js") as BusboyUtils;

/** One part as busboy reported it. */
export interface BusboyPart {
  kind: "file" | "field";
  fieldName: string | undefined;
  fileName: string | undefined;
  /** busboy's `mimeType`: `type/subtype` lowercased, `text/plain` by default. */
  mimeType: string;
  /** A file's bytes. */
  data?: Uint8Array;
  /** A field's value, decoded by busboy with the part's charset (or latin1). */
  value?: string | undefined;
  /** busboy cut the value or file at a limit. */
  truncated: boolean;
}

export interface BusboyResult {
  parts: BusboyPart[];
  /** busboy's error message ("Unexpected end of form", "Malformed part header", ...). */
  error?: string;
  /** Limit events busboy emitted ("partsLimit", "filesLimit", "fieldsLimit"). */
  limitEvents: string[];
}

/** Limits passed to busboy, in its terms. */
export interface BusboyLimits {
  fieldSize?: number;
  fileSize?: number;
  parts?: number;
}

/** The error reported when busboy neither closed nor failed within 100 ms. */
export const HUNG = "(busboy neither closed nor failed)";

/** Parses `chunks` with busboy; resolves once it closed or failed. */
/** Prefix of the error recorded when busboy itself throws instead of emitting 'error'. */
export const BUSBOY_THREW = "busboy threw: ";

export function parseWithBusboy(
  chunks: readonly Uint8Array[],
  boundary: string,
  limits: BusboyLimits = {},
): Promise<BusboyResult> {
  return new Promise((resolve) => {
    const parts: BusboyPart[] = [];
    const limitEvents: string[] = [];
    /** Each file part's chunks so far; its data is what they join to when busboy is done. */
    const files: { part: BusboyPart; data: Buffer[] }[] = [];
    let open = 0;
    let error: string | undefined;
    let closed = false;
    let settled = false;
    const settle = (why?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const file of files) file.part.data = new Uint8Array(Buffer.concat(file.data));
      const failure = why ?? error;
      resolve(
        failure === undefined ? { parts, limitEvents } : { parts, error: failure, limitEvents },
      );
    };
    // Done when busboy closed or failed and every file stream has ended.
    const check = () => {
      if ((closed || error !== undefined) && open === 0) settle();
    };
    // busboy may wait forever (for a file stream it never ends, or one that
    // never ends after an error); say so instead of hanging. It is done within
    // a few ticks when it is done at all.
    const timer = setTimeout(() => settle(error ?? HUNG), 100);
    const bb = busboy({
      headers: { "content-type": `multipart/form-data; boundary="${boundary}"` },
      defParamCharset: "utf8",
      defCharset: "latin1",
      limits: { fieldSize: 1 << 20, fileSize: Number.POSITIVE_INFINITY, ...limits },
    });
    bb.on("file", (name, stream, info) => {
      const part: BusboyPart = {
        kind: "file",
        fieldName: name,
        fileName: info.filename,
        mimeType: info.mimeType,
        truncated: false,
      };
      parts.push(part);
      const file = { part, data: [] as Buffer[] };
      files.push(file);
      open++;
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        open--;
        check();
      };
      stream.on("data", (chunk: Buffer) => file.data.push(chunk));
      stream.on("limit", () => {
        part.truncated = true;
      });
      stream.on("end", end);
      stream.on("error", end);
      stream.on("close", end);
    });
    bb.on("field", (name, value, info) => {
      parts.push({
        kind: "field",
        fieldName: name,
        fileName: undefined,
        mimeType: info.mimeType,
        value,
        truncated: info.valueTruncated,
      });
    });
    for (const event of ["partsLimit", "filesLimit", "fieldsLimit"] as const) {
      bb.on(event, () => limitEvents.push(event));
    }
    bb.on("error", (e: Error) => {
      error ??= e.message;
      check();
    });
    bb.on("close", () => {
      closed = true;
      check();
    });
    try {
      for (const chunk of chunks)
        bb.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      bb.end();
    } catch (e) {
      // busboy's own code can throw (a bug of the peer, see DEVIATIONS.busboyCrash).
      settle(`${BUSBOY_THREW}${(e as Error).message}`);
    }
  });
}

// ---- where we differ on purpose ----------------------------------------------

/** A deliberate difference between our parser and busboy, for the table the differential test prints. */
export interface Deviation {
  name: string;
  difference: string;
  example: string;
  rfc: string;
}

/**
 * Every deliberate difference from busboy the differential test knows, by
 * name: what differs, an example, and the RFC clause we follow.
 */
export const DEVIATIONS = {
  transportPadding: {
    name: "transportPadding",
    difference:
      "Whitespace (transport padding) between a boundary and its CRLF: we accept the delimiter; busboy silently drops the part that follows",
    example: "`--b \\r\\n`",
    rfc: "RFC 2046 §5.1.1 (`dash-boundary transport-padding CRLF`)",
  },
  delimiterSuffix: {
    name: "delimiterSuffix",
    difference:
      "A boundary followed by something other than `--` or CRLF: we reject (`MULTIPART_MALFORMED`); busboy ignores everything up to the next delimiter",
    example: "`--bx\\r\\n`, `--b-\\r\\n`",
    rfc: "RFC 2046 §5.1.1 (a delimiter line is the boundary, padding, CRLF; the boundary must not occur in a part)",
  },
  unusableDisposition: {
    name: "unusableDisposition",
    difference:
      "A part without a usable `Content-Disposition: form-data` (missing, another type, unparsable): we reject (`MULTIPART_INVALID_PART_HEADER`); busboy silently drops the part",
    example: "`Content-Disposition: attachment`",
    rfc: "RFC 7578 §4.2 (each part MUST have a form-data Content-Disposition)",
  },
  nameMissing: {
    name: "nameMissing",
    difference:
      "A Content-Disposition without `name`: we reject; busboy reports a part whose name is undefined",
    example: '`form-data; filename="a"`',
    rfc: "RFC 7578 §4.2 (the disposition MUST have a name parameter)",
  },
  emptyName: {
    name: "emptyName",
    difference: '`name=""`: we report the name `""`; busboy reports undefined',
    example: '`form-data; name=""`',
    rfc: "RFC 7578 §4.2 (the name is the parameter's value, here empty)",
  },
  emptyFileName: {
    name: "emptyFileName",
    difference:
      '`filename=""` (a file input with no file chosen): we report a file part named `""`; busboy reports a plain field',
    example: '`form-data; name="f"; filename=""`',
    rfc: "RFC 7578 §4.2 (filename present, its value empty; HTML sends it so)",
  },
  duplicateParameter: {
    name: "duplicateParameter",
    difference:
      "A Content-Disposition parameter given twice: we reject; busboy takes the first (a smuggling vector between parsers)",
    example: '`form-data; name="a"; name="b"`',
    rfc: "RFC 6266 §4.1 (parameter names MUST NOT be repeated)",
  },
  duplicateHeader: {
    name: "duplicateHeader",
    difference:
      "Content-Disposition or Content-Type given twice in a part: we reject; busboy takes the first",
    example: "two `Content-Disposition` lines",
    rfc: "RFC 9110 §5.3 (a singleton field must not be repeated)",
  },
  extValue: {
    name: "extValue",
    difference:
      "`filename*` that is not RFC 8187 (bad escape, a character outside attr-char, a charset other than UTF-8 or ISO-8859-1): we reject; busboy drops the part or decodes any charset it knows",
    example: "`filename*=UTF-8''%zz`",
    rfc: "RFC 8187 §3.2.1 (ext-value)",
  },
  emptyParameterName: {
    name: "emptyParameterName",
    difference:
      'A Content-Disposition parameter without a name: we reject (`MULTIPART_INVALID_PART_HEADER`); busboy takes it as a parameter named `""`',
    example: '`form-data; name="a"; ="x"`',
    rfc: "RFC 6266 §4.1 (a parameter name is a token: at least one character)",
  },
  emptyExtValue: {
    name: "emptyExtValue",
    difference:
      "`filename*=UTF-8''` (an empty value): we report the file name `\"\"`; busboy drops the part",
    example: "`filename*=UTF-8''`",
    rfc: "RFC 8187 §3.2.1 (`value-chars = *( pct-encoded / attr-char )` may be empty)",
  },
  trailingSemicolon: {
    name: "trailingSemicolon",
    difference:
      "A `;` ending the Content-Disposition: we ignore it (curl sends it); busboy drops the part",
    example: '`form-data; name="a";`',
    rfc: "RFC 6266 §4.1 (grammar has no trailing `;`: a leniency of ours)",
  },
  whitespaceAroundEquals: {
    name: "whitespaceAroundEquals",
    difference: "Whitespace around `=` in a parameter: we accept it; busboy drops the part",
    example: '`form-data; name = "a"`',
    rfc: "RFC 6266 §4.1 (its ABNF allows implied linear whitespace between tokens)",
  },
  quotedPair: {
    name: "quotedPair",
    difference:
      'A quoted-pair other than `\\"` and `\\\\` in a parameter other than `filename`: we take the escaped character; busboy keeps the backslash too (in `filename` we both keep it, a path separator, and keep what follows the last one)',
    example: '`name="\\a"` is `a` for us, `\\a` for busboy',
    rfc: "RFC 9110 §5.6.4 (quoted-pair: the backslash is removed)",
  },
  obsFold: {
    name: "obsFold",
    difference:
      "A folded part header line (continuation starting with SP or HTAB) in multipart/form-data: we reject; busboy unfolds it (we unfold in other multipart subtypes, which busboy does not read)",
    example: '`Content-Disposition: form-data;\\r\\n name="a"`',
    rfc: "RFC 9112 §5.2 (obs-fold is obsolete; a recipient may reject it) and RFC 7578 §4.8",
  },
  transferEncoding: {
    name: "transferEncoding",
    difference:
      "Content-Transfer-Encoding other than 7bit, 8bit or binary: we reject (415, as Moonbridge); busboy passes the encoded bytes on",
    example: "`Content-Transfer-Encoding: base64`",
    rfc: "RFC 7578 §4.7 (senders MUST NOT use it; it is deprecated)",
  },
  headersThenDelimiter: {
    name: "headersThenDelimiter",
    difference:
      "A part whose header section is followed at once by the next delimiter (`[CRLF *OCTET]` left out): we read an empty part; busboy runs the next part's header section into it, or fails",
    example: '`Content-Disposition: form-data; name="a"\\r\\n\\r\\n--b\\r\\n`',
    rfc: "RFC 2046 §5.1.1 (`body-part := MIME-part-headers [CRLF *OCTET]`)",
  },
  epilogueParts: {
    name: "epilogueParts",
    difference:
      "After the close delimiter: we ignore the epilogue; busboy 1.6 reads on to the end of the chunk that held it, so a delimiter there starts a part (an extra part, `Malformed part header`, or a stream that never closes)",
    example:
      '`--b--\\r\\n--b\\r\\nContent-Disposition: form-data; name="x"\\r\\n\\r\\n` in one chunk',
    rfc: "RFC 2046 §5.1.1 (the epilogue is to be ignored)",
  },
  delimiterInHeaders: {
    name: "delimiterInHeaders",
    difference:
      "`CRLF--boundary` inside a part's header section (the CRLF ending the delimiter line included): we reject the body (`MULTIPART_MALFORMED`, or `MULTIPART_TRUNCATED` when it is the close delimiter at the very end); busboy takes it as a delimiter, drops the unfinished part and goes on",
    example: "`--b\\r\\nX: y\\r\\n--b\\r\\n...`, `--b\\r\\n--b--`",
    rfc: "RFC 2046 §5.1.1 (the boundary must not occur in a part; a part's header section ends with an empty line)",
  },
  sizeLimit: {
    name: "sizeLimit",
    difference:
      "A field or file longer than its limit: we reject (413 `MULTIPART_FIELD_TOO_LARGE`, `MULTIPART_FILE_TOO_LARGE`); busboy truncates it and flags it (`valueTruncated`, `limit`)",
    example: "maxFieldSize 8, a 9-byte field",
    rfc: "RFC 9110 §15.5.14 (413 Content Too Large); silent truncation loses data",
  },
  exactlyAtLimit: {
    name: "exactlyAtLimit",
    difference:
      "A field or file of exactly the size limit: we accept it (a limit is the largest size allowed); busboy flags it as truncated",
    example: "maxFieldSize 8, an 8-byte field",
    rfc: "— (README, limits table: sizes are maxima)",
  },
  busboyCrash: {
    name: "busboyCrash",
    difference:
      "busboy 1.6 throws a RangeError from its own code (a negative Buffer size) when more data of a field past its fieldSize limit arrives in a chunk it must copy; we parse the body (or answer 413)",
    example: "a field over busboy's fieldSize, fed in several chunks",
    rfc: "— (a bug in the peer)",
  },
  partsLimit: {
    name: "partsLimit",
    difference:
      "More parts than the parts limit: we reject (413 `MULTIPART_TOO_MANY_PARTS`); busboy ignores the rest and emits `partsLimit`",
    example: "maxParts 1, two parts",
    rfc: "RFC 9110 §15.5.14 (413 Content Too Large)",
  },
} satisfies Record<string, Deviation>;

export type DeviationName = keyof typeof DEVIATIONS;
