// Runs a MultipartParser over a body, whole or split, and records what it saw
// as plain data: parts with their metadata and data (chunks joined, since how
// data is cut depends on the split), and the error code if one was thrown.
import {
  BodyParserError,
  type MultipartLimits,
  type MultipartOptions,
  MultipartParser,
} from "../../src/index";

export interface CollectedPart {
  /** `undefined` only for a part without a name, read with `{ formData: false }`. */
  fieldName: string | undefined;
  fileName: string | undefined;
  contentType: string | undefined;
  headers: string[];
  /** Data as latin1 text: one char per byte. */
  data: string;
  ended: boolean;
}

export interface MultipartResult {
  parts: CollectedPart[];
  error?: { code: string; status: number };
}

export const bytesOf = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/**
 * Parses `body` cut at `cuts` (sorted offsets), then calls end() unless `end`
 * is false; `multipart` are the parser's options (`{ formData: false }`).
 */
export function parseMultipart(
  body: string | Uint8Array,
  boundary: string,
  options: {
    cuts?: number[] | undefined;
    limits?: MultipartLimits | undefined;
    multipart?: MultipartOptions | undefined;
    end?: boolean;
  } = {},
): MultipartResult {
  const bytes = typeof body === "string" ? bytesOf(body) : body;
  const parts: CollectedPart[] = [];
  const parser = new MultipartParser(
    boundary,
    {
      onPart: (meta) => parts.push({ ...meta, data: "", ended: false }),
      onData: (chunk) => {
        const part = parts[parts.length - 1];
        if (part === undefined || part.ended) throw new Error("data outside a part");
        for (const byte of chunk) part.data += String.fromCharCode(byte);
      },
      onPartEnd: () => {
        const part = parts[parts.length - 1];
        if (part === undefined || part.ended) throw new Error("part end outside a part");
        part.ended = true;
      },
    },
    options.limits,
    options.multipart,
  );
  try {
    let from = 0;
    for (const cut of [...(options.cuts ?? []), bytes.length]) {
      if (cut < from) continue;
      parser.write(bytes.subarray(from, cut));
      from = cut;
    }
    if (options.end !== false) parser.end();
  } catch (error) {
    if (!(error instanceof BodyParserError)) throw error;
    return { parts, error: { code: error.code, status: error.status } };
  }
  return { parts };
}

/** Every way to cut `length` bytes in two, plus one byte at a time. */
export function standardSplits(length: number): number[][] {
  const splits: number[][] = [];
  for (let i = 1; i < length; i++) splits.push([i]);
  splits.push(Array.from({ length: Math.max(0, length - 1) }, (_, i) => i + 1));
  return splits;
}

/** A part as a body builder writes it: headers then data. */
export function part(headers: string[], data: string): string {
  return `${headers.map((h) => `${h}\r\n`).join("")}\r\n${data}`;
}

/** A whole body: parts between delimiters, closing delimiter, optional preamble and epilogue. */
export function body(boundary: string, parts: string[], preamble = "", epilogue = ""): string {
  const head = preamble === "" ? "" : `${preamble}\r\n`;
  return `${head}${parts.map((p) => `--${boundary}\r\n${p}\r\n`).join("")}--${boundary}--${epilogue}`;
}
