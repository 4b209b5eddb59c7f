// Every view agrees with a naive reference implementation on random header lists.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HeaderViews } from "../src/index";

const lower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
const trim = (s: string) => s.replace(/^[ \t]+|[ \t]+$/g, "");

const naive = {
  headers: (raw: string[], name: string) =>
    raw.filter((_, i) => i % 2 === 1 && lower(raw[i - 1] as string) === lower(name)),
  csvTable(raw: string[], name: string): string[] {
    const out: string[] = [];
    for (const line of naive.headers(raw, name)) {
      // A quoted string (escapes included, possibly unclosed) or a run of other text.
      const tokens = line.match(/"(?:\\[\s\S]|[^"\\])*(?:\\$)?(?:"|$)|[^,"]+|,/g) ?? [];
      let element = "";
      for (const token of [...tokens, ","]) {
        if (token === ",") {
          if (trim(element) !== "") out.push(trim(element));
          element = "";
        } else element += token;
      }
    }
    return out;
  },
  value(raw: string[], name: string) {
    const lines = naive.headers(raw, name);
    return lines.length === 0 ? undefined : lines.length === 1 ? lines[0] : false;
  },
  names: (raw: string[]) => [...new Set(raw.filter((_, i) => i % 2 === 0).map(lower))],
  cookies(raw: string[]): Record<string, string> {
    const out = new Map<string, string>();
    for (const line of naive.headers(raw, "cookie")) {
      for (const pair of line.split(";")) {
        const eq = pair.indexOf("=");
        if (eq < 0) continue;
        const name = trim(pair.slice(0, eq));
        let value = trim(pair.slice(eq + 1));
        if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
          value = value.slice(1, -1);
        }
        if (name !== "" && !out.has(name)) out.set(name, decodeURIComponent(value));
      }
    }
    return Object.fromEntries(out);
  },
};

const namePool = [
  "Host",
  "host",
  "Accept",
  "X-A",
  "x-a",
  "__proto__",
  "constructor",
  "toString",
  "Connection",
];
const headerName = fc.oneof(
  fc.constantFrom(...namePool),
  fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,8}$/),
);
const headerValue = fc
  .array(fc.constantFrom("a", "B", " ", "\t", ",", '"', "\\", "=", ";", "é", "K", "\u212A"), {
    maxLength: 16,
  })
  .map((chars) => chars.join(""));
const rawList = fc
  .array(fc.tuple(headerName, headerValue), { maxLength: 12 })
  .map((pairs) => pairs.flat());
/** Upper-cases the ASCII letters of `s` picked by the bits of `mask`. */
const randomCase = (s: string, mask: number) =>
  [...s].map((c, i) => ((mask >> i) & 1 && c >= "a" && c <= "z" ? c.toUpperCase() : c)).join("");

describe("views agree with a naive reference", () => {
  it("for every name, in any case", () => {
    fc.assert(
      fc.property(rawList, fc.integer({ min: 0, max: 0xffff }), (raw, mask) => {
        const views = new HeaderViews(raw);
        const names = naive.names(raw);
        expect(Object.keys(views.headers)).toEqual(names);
        for (const name of [...names, ...namePool, "absent"]) {
          const asked = randomCase(name, mask);
          const lines = naive.headers(raw, name);
          expect(views.headers[asked]).toEqual(lines);
          expect(views.headersCsvString[asked]).toBe(lines.join(", "));
          const elements = naive.csvTable(raw, name);
          expect(views.headersCsvTable[asked]).toEqual(elements);
          expect(views.headersValue[asked]).toBe(naive.value(raw, name));
          const flags = views.headersFlags[asked] as Record<string, boolean>;
          for (const element of elements) {
            expect(flags[randomCase(element, mask)]).toBe(true);
          }
          expect(Object.keys(flags)).toEqual([...new Set(elements.map(lower))]);
        }
        expect([...views.headersValue].map(([n]) => n)).toEqual(names);
      }),
      { numRuns: 500 },
    );
  });

  it("for cookies", () => {
    const cookieName = fc.stringMatching(/^[A-Za-z0-9_-]{1,4}$/);
    const cookieValue = fc.string({ maxLength: 8 }).map(encodeURIComponent);
    const cookieLine = fc
      .array(fc.tuple(cookieName, cookieValue, fc.boolean()), { minLength: 1, maxLength: 5 })
      .map((pairs) => pairs.map(([n, v, q]) => (q ? `${n}="${v}"` : `${n}=${v}`)).join("; "));
    fc.assert(
      fc.property(fc.array(cookieLine, { maxLength: 3 }), rawList, (lines, other) => {
        const cleaned: string[] = [];
        for (let i = 0; i + 1 < other.length; i += 2) {
          const name = other[i] as string;
          if (lower(name) !== "cookie") cleaned.push(name, other[i + 1] as string);
        }
        for (const line of lines) cleaned.push("Cookie", line);
        const views = new HeaderViews(cleaned);
        expect({ ...views.cookies }).toEqual(naive.cookies(cleaned));
      }),
      { numRuns: 300 },
    );
  });
});
