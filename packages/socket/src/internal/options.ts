// The options of MoonSocket, MoonListener and park(), and the checks of the
// package's arguments: all in this file. Options are checked once, where
// they are taken; a bad value or an unknown key throws MoonSocketError
// INVALID_OPTION naming it, a bad argument (not an options entry)
// INVALID_ARGUMENT; a missing option takes its documented default (the
// convention of every package: see docs/architecture.md, "Errors and options").

import { MoonSocketError } from "../errors";
import { DEFAULT_PARK_TIMEOUT, MAX_PARK_NOTE } from "../parking";

export interface ResolvedOptions {
  inputBufferLimit: number;
  outputBufferLimit: number;
  maxLineLength: number;
  closeTimeout: number;
}

export const DEFAULTS: Readonly<ResolvedOptions> = Object.freeze({
  inputBufferLimit: 64 * 1024,
  outputBufferLimit: 64 * 1024,
  maxLineLength: 64 * 1024,
  closeTimeout: 30,
});

/** The keys of MoonSocketOptions. */
const SOCKET_NAMES = [
  "interval",
  "unread",
  "inputBufferLimit",
  "outputBufferLimit",
  "maxLineLength",
  "closeTimeout",
  "parking",
  "resumed",
  "parkNote",
  "proxyHeader",
  "turns",
];

/** The keys of MoonListenerOptions: the sockets' own but the per-connection ones, and `maxPending`. */
const LISTENER_NAMES = [
  ...SOCKET_NAMES.filter((name) => !["interval", "unread", "turns", "proxyHeader"].includes(name)),
  "maxPending",
];

/** The keys of ParkOptions. */
const PARK_NAMES = ["prefix", "timeout", "note", "resumeOnTimeout"];

/** MoonSocketError INVALID_ARGUMENT: a bad argument, not an options entry; the message names it. */
export function invalid(message: string): MoonSocketError {
  return new MoonSocketError("INVALID_ARGUMENT", `@moonbridge/socket: ${message}`);
}

/** MoonSocketError INVALID_OPTION: a bad entry of the options `call` took, or an unknown key. */
function invalidOption(call: string, message: string): MoonSocketError {
  return new MoonSocketError("INVALID_OPTION", `@moonbridge/socket: ${call}: ${message}`);
}

/** The options object itself, and its keys. */
function checkObject(call: string, options: unknown, known: readonly string[]): void {
  if (typeof options !== "object" || options === null) {
    throw invalidOption(call, `options must be an object, got ${shown(options)}`);
  }
  const unknown = unknownOption(options, known);
  if (unknown !== undefined) throw invalidOption(call, unknown);
}

/** A count or size option: an integer >= `min`. */
function count(call: string, name: string, value: unknown, min: number, unit: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw invalidOption(
      call,
      `${name} must be an integer >= ${min} (${unit}), got ${shown(value)}`,
    );
  }
  return value;
}

/** A time option: a finite number of seconds >= 0. */
function seconds(call: string, name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw invalidOption(
      call,
      `${name} must be a finite number >= 0 (seconds), got ${shown(value)}`,
    );
  }
  return value;
}

/** An option that is `undefined` or passes `ok`. */
function optional(call: string, name: string, value: unknown, ok: boolean, takes: string): void {
  if (value !== undefined && !ok) {
    throw invalidOption(call, `${name} must be ${takes}, got ${shown(value)}`);
  }
}

/**
 * MoonSocketOptions, checked whole (MoonListener passes its sockets' share,
 * so that a bad one fails there and not at the first connection). The usual
 * case, once per connection, allocates nothing: no limit set, the defaults.
 */
export function resolveOptions(options: unknown, call = "MoonSocket"): Readonly<ResolvedOptions> {
  checkObject(call, options, SOCKET_NAMES);
  const o = options as Record<string, unknown>;
  optional(call, "interval", o.interval, typeof o.interval === "string", "a string");
  optional(call, "unread", o.unread, o.unread instanceof Uint8Array, "a Uint8Array");
  const parking = o.parking;
  optional(
    call,
    "parking",
    parking,
    typeof parking === "object" && parking !== null,
    "a ParkingLot",
  );
  optional(call, "resumed", o.resumed, typeof o.resumed === "boolean", "a boolean");
  optional(call, "parkNote", o.parkNote, typeof o.parkNote === "string", "a string");
  const proxyHeader = o.proxyHeader;
  optional(
    call,
    "proxyHeader",
    proxyHeader,
    typeof proxyHeader === "object" && proxyHeader !== null,
    "a ProxyHeaderInfo",
  );
  const turns = o.turns;
  optional(call, "turns", turns, typeof turns === "object" && turns !== null, "a TurnKeeper");
  const { inputBufferLimit, outputBufferLimit, maxLineLength, closeTimeout } = o;
  if (
    inputBufferLimit === undefined &&
    outputBufferLimit === undefined &&
    maxLineLength === undefined &&
    closeTimeout === undefined
  ) {
    return DEFAULTS;
  }
  return {
    inputBufferLimit: count(
      call,
      "inputBufferLimit",
      inputBufferLimit ?? DEFAULTS.inputBufferLimit,
      1,
      "bytes",
    ),
    outputBufferLimit: count(
      call,
      "outputBufferLimit",
      outputBufferLimit ?? DEFAULTS.outputBufferLimit,
      1,
      "bytes",
    ),
    maxLineLength: count(
      call,
      "maxLineLength",
      maxLineLength ?? DEFAULTS.maxLineLength,
      1,
      "bytes",
    ),
    closeTimeout: seconds(call, "closeTimeout", closeTimeout ?? DEFAULTS.closeTimeout),
  };
}

/**
 * MoonListenerOptions: `maxPending` (connections; @default 1024), and the
 * rest, the options of the sockets it makes, checked now.
 */
export function resolveListenerOptions(options: unknown): {
  maxPending: number;
  socketOptions: Record<string, unknown>;
} {
  checkObject("MoonListener", options, LISTENER_NAMES);
  const { maxPending, ...socketOptions } = options as Record<string, unknown>;
  resolveOptions(socketOptions, "MoonListener");
  return {
    maxPending: count("MoonListener", "maxPending", maxPending ?? 1024, 1, "connections"),
    socketOptions,
  };
}

/** ParkOptions, checked and filled in. */
export function resolveParkOptions(options: unknown): {
  prefix: Uint8Array | undefined;
  timeout: number;
  note: string | undefined;
  resumeOnTimeout: boolean;
} {
  const call = "park()";
  checkObject(call, options, PARK_NAMES);
  const { prefix, timeout, note, resumeOnTimeout } = options as Record<string, unknown>;
  optional(call, "prefix", prefix, prefix instanceof Uint8Array, "a Uint8Array");
  const shortString = typeof note === "string" && note.length <= MAX_PARK_NOTE;
  optional(call, "note", note, shortString, `a string of at most ${MAX_PARK_NOTE} characters`);
  optional(
    call,
    "resumeOnTimeout",
    resumeOnTimeout,
    typeof resumeOnTimeout === "boolean",
    "a boolean",
  );
  return {
    prefix: prefix as Uint8Array | undefined,
    timeout: timeout === undefined ? DEFAULT_PARK_TIMEOUT : seconds(call, "timeout", timeout),
    note: note as string | undefined,
    resumeOnTimeout: resumeOnTimeout === true,
  };
}

/** A time argument (poll's `timeoutSeconds`, close's `timeout`): a finite number of seconds >= 0. */
export function checkSeconds(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw invalid(`${name} must be a finite number >= 0 (seconds), got ${shown(value)}`);
  }
  return value;
}

/** `maxlen` of xread: a byte count, or undefined for no bound. */
export function checkMaxlen(maxlen: unknown): number {
  if (maxlen === undefined) return Number.POSITIVE_INFINITY;
  if (typeof maxlen !== "number" || !Number.isInteger(maxlen) || maxlen < 0) {
    throw invalid(`maxlen must be an integer >= 0 (bytes), got ${shown(maxlen)}`);
  }
  return maxlen;
}

/** The terminator of xread as a byte value, or -1 for none. */
export function checkTerminator(terminator: unknown): number {
  if (terminator === undefined) return -1;
  if (typeof terminator === "string" && terminator.length === 1 && terminator.charCodeAt(0) < 256) {
    return terminator.charCodeAt(0);
  }
  if (
    typeof terminator === "number" &&
    Number.isInteger(terminator) &&
    terminator >= 0 &&
    terminator < 256
  ) {
    return terminator;
  }
  throw invalid(
    `terminator must be a one-character string (code < 256) or a byte value 0-255, got ${shown(terminator)}`,
  );
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
