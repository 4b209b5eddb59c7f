// Runs our MultipartParser on a body cut into pieces and records what it
// reported in one plain shape (the same as busboy.ts's), checking the
// handler's contract on the way: onPart, onData*, onPartEnd in that order,
// no data for an empty part, and after an error the same error for any
// further write or end.

import {
  BodyParserError,
  type MultipartLimits,
  type MultipartOptions,
  MultipartParser,
} from "../../src/index";
import { concat } from "./bytes";

/** One part as a parser reported it. */
export interface ParsedPart {
  /** `undefined` only for a part without a name, read with `{ formData: false }`. */
  fieldName: string | undefined;
  fileName: string | undefined;
  contentType: string | undefined;
  headers: string[];
  /** The part's data chunks joined. */
  data: Uint8Array;
  /** Whether the part's end was reported. */
  ended: boolean;
}

export interface OursResult {
  parts: ParsedPart[];
  error?: { code: string; status: number };
}

/** Pieces of `length` bytes cut at `cuts` (sorted or not; out-of-range and repeated ones ignored). */
export function pieces(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const sorted = [...new Set(cuts)].filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const cut of [...sorted, bytes.length]) {
    out.push(bytes.subarray(from, cut));
    from = cut;
  }
  return out;
}

/**
 * Parses `body` fed as the given pieces; throws (a plain Error) when the
 * parser breaks its contract, rethrows anything that is not a BodyParserError.
 */
export function parseWithOurs(
  chunks: readonly Uint8Array[],
  boundary: string,
  limits?: MultipartLimits,
  options?: MultipartOptions,
): OursResult {
  const parts: ParsedPart[] = [];
  /** Each part's data chunks, joined once at the end. */
  const chunksOf: Uint8Array[][] = [];
  let open = false;
  let calls = 0;
  const parser = new MultipartParser(
    boundary,
    {
      onPart(meta) {
        if (open) throw new Error("onPart while a part is open");
        open = true;
        chunksOf.push([]);
        calls = 0;
        parts.push({
          fieldName: meta.fieldName,
          fileName: meta.fileName,
          contentType: meta.contentType,
          headers: [...meta.headers],
          data: new Uint8Array(0),
          ended: false,
        });
      },
      onData(chunk) {
        if (!open) throw new Error("onData outside a part");
        if (!(chunk instanceof Uint8Array)) throw new Error("onData got something else than bytes");
        calls++;
        // A copy: the chunk is valid only during the call.
        chunksOf[chunksOf.length - 1]?.push(chunk.slice());
      },
      onPartEnd() {
        if (!open) throw new Error("onPartEnd outside a part");
        open = false;
        const part = parts[parts.length - 1] as ParsedPart;
        part.data = concat(chunksOf[chunksOf.length - 1] ?? []);
        if (part.data.length === 0 && calls > 0)
          throw new Error("onData was called for an empty part");
        part.ended = true;
      },
    },
    limits,
    options,
  );
  const finish = () => {
    parts.forEach((part, k) => {
      if (!part.ended) part.data = concat(chunksOf[k] ?? []);
    });
  };
  try {
    for (const chunk of chunks) parser.write(chunk);
    parser.end();
  } catch (error) {
    if (!(error instanceof BodyParserError)) throw error;
    finish();
    for (const again of [() => parser.write(new Uint8Array([0x2d])), () => parser.end()]) {
      let repeated: unknown;
      try {
        again();
      } catch (e) {
        repeated = e;
      }
      if (!(repeated instanceof BodyParserError) || repeated.code !== error.code)
        throw new Error(`after ${error.code}, the parser went on or threw ${String(repeated)}`);
    }
    return { parts, error: { code: error.code, status: error.status } };
  }
  if (open) throw new Error("end() succeeded with a part still open");
  return { parts };
}
