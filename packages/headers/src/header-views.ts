// HeaderViews: the header tables of Moonbridge's request object (headers,
// headers_csv_string, headers_csv_table, headers_flags, headers_value,
// cookies) over a flat raw header list. Nothing is computed until a view is
// read, and then only the names that are looked up.

import { parseCookies } from "./cookies";
import { toLowerAscii } from "./internal/ascii";
import { splitCsvInto } from "./internal/csv";
import { assertRawList, type HeaderIndex, indexHeaders } from "./internal/header-index";
import { createView, type View } from "./internal/view";

/** A read-only table indexed by header name in any case, iterable as `[lowercased name, value]`. */
export type HeaderView<T> = View<T>;

const NO_LINES: string[] = Object.freeze([]) as unknown as string[];
const identity = (key: string): string => key;

/**
 * Case-insensitive views of one request's header lines, computed lazily.
 *
 * Every view is indexable by name in any case (`views.headersValue["Content-Type"]`,
 * `views.headersValue.host`), iterable as `[lowercased name, value]` pairs of the
 * names present, and read-only; arrays it returns are frozen. Names such as
 * `__proto__` or `constructor` are looked up like any other header name.
 *
 * @example
 * ```ts
 * const views = new HeaderViews(["Host", "example.com", "Connection", "Keep-Alive, Upgrade"]);
 * views.headersValue.host;                     // "example.com"
 * views.headersFlags.connection["keep-alive"]; // true
 * ```
 */
export class HeaderViews {
  readonly #raw: readonly string[];
  #index: HeaderIndex | undefined;
  #headers: View<string[]> | undefined;
  #csvString: View<string> | undefined;
  #csvTable: View<string[]> | undefined;
  #flags: View<Record<string, boolean>> | undefined;
  #value: View<string | false | undefined> | undefined;
  #cookies: View<string> | undefined;

  /**
   * @param rawHeaders - flat `[name, value, name, value, ...]`, names as sent and
   *   values trimmed, as @moonbridge/http-parser yields them. Kept, not copied:
   *   do not change it afterwards. Throws {@link HeadersError} if it is not an
   *   array of even length (string entries are checked when first indexed).
   */
  constructor(rawHeaders: string[]) {
    assertRawList(rawHeaders);
    this.#raw = rawHeaders;
  }

  /** The raw list this object was built from. */
  get rawHeaders(): readonly string[] {
    return this.#raw;
  }

  /** Name -> the value of every line with that name, in order received; `[]` if none. */
  get headers(): HeaderView<string[]> {
    this.#headers ??= this.#headerView("headers", (lines) => Object.freeze(lines) as string[]);
    return this.#headers;
  }

  /** Name -> all lines with that name joined with `", "`; `""` if none. */
  get headersCsvString(): HeaderView<string> {
    this.#csvString ??= this.#headerView("headersCsvString", (lines) => lines.join(", "));
    return this.#csvString;
  }

  /**
   * Name -> every comma-separated element of every line, trimmed of SP and HTAB,
   * empty elements dropped, commas inside quoted strings not splitting; `[]` if none.
   */
  get headersCsvTable(): HeaderView<string[]> {
    this.#csvTable ??= this.#headerView("headersCsvTable", csvElements);
    return this.#csvTable;
  }

  /**
   * Name -> a case-insensitive membership test of the elements of
   * {@link headersCsvTable}: `headersFlags.connection["keep-alive"]` is `true`
   * for `Connection: Keep-Alive, Upgrade`. Absent elements are `false`.
   */
  get headersFlags(): HeaderView<HeaderView<boolean>> {
    this.#flags ??= this.#headerView("headersFlags", (lines) => flagView(csvElements(lines)));
    return this.#flags as HeaderView<HeaderView<boolean>>;
  }

  /**
   * Name -> the value if exactly one line of that name was received, `false` if
   * several were, `undefined` if none. Counted by lines: one `User-Agent` line
   * with commas in it is still one value.
   */
  get headersValue(): HeaderView<string | false | undefined> {
    this.#value ??= this.#headerView("headersValue", singleValue);
    return this.#value;
  }

  /**
   * Cookie name (case-sensitive) -> value, from every `Cookie` line; see
   * {@link parseCookies} for the rules. `undefined` for absent names.
   */
  get cookies(): HeaderView<string> {
    if (this.#cookies === undefined) {
      let jar: Map<string, string> | undefined;
      const cookies = (): Map<string, string> => {
        jar ??= parseCookies(this.#lines("cookie") ?? NO_LINES);
        return jar;
      };
      this.#cookies = createView("cookies", {
        fold: identity,
        compute: (name) => cookies().get(name) as string,
        has: (name) => cookies().has(name),
        keys: () => cookies().keys(),
      });
    }
    return this.#cookies;
  }

  #indexed(): HeaderIndex {
    this.#index ??= indexHeaders(this.#raw);
    return this.#index;
  }

  #lines(key: string): string[] | undefined {
    return this.#indexed().get(key);
  }

  /** A view over header names; `map` turns a name's lines (`[]` when absent) into its value. */
  #headerView<T>(tag: string, map: (lines: string[]) => T): View<T> {
    return createView(tag, {
      fold: toLowerAscii,
      compute: (key) => map(this.#lines(key) ?? NO_LINES),
      has: (key) => this.#lines(key) !== undefined,
      keys: () => this.#indexed().keys(),
    });
  }
}

function singleValue(lines: readonly string[]): string | false | undefined {
  if (lines.length === 0) return undefined;
  return lines.length === 1 ? lines[0] : false;
}

function csvElements(lines: readonly string[]): string[] {
  const elements: string[] = [];
  for (const line of lines) splitCsvInto(line, elements);
  return Object.freeze(elements) as string[];
}

function flagView(elements: readonly string[]): HeaderView<boolean> {
  const set = new Set<string>();
  for (const element of elements) set.add(toLowerAscii(element));
  return createView("headerFlags", {
    fold: toLowerAscii,
    compute: (element) => set.has(element),
    has: (element) => set.has(element),
    keys: () => set.keys(),
  });
}
