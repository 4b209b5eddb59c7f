// What a file's response depends on besides the file (RFC 9110, sections 13
// and 14): its validators (a strong ETag from its size and modification
// time, as nginx makes one, and Last-Modified), the conditional request
// headers that make a GET a 304 (If-None-Match, else If-Modified-Since), and
// a single byte Range (honoured only while If-Range still holds).

/** A file's validators: what its ETag and Last-Modified say. */
export interface FileValidators {
  /** A strong entity tag, quotes included; undefined when ETags are off. */
  etag: string | undefined;
  /** The modification time, whole seconds (what an HTTP date can say); undefined when off. */
  lastModified: number | undefined;
}

/** The strong ETag of a file: its modification time (ms) and size, in hex. */
export function fileEtag(mtimeMs: number, size: number): string {
  return `"${Math.floor(mtimeMs).toString(16)}-${size.toString(16)}"`;
}

/** The entity tags of an If-None-Match or If-Match value ("*" as itself), weak ones without their W/. */
function entityTags(value: string): string[] {
  const tags: string[] = [];
  for (const part of value.split(",")) {
    const tag = part.trim();
    if (tag === "*") tags.push("*");
    else if (tag.startsWith('W/"')) tags.push(tag.slice(2));
    else if (tag.startsWith('"')) tags.push(tag);
  }
  return tags;
}

/** Seconds since the epoch of an HTTP date, or undefined for one that is not a date. */
function httpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/**
 * True when a GET or HEAD may be answered 304 Not Modified: If-None-Match
 * names the ETag (weak comparison) or is "*"; without If-None-Match,
 * If-Modified-Since is at or after the modification time.
 */
export function notModified(
  ifNoneMatch: string | undefined,
  ifModifiedSince: string | undefined,
  validators: FileValidators,
): boolean {
  if (ifNoneMatch !== undefined) {
    const tags = entityTags(ifNoneMatch);
    return tags.includes("*") || (validators.etag !== undefined && tags.includes(validators.etag));
  }
  const since = httpDate(ifModifiedSince);
  return (
    since !== undefined && validators.lastModified !== undefined && validators.lastModified <= since
  );
}

/**
 * Whether a Range may be honoured: no If-Range, or one that names the
 * current ETag (strong comparison) or modification date exactly.
 */
export function ifRangeHolds(ifRange: string | undefined, validators: FileValidators): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"')) return validators.etag === value;
  if (value.startsWith("W/")) return false; // a weak tag never matches strongly
  const date = httpDate(value);
  return date !== undefined && date === validators.lastModified;
}

/** The bytes a Range asks for, end included. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * The single byte range a Range value asks for of a file of `size` bytes:
 * a ByteRange, "unsatisfiable" (416), or undefined to send the whole file
 * (no Range, another unit, bad syntax, or several ranges: a server may send
 * the whole representation instead, and does).
 */
export function byteRange(
  range: string | undefined,
  size: number,
): ByteRange | "unsatisfiable" | undefined {
  if (range === undefined) return undefined;
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(range);
  if (match === null) return undefined;
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return undefined;
  if (first === "") {
    // A suffix: the last N bytes.
    const length = Number(last);
    if (length === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  if (last !== "" && Number(last) < start) return undefined; // invalid: ignored
  if (start >= size) return "unsatisfiable";
  return { start, end: last === "" ? size - 1 : Math.min(Number(last), size - 1) };
}
