// The parsers' options: checked once, when a parser is made, and their
// defaults filled in. A bad value or an unknown key throws HttpParserError
// INVALID_OPTION naming it (the same convention in every package: see
// docs/architecture.md, "Errors and options").

import { HttpParserError } from "../errors";
import type { RequestParserOptions, ResponseParserOptions } from "../types";

export interface Limits {
  maxHeaderSize: number;
  maxBodySize: number;
  maxHeaderCount: number;
  maxChunkExtensionSize: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = {
  maxHeaderSize: 80 * 1024,
  maxBodySize: Number.POSITIVE_INFINITY,
  maxHeaderCount: 100,
  maxChunkExtensionSize: 16 * 1024,
};

/** The named leniencies: each relaxes one rule for legacy peers; all off by default. */
export interface Leniencies {
  allowMissingHost: boolean;
  allowObsFold: boolean;
  allowBareLf: boolean;
  allowMissingCrlfAfterChunk: boolean;
}

const LENIENCY_NAMES: readonly (keyof Leniencies)[] = [
  "allowMissingHost",
  "allowObsFold",
  "allowBareLf",
  "allowMissingCrlfAfterChunk",
];

export type Settings = Limits & Leniencies;

const NAMES = Object.keys(DEFAULT_LIMITS) as (keyof Limits)[];

/** Every option each parser knows: a response parser has no Host rule to relax. */
const REQUEST_OPTIONS: readonly string[] = [...NAMES, ...LENIENCY_NAMES];
const RESPONSE_OPTIONS: readonly string[] = REQUEST_OPTIONS.filter(
  (name) => name !== "allowMissingHost",
);

/** The smallest maxHeaderSize: room for the shortest request line and its CRLF. */
const MIN_HEADER_SIZE = 16;

/** Which parser the options are for: a response parser has no Host rule to relax. */
export type ParserKind = "RequestParser" | "ResponseParser";

/** The limits and leniencies a parser works with; throws HttpParserError INVALID_OPTION naming the first bad option. */
export function validateOptions(
  options: RequestParserOptions & ResponseParserOptions,
  kind: ParserKind = "RequestParser",
): Settings {
  const invalid = (message: string) =>
    new HttpParserError("INVALID_OPTION", `@moonbridge/http-parser: ${kind}: ${message}`);
  if (options === null || typeof options !== "object") {
    throw invalid(`options must be an object, got ${shown(options)}`);
  }
  const unknown = unknownOption(
    options,
    kind === "RequestParser" ? REQUEST_OPTIONS : RESPONSE_OPTIONS,
  );
  if (unknown !== undefined) throw invalid(unknown);
  // Listed, not spread: a spread and then more keys costs a parser per connection microseconds.
  const limits: Settings = {
    maxHeaderSize: DEFAULT_LIMITS.maxHeaderSize,
    maxBodySize: DEFAULT_LIMITS.maxBodySize,
    maxHeaderCount: DEFAULT_LIMITS.maxHeaderCount,
    maxChunkExtensionSize: DEFAULT_LIMITS.maxChunkExtensionSize,
    allowMissingHost: false,
    allowObsFold: false,
    allowBareLf: false,
    allowMissingCrlfAfterChunk: false,
  };
  for (const name of LENIENCY_NAMES) {
    const value = options[name];
    if (value === undefined) continue;
    if (typeof value !== "boolean")
      throw invalid(`${name} must be true or false, got ${shown(value)}`);
    limits[name] = value;
  }
  for (const name of NAMES) {
    const value = options[name];
    if (value === undefined) continue;
    const min = name === "maxHeaderSize" ? MIN_HEADER_SIZE : 0;
    const infinite = name === "maxBodySize" && value === Number.POSITIVE_INFINITY;
    if (typeof value !== "number" || !(Number.isSafeInteger(value) || infinite) || value < min) {
      const what = name === "maxBodySize" ? "an integer >= 0 or Infinity" : `an integer >= ${min}`;
      const unit = name === "maxHeaderCount" ? "fields" : "bytes";
      throw invalid(`${name} must be ${what} (${unit}), got ${shown(value)}`);
    }
    limits[name] = value;
  }
  return limits;
}

/** What a parser made without options works with: checked once, shared (parsers only read it). */
const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze(validateOptions({}));

/** validateOptions, but no work for a parser made without options (a parser per connection). */
export function settingsOf(
  options: (RequestParserOptions & ResponseParserOptions) | undefined,
  kind: ParserKind = "RequestParser",
): Readonly<Settings> {
  return options === undefined ? DEFAULT_SETTINGS : validateOptions(options, kind);
}

// The unknown-key check and the way a bad value is shown: the same lines in
// every package's options file (each package stands alone), kept in step.

/**
 * The complaint about the first own key of `options` not in `known`, or
 * undefined if every key is known. A known name written another way
 * (`max_size`, `max-size`, `MaxSize`) or a letter or two off gets "did you
 * mean maxSize?"; any other key gets the list of known names.
 */
function unknownOption(options: object, known: readonly string[]): string | undefined {
  for (const key in options) {
    if (!Object.hasOwn(options, key) || known.includes(key)) continue;
    const folded = fold(key);
    let meant: string | undefined;
    let fewest = folded.length < 6 ? 2 : 3; // one edit more than a near miss may have
    for (const name of known) {
      const count = edits(folded, fold(name));
      if (count < fewest) [meant, fewest] = [name, count];
    }
    const hint =
      meant === undefined ? `known options: ${known.join(", ")}` : `did you mean ${meant}?`;
    return `unknown option ${JSON.stringify(key)}; ${hint}`;
  }
  return undefined;
}

/** A name without case, `_` and `-`: `max_size`, `max-size` and `MaxSize` fold alike. */
function fold(name: string): string {
  return name.replace(/[-_]/g, "").toLowerCase();
}

/** Letters inserted, deleted or replaced to make `a` into `b` (Levenshtein). */
function edits(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const replace = (row[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      next.push(Math.min((row[j] as number) + 1, (next[j - 1] as number) + 1, replace));
    }
    row = next;
  }
  return row[b.length] as number;
}

/** A value as a message shows it: short, never a whole object or long string. */
function shown(value: unknown): string {
  if (typeof value === "string")
    return value.length <= 32 ? JSON.stringify(value) : `a string of ${value.length} characters`;
  if (typeof value === "function") return "a function";
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value !== "object" || value === null) return String(value);
  return Array.isArray(value) ? "an array" : "an object";
}
