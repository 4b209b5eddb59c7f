// Set-Cookie serialization: one header value from a name, a value and
// attributes, checked against RFC 6265 section 4.1.1 and the rules of the
// current drafts (rfc6265bis: SameSite, name prefixes, size limits; CHIPS:
// Partitioned), so that what is written is what browsers keep.

import { HeadersError } from "./errors";
import { toLowerAscii } from "./internal/ascii";
import { shown, unknownOption } from "./internal/options";

/** The attributes of a cookie; each one left out (or `undefined`) is not written. */
export interface CookieOptions {
  /** Seconds until the cookie expires, an integer; 0 or less expires it at once. `Max-Age=`. */
  maxAge?: number;
  /** When the cookie expires: a valid Date in the years 1601 to 9999 (UTC). `Expires=`, as IMF-fixdate. */
  expires?: Date;
  /** The path the cookie is sent for: starts with "/", printable ASCII except ";". `Path=`. */
  path?: string;
  /** The host the cookie is sent to, with its subdomains: LDH labels, no leading dot. `Domain=`. */
  domain?: string;
  /** Sent over HTTPS only. `Secure`. */
  secure?: boolean;
  /** Hidden from scripts. `HttpOnly`. */
  httpOnly?: boolean;
  /** Whether cross-site requests carry it; written capitalized. `"None"` requires `secure`. `SameSite=`. */
  sameSite?: "Strict" | "Lax" | "None" | "strict" | "lax" | "none";
  /** Kept per top-level site (CHIPS); requires `secure`. `Partitioned`. */
  partitioned?: boolean;
  /** Chrome's eviction priority; written capitalized. `Priority=`. */
  priority?: "Low" | "Medium" | "High" | "low" | "medium" | "high";
}

// The keys in the order their attributes are written; the Record makes the
// compiler insist on every key of CookieOptions.
const KNOWN: Record<keyof CookieOptions, true> = {
  maxAge: true,
  domain: true,
  path: true,
  expires: true,
  httpOnly: true,
  secure: true,
  sameSite: true,
  partitioned: true,
  priority: true,
};
const OPTION_NAMES = Object.keys(KNOWN);

const SAME_SITE: Record<string, string> = {
  Strict: "Strict",
  strict: "Strict",
  Lax: "Lax",
  lax: "Lax",
  None: "None",
  none: "None",
};
const PRIORITY: Record<string, string> = {
  Low: "Low",
  low: "Low",
  Medium: "Medium",
  medium: "Medium",
  High: "High",
  high: "High",
};

// rfc6265bis section 5.7: browsers drop a cookie whose name and value exceed
// 4096 octets, and ignore an attribute value over 1024.
const MAX_NAME_VALUE = 4096;
const MAX_ATTRIBUTE_VALUE = 1024;
const MAX_DOMAIN = 253;
const MAX_LABEL = 63;

const DQUOTE = 0x22;

/** A bad option (the default), or with code INVALID_ARGUMENT a bad name or value. */
function invalid(
  message: string,
  code: "INVALID_OPTION" | "INVALID_ARGUMENT" = "INVALID_OPTION",
): HeadersError {
  return new HeadersError(code, `@moonbridge/headers: serializeCookie(): ${message}`);
}

/** tchar of RFC 9110: letters, digits and !#$%&'*+-.^_`|~. */
function isTchar(c: number): boolean {
  if ((c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a)) return true;
  return c < 0x80 && "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c));
}

/** cookie-octet of RFC 6265: printable ASCII except SP, DQUOTE, ",", ";" and "\". */
function isCookieOctet(c: number): boolean {
  return (
    c === 0x21 ||
    (c >= 0x23 && c <= 0x2b) ||
    (c >= 0x2d && c <= 0x3a) ||
    (c >= 0x3c && c <= 0x5b) ||
    (c >= 0x5d && c <= 0x7e)
  );
}

/** av-octet of RFC 6265: any CHAR except CTLs and ";". */
function isAvOctet(c: number): boolean {
  return c >= 0x20 && c <= 0x7e && c !== 0x3b;
}

/** Index of the first character of `s[from, to)` that `ok` refuses, or -1. */
function firstBad(s: string, ok: (c: number) => boolean, from = 0, to = s.length): number {
  for (let i = from; i < to; i++) if (!ok(s.charCodeAt(i))) return i;
  return -1;
}

/** The character at `i` as a message shows it: `";" (U+003B) at index 3`. */
function charAt(s: string, i: number): string {
  const cp = s.codePointAt(i) as number;
  const hex = cp.toString(16).toUpperCase().padStart(4, "0");
  return `${JSON.stringify(String.fromCodePoint(cp))} (U+${hex}) at index ${i}`;
}

/**
 * One `Set-Cookie` header value: `name=value` and the attributes `options`
 * asks for, in a fixed order: Max-Age, Domain, Path, Expires, HttpOnly,
 * Secure, SameSite, Partitioned, Priority.
 *
 * Nothing is encoded: `name` must be a token and `value` cookie-octets
 * (optionally in one pair of double quotes), so encode a value that may hold
 * other characters first, e.g. with `encodeURIComponent` (`parseCookies`
 * decodes it). Throws {@link HeadersError} `INVALID_ARGUMENT` for
 * anything else, `INVALID_OPTION` for an unknown or ill-typed option and for what browsers
 * reject: SameSite=None or Partitioned without Secure, a name and value over
 * 4096 characters, and a `__Secure-`, `__Host-`, `__Http-` or `__Host-Http-`
 * name (in any case) without the attributes its prefix requires.
 *
 * @example
 * ```ts
 * serializeCookie("sid", "abc", { httpOnly: true, secure: true, sameSite: "lax" });
 * // "sid=abc; HttpOnly; Secure; SameSite=Lax"
 * ```
 */
export function serializeCookie(name: string, value: string, options?: CookieOptions): string {
  checkName(name);
  checkValue(value);
  if (name.length + value.length > MAX_NAME_VALUE) {
    throw invalid(
      `name and value together must be at most ${MAX_NAME_VALUE} characters (browsers drop a longer cookie), got ${name.length + value.length}`,
      "INVALID_ARGUMENT",
    );
  }
  let out = `${name}=${value}`;
  if (options === undefined) {
    checkPrefix(name, {});
    return out;
  }
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw invalid(`options must be an object, got ${shown(options)}`);
  }
  const unknown = unknownOption(options, OPTION_NAMES);
  if (unknown !== undefined) throw invalid(unknown);

  const { maxAge, domain, path, expires, httpOnly, secure, sameSite, partitioned, priority } =
    options;
  if (maxAge !== undefined) {
    // Safe integers only: larger ones print in exponent form, which is no delta-seconds.
    if (!Number.isSafeInteger(maxAge)) {
      throw invalid(`maxAge must be an integer number of seconds, got ${shown(maxAge)}`);
    }
    out += `; Max-Age=${maxAge}`;
  }
  if (domain !== undefined) out += `; Domain=${checkDomain(domain)}`;
  if (path !== undefined) out += `; Path=${checkPath(path)}`;
  if (expires !== undefined) out += `; Expires=${imfFixdate(expires)}`;
  if (checkFlag("httpOnly", httpOnly)) out += "; HttpOnly";
  if (checkFlag("secure", secure)) out += "; Secure";
  if (sameSite !== undefined) {
    const written = lookUp(SAME_SITE, sameSite);
    if (written === undefined) {
      throw invalid(
        `sameSite must be "Strict", "Lax" or "None" (or lowercase), got ${shown(sameSite)}`,
      );
    }
    if (written === "None" && secure !== true) {
      throw invalid('sameSite "None" requires secure: true (browsers reject it otherwise)');
    }
    out += `; SameSite=${written}`;
  }
  if (checkFlag("partitioned", partitioned)) {
    if (secure !== true) {
      throw invalid("partitioned requires secure: true (browsers reject it otherwise)");
    }
    out += "; Partitioned";
  }
  if (priority !== undefined) {
    const written = lookUp(PRIORITY, priority);
    if (written === undefined) {
      throw invalid(
        `priority must be "Low", "Medium" or "High" (or lowercase), got ${shown(priority)}`,
      );
    }
    out += `; Priority=${written}`;
  }
  checkPrefix(name, options);
  return out;
}

/** `table[key]` for a string key of its own, else undefined (no String(key), no prototype). */
function lookUp(table: Record<string, string>, key: unknown): string | undefined {
  return typeof key === "string" && Object.hasOwn(table, key) ? table[key] : undefined;
}

function checkName(name: unknown): asserts name is string {
  if (typeof name !== "string")
    throw invalid(`name must be a string, got ${shown(name)}`, "INVALID_ARGUMENT");
  if (name.length === 0) throw invalid("name must not be empty", "INVALID_ARGUMENT");
  const bad = firstBad(name, isTchar);
  if (bad >= 0) {
    throw invalid(
      `name must be a token (letters, digits and !#$%&'*+-.^_\`|~), got ${shown(name)} with ${charAt(name, bad)}`,
      "INVALID_ARGUMENT",
    );
  }
}

function checkValue(value: unknown): asserts value is string {
  if (typeof value !== "string")
    throw invalid(`value must be a string, got ${shown(value)}`, "INVALID_ARGUMENT");
  const quoted =
    value.length >= 2 &&
    value.charCodeAt(0) === DQUOTE &&
    value.charCodeAt(value.length - 1) === DQUOTE;
  const bad = quoted
    ? firstBad(value, isCookieOctet, 1, value.length - 1)
    : firstBad(value, isCookieOctet);
  // The value itself stays out of the message: it may be a secret.
  if (bad >= 0) {
    throw invalid(
      `value must be printable ASCII except space, double quote, comma, semicolon and backslash (in one pair of double quotes at most), found ${charAt(value, bad)}; encode it first, e.g. with encodeURIComponent`,
      "INVALID_ARGUMENT",
    );
  }
}

function checkFlag(option: string, flag: unknown): boolean {
  if (flag !== undefined && typeof flag !== "boolean") {
    throw invalid(`${option} must be a boolean, got ${shown(flag)}`);
  }
  return flag === true;
}

function checkPath(path: unknown): string {
  if (typeof path !== "string") throw invalid(`path must be a string, got ${shown(path)}`);
  // Browsers replace a path that does not start with "/" by the request's directory.
  if (path.charCodeAt(0) !== 0x2f) throw invalid(`path must start with "/", got ${shown(path)}`);
  if (path.length > MAX_ATTRIBUTE_VALUE) {
    throw invalid(`path must be at most ${MAX_ATTRIBUTE_VALUE} characters, got ${path.length}`);
  }
  const bad = firstBad(path, isAvOctet);
  if (bad >= 0) {
    throw invalid(
      `path must be printable ASCII except ";", got ${shown(path)} with ${charAt(path, bad)}`,
    );
  }
  return path;
}

/** A hostname of LDH labels (RFC 1034 section 3.5 as RFC 1123 relaxes it), as RFC 6265's domain-value. */
function checkDomain(domain: unknown): string {
  if (typeof domain !== "string") throw invalid(`domain must be a string, got ${shown(domain)}`);
  // RFC 6265's grammar has no leading dot (browsers ignore one): refuse it rather than drop it.
  if (domain.charCodeAt(0) === 0x2e) {
    throw invalid(`domain must not start with ".", got ${shown(domain)}; leave the dot out`);
  }
  if (domain.length === 0 || domain.length > MAX_DOMAIN) {
    throw invalid(`domain must be 1 to ${MAX_DOMAIN} characters, got ${domain.length}`);
  }
  for (const label of domain.split(".")) {
    const ldh = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/.test(label);
    if (!ldh || label.length > MAX_LABEL) {
      throw invalid(
        `domain must be a hostname: labels of 1 to ${MAX_LABEL} letters, digits and inner hyphens, separated by dots, got ${shown(domain)}`,
      );
    }
  }
  return domain;
}

/** `date` as IMF-fixdate ("Wed, 21 Oct 2015 07:28:00 GMT"), the form Date#toUTCString has. */
function imfFixdate(date: unknown): string {
  let time: number;
  try {
    // Works for a Date of any realm, and only for a Date.
    time = Date.prototype.getTime.call(date);
  } catch {
    throw invalid(`expires must be a Date, got ${shown(date)}`);
  }
  if (Number.isNaN(time)) throw invalid("expires must be a valid Date, got Invalid Date");
  // IMF-fixdate has four year digits, and browsers read no year before 1601.
  const year = Date.prototype.getUTCFullYear.call(date);
  if (year < 1601 || year > 9999) {
    throw invalid(`expires must fall in the years 1601 to 9999 (UTC), got the year ${year}`);
  }
  return Date.prototype.toUTCString.call(date);
}

/**
 * Throws unless the cookie has what its name's prefix requires. Browsers
 * match prefixes in any case (rfc6265bis section 5.7), so this does too.
 */
function checkPrefix(name: string, options: CookieOptions): void {
  const lower = toLowerAscii(name.slice(0, 12));
  const host = lower.startsWith("__host-");
  const http = lower.startsWith("__http-") || lower.startsWith("__host-http-");
  if (!host && !http && !lower.startsWith("__secure-")) return;
  const prefix = name.slice(0, lower.startsWith("__host-http-") ? 12 : lower.indexOf("-") + 1);
  const requires = `a name starting with "${prefix}" requires`;
  if (options.secure !== true) throw invalid(`${requires} secure: true`);
  if (http && options.httpOnly !== true) throw invalid(`${requires} httpOnly: true`);
  if (host && options.path !== "/") throw invalid(`${requires} path: "/"`);
  if (host && options.domain !== undefined) throw invalid(`${requires} no domain`);
}
