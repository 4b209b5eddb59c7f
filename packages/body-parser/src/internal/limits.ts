// The limits and options of MultipartParser, parseMultipart, getBoundary and
// parseUrlencoded: checked once, where the parser is made or the parse
// begins, and their defaults filled in. One checker for all: a bad value or
// an unknown key throws BodyParserError INVALID_OPTION (status 500) naming
// the call and the option (the convention of every package: see
// docs/architecture.md, "Errors and options").

import { BodyParserError } from "../errors";
import type {
  BoundaryOptions,
  MultipartLimits,
  MultipartOptions,
  UrlencodedLimits,
} from "../types";

export const DEFAULT_MULTIPART_LIMITS: Readonly<Required<MultipartLimits>> = Object.freeze({
  maxParts: 1000,
  maxPartHeaderSize: 16 * 1024,
  maxFieldSize: 1024 * 1024,
  maxFileSize: 1024 * 1024 * 1024,
  maxTotalSize: 1024 * 1024 * 1024,
});

export const DEFAULT_URLENCODED_LIMITS: Readonly<Required<UrlencodedLimits>> = Object.freeze({
  maxFields: 1000,
  maxNameLength: 1024,
  maxValueLength: 1024 * 1024,
});

/** BodyParserError INVALID_ARGUMENT (status 500) for a bad argument of `call`. */
export function invalidArgument(message: string, call = "MultipartParser"): BodyParserError {
  return new BodyParserError("INVALID_ARGUMENT", `@moonbridge/body-parser: ${call}: ${message}`);
}

/** Throws BodyParserError INVALID_ARGUMENT unless `boundary` is a string of 1 to 70 characters. */
export function validateBoundary(boundary: unknown, call: string): void {
  if (typeof boundary !== "string" || boundary.length === 0 || boundary.length > 70) {
    throw invalidArgument("boundary must be a string of 1 to 70 characters", call);
  }
}

/** The multipart limits of `call`; throws BodyParserError INVALID_OPTION naming the first bad one. */
export function validateLimits(
  limits: MultipartLimits,
  call = "MultipartParser",
): Required<MultipartLimits> {
  return { ...checkLimits(call, limits, DEFAULT_MULTIPART_LIMITS) };
}

/** Whether `call` reads multipart/form-data (the default) or any multipart subtype. */
export function validateMultipartOptions(options: MultipartOptions, call: string): boolean {
  return checkFlags<{ formData: boolean }>(call, options, { formData: true }).formData;
}

/** Whether getBoundary takes any multipart subtype. */
export function validateBoundaryOptions(options: BoundaryOptions): boolean {
  return checkFlags<{ anySubtype: boolean }>("getBoundary", options, { anySubtype: false })
    .anySubtype;
}

/**
 * parseUrlencoded's limits; throws BodyParserError INVALID_OPTION naming the
 * first bad one. A call without limits gets the frozen defaults as they are.
 */
export function validateUrlencodedLimits(
  limits: UrlencodedLimits | undefined,
): Readonly<Required<UrlencodedLimits>> {
  if (limits === undefined) return DEFAULT_URLENCODED_LIMITS;
  return checkLimits("parseUrlencoded", limits, DEFAULT_URLENCODED_LIMITS);
}

/** `limits` over `defaults`: each one a count or a number of bytes, an integer >= 0. */
function checkLimits<T extends Record<string, number>>(
  call: string,
  limits: Partial<T>,
  defaults: Readonly<T>,
): Readonly<T> {
  const invalid = (message: string) =>
    new BodyParserError("INVALID_OPTION", `@moonbridge/body-parser: ${call}: ${message}`);
  if (limits === null || typeof limits !== "object") {
    throw invalid(`limits must be an object, got ${shown(limits)}`);
  }
  const names = Object.keys(defaults);
  const unknown = unknownOption(limits, names);
  if (unknown !== undefined) throw invalid(unknown);
  let result: T | undefined;
  for (const name of names) {
    const value: unknown = limits[name];
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
      const unit = name === "maxParts" || name === "maxFields" ? "a count" : "bytes";
      throw invalid(`${name} must be an integer >= 0 (${unit}), got ${shown(value)}`);
    }
    result ??= { ...defaults };
    (result as Record<string, number>)[name] = value;
  }
  return result ?? defaults;
}

/** `options` over `defaults`: each one a boolean. */
function checkFlags<T extends Record<string, boolean>>(
  call: string,
  options: Partial<T>,
  defaults: T,
): T {
  const invalid = (message: string) =>
    new BodyParserError("INVALID_OPTION", `@moonbridge/body-parser: ${call}: ${message}`);
  if (options === null || typeof options !== "object") {
    throw invalid(`options must be an object, got ${shown(options)}`);
  }
  const names = Object.keys(defaults);
  const unknown = unknownOption(options, names);
  if (unknown !== undefined) throw invalid(unknown);
  const result: Record<string, boolean> = { ...defaults };
  for (const name of names) {
    const value: unknown = options[name];
    if (value === undefined) continue;
    if (typeof value !== "boolean") throw invalid(`${name} must be a boolean, got ${shown(value)}`);
    result[name] = value;
  }
  return result as T;
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
