// serializeCookie: each attribute written exactly, each refusal with its code,
// and every valid name and value read back by parseCookies.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CookieOptions, HeadersError, parseCookies, serializeCookie } from "../src/index";

/** The error `run` throws; fails the test when it throws none. */
function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

/** Expects a HeadersError with `code` (a bad option unless said) whose message holds `words`. */
function expectRefused(
  run: () => unknown,
  words: string,
  code: "INVALID_OPTION" | "INVALID_ARGUMENT" = "INVALID_OPTION",
): void {
  const error = thrown(run);
  expect(error).toBeInstanceOf(HeadersError);
  expect(error).toBeInstanceOf(TypeError);
  expect(error).toMatchObject({ name: "HeadersError", code });
  expect((error as Error).message).toContain("@moonbridge/headers: serializeCookie(): ");
  expect((error as Error).message).toContain(words);
}

const date = new Date(Date.UTC(2015, 9, 21, 7, 28, 0));

describe("serializeCookie writes", () => {
  it.each([
    { what: "name and value only", options: undefined, expected: "a=b" },
    { what: "an empty options object", options: {}, expected: "a=b" },
    { what: "maxAge", options: { maxAge: 3600 }, expected: "a=b; Max-Age=3600" },
    { what: "maxAge 0", options: { maxAge: 0 }, expected: "a=b; Max-Age=0" },
    { what: "negative maxAge", options: { maxAge: -1 }, expected: "a=b; Max-Age=-1" },
    { what: "domain", options: { domain: "example.com" }, expected: "a=b; Domain=example.com" },
    {
      what: "a one-label domain",
      options: { domain: "localhost" },
      expected: "a=b; Domain=localhost",
    },
    { what: "path", options: { path: "/docs" }, expected: "a=b; Path=/docs" },
    {
      what: "expires as IMF-fixdate",
      options: { expires: date },
      expected: "a=b; Expires=Wed, 21 Oct 2015 07:28:00 GMT",
    },
    { what: "httpOnly", options: { httpOnly: true }, expected: "a=b; HttpOnly" },
    { what: "secure", options: { secure: true }, expected: "a=b; Secure" },
    { what: "sameSite Strict", options: { sameSite: "Strict" }, expected: "a=b; SameSite=Strict" },
    { what: "sameSite Lax", options: { sameSite: "Lax" }, expected: "a=b; SameSite=Lax" },
    {
      what: "sameSite lax, capitalized",
      options: { sameSite: "lax" },
      expected: "a=b; SameSite=Lax",
    },
    {
      what: "sameSite strict, capitalized",
      options: { sameSite: "strict" },
      expected: "a=b; SameSite=Strict",
    },
    {
      what: "sameSite none with secure",
      options: { sameSite: "none", secure: true },
      expected: "a=b; Secure; SameSite=None",
    },
    {
      what: "partitioned with secure",
      options: { partitioned: true, secure: true },
      expected: "a=b; Secure; Partitioned",
    },
    { what: "priority", options: { priority: "High" }, expected: "a=b; Priority=High" },
    {
      what: "priority low, capitalized",
      options: { priority: "low" },
      expected: "a=b; Priority=Low",
    },
    {
      what: "false flags and undefined options as nothing",
      options: { secure: false, httpOnly: false, partitioned: false, maxAge: undefined },
      expected: "a=b",
    },
  ] as { what: string; options: CookieOptions | undefined; expected: string }[])(
    "$what",
    ({ options, expected }) => {
      expect(serializeCookie("a", "b", options)).toBe(expected);
    },
  );

  it("every attribute, in the documented order whatever the key order", () => {
    const options: CookieOptions = {
      priority: "Medium",
      partitioned: true,
      sameSite: "None",
      secure: true,
      httpOnly: true,
      expires: date,
      path: "/",
      domain: "sub.example.com",
      maxAge: 86400,
    };
    expect(serializeCookie("sid", "abc123", options)).toBe(
      "sid=abc123; Max-Age=86400; Domain=sub.example.com; Path=/; " +
        "Expires=Wed, 21 Oct 2015 07:28:00 GMT; HttpOnly; Secure; SameSite=None; Partitioned; " +
        "Priority=Medium",
    );
  });

  it.each([
    { what: "every tchar in the name", name: "!#$%&'*+-.^_`|~09AZaz", value: "v" },
    { what: "every cookie-octet range in the value", name: "n", value: "!#+-:<[]~" },
    { what: "a quoted value", name: "n", value: '"quoted"' },
    { what: "an empty value", name: "n", value: "" },
    { what: "an empty quoted value", name: "n", value: '""' },
  ])("$what", ({ name, value }) => {
    expect(serializeCookie(name, value)).toBe(`${name}=${value}`);
  });

  it("dates at the ends of the range browsers read", () => {
    expect(serializeCookie("a", "b", { expires: new Date(0) })).toBe(
      "a=b; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
    );
    expect(serializeCookie("a", "b", { expires: new Date("1601-01-01T00:00:00Z") })).toBe(
      "a=b; Expires=Mon, 01 Jan 1601 00:00:00 GMT",
    );
    expect(serializeCookie("a", "b", { expires: new Date("9999-12-31T23:59:59Z") })).toBe(
      "a=b; Expires=Fri, 31 Dec 9999 23:59:59 GMT",
    );
  });

  it("prefixed names with what their prefix requires", () => {
    expect(serializeCookie("__Secure-id", "1", { secure: true })).toBe("__Secure-id=1; Secure");
    expect(serializeCookie("__Host-id", "1", { secure: true, path: "/" })).toBe(
      "__Host-id=1; Path=/; Secure",
    );
    expect(serializeCookie("__Http-id", "1", { secure: true, httpOnly: true })).toBe(
      "__Http-id=1; HttpOnly; Secure",
    );
    expect(
      serializeCookie("__Host-Http-id", "1", { secure: true, httpOnly: true, path: "/" }),
    ).toBe("__Host-Http-id=1; Path=/; HttpOnly; Secure");
    // Not a prefix: no dash, or something else after the underscores.
    expect(serializeCookie("__Host", "1")).toBe("__Host=1");
    expect(serializeCookie("__Hostile-id", "1")).toBe("__Hostile-id=1");
  });

  it("names and values at the 4096-character limit", () => {
    const value = "v".repeat(4095);
    expect(serializeCookie("n", value)).toBe(`n=${value}`);
  });
});

describe("serializeCookie refuses", () => {
  it.each([
    { what: "an empty name", name: "", words: "name must not be empty" },
    { what: "a space in the name", name: "a b", words: '" " (U+0020) at index 1' },
    { what: "a ; in the name", name: "a;b", words: '";" (U+003B) at index 1' },
    { what: "an = in the name", name: "a=b", words: '"=" (U+003D) at index 1' },
    { what: "a , in the name", name: "a,b", words: '"," (U+002C)' },
    { what: "a control character in the name", name: "a\tb", words: "(U+0009)" },
    { what: "non-ASCII in the name", name: "café", words: '"é" (U+00E9) at index 3' },
    { what: "a non-string name", name: 42, words: "name must be a string, got 42" },
  ])("$what", ({ name, words }) => {
    expectRefused(() => serializeCookie(name as string, "v"), words, "INVALID_ARGUMENT");
  });

  it.each([
    { what: "a space", value: "a b", words: '" " (U+0020) at index 1' },
    { what: "a comma", value: "a,b", words: '"," (U+002C) at index 1' },
    { what: "a semicolon", value: "a;b", words: '";" (U+003B) at index 1' },
    { what: "a backslash", value: "a\\b", words: '"\\\\" (U+005C) at index 1' },
    { what: "DEL", value: "a\u007fb", words: "(U+007F) at index 1" },
    { what: "NUL", value: "\u0000", words: "(U+0000) at index 0" },
    { what: "non-ASCII", value: "caf\u00e9", words: "(U+00E9) at index 3" },
    { what: "an astral character", value: "a\u{1F36A}", words: "(U+1F36A) at index 1" },
    { what: "a lone double quote", value: '"', words: "(U+0022) at index 0" },
    { what: "an unclosed double quote", value: '"ab', words: "(U+0022) at index 0" },
    { what: "a double quote inside", value: 'a"b', words: "(U+0022) at index 1" },
    { what: "a space inside quotes", value: '"a b"', words: "(U+0020) at index 2" },
    { what: "a non-string value", value: undefined, words: "value must be a string" },
  ])("a value with $what", ({ value, words }) => {
    expectRefused(() => serializeCookie("n", value as string), words, "INVALID_ARGUMENT");
    if (typeof value === "string") {
      expectRefused(() => serializeCookie("n", value), "encode it first", "INVALID_ARGUMENT");
    }
  });

  it("keeps the value out of the message", () => {
    const error = thrown(() => serializeCookie("sid", "secret-token value"));
    expect((error as Error).message).not.toContain("secret");
  });

  it("a name and value over 4096 characters", () => {
    expectRefused(
      () => serializeCookie("n", "v".repeat(4096)),
      "at most 4096 characters",
      "INVALID_ARGUMENT",
    );
  });

  it.each([
    { what: "maxAge 1.5", options: { maxAge: 1.5 }, words: "maxAge must be an integer" },
    { what: "maxAge NaN", options: { maxAge: Number.NaN }, words: "got NaN" },
    {
      what: "maxAge Infinity",
      options: { maxAge: Number.POSITIVE_INFINITY },
      words: "got Infinity",
    },
    { what: "maxAge 1e300", options: { maxAge: 1e300 }, words: "maxAge must be an integer" },
    { what: "maxAge as a string", options: { maxAge: "60" }, words: 'got "60"' },
    { what: "an Invalid Date", options: { expires: new Date("x") }, words: "valid Date" },
    { what: "expires as a number", options: { expires: 0 }, words: "expires must be a Date" },
    {
      what: "expires as a date string",
      options: { expires: "Wed, 21 Oct 2015 07:28:00 GMT" },
      words: "expires must be a Date",
    },
    {
      what: "expires as a Date lookalike",
      options: { expires: Object.create(Date.prototype) },
      words: "expires must be a Date",
    },
    {
      what: "expires before 1601",
      options: { expires: new Date("1600-12-31T23:59:59Z") },
      words: "the year 1600",
    },
    {
      what: "expires after 9999",
      options: { expires: new Date("+010000-01-01T00:00:00Z") },
      words: "the year 10000",
    },
    { what: "a path with ;", options: { path: "/a;b" }, words: '";" (U+003B) at index 2' },
    { what: "a path with a control character", options: { path: "/a\nb" }, words: "(U+000A)" },
    { what: "a path with DEL", options: { path: "/a\u007f" }, words: "(U+007F)" },
    { what: "a path with non-ASCII", options: { path: "/é" }, words: "(U+00E9)" },
    { what: "a relative path", options: { path: "docs" }, words: 'path must start with "/"' },
    { what: "an empty path", options: { path: "" }, words: 'path must start with "/"' },
    { what: "a path over 1024", options: { path: `/${"a".repeat(1024)}` }, words: "at most 1024" },
    {
      what: "a leading dot in domain",
      options: { domain: ".example.com" },
      words: 'not start with "."',
    },
    {
      what: "a trailing dot in domain",
      options: { domain: "example.com." },
      words: "must be a hostname",
    },
    { what: "an empty domain", options: { domain: "" }, words: "domain must be 1 to 253" },
    { what: "an empty label", options: { domain: "a..b" }, words: "must be a hostname" },
    {
      what: "an underscore in domain",
      options: { domain: "a_b.com" },
      words: "must be a hostname",
    },
    {
      what: "a leading hyphen in a label",
      options: { domain: "-a.com" },
      words: "must be a hostname",
    },
    {
      what: "a trailing hyphen in a label",
      options: { domain: "a-.com" },
      words: "must be a hostname",
    },
    { what: "a space in domain", options: { domain: "a b.com" }, words: "must be a hostname" },
    { what: "a ; in domain", options: { domain: "a.com;x" }, words: "must be a hostname" },
    { what: "a port in domain", options: { domain: "a.com:80" }, words: "must be a hostname" },
    { what: "non-ASCII in domain", options: { domain: "bücher.de" }, words: "must be a hostname" },
    {
      what: "a 64-character label",
      options: { domain: `${"a".repeat(64)}.com` },
      words: "must be a hostname",
    },
    {
      what: "a domain over 253 characters",
      options: { domain: `${`${"a".repeat(60)}.`.repeat(5)}com` },
      words: "domain must be 1 to 253 characters, got 308",
    },
    { what: "secure as a string", options: { secure: "true" }, words: "secure must be a boolean" },
    { what: "httpOnly as 1", options: { httpOnly: 1 }, words: "httpOnly must be a boolean" },
    {
      what: "partitioned as null",
      options: { partitioned: null },
      words: "partitioned must be a boolean",
    },
    { what: "sameSite true", options: { sameSite: true }, words: "sameSite must be" },
    {
      what: "sameSite as an object that prints Strict",
      options: { sameSite: { toString: (): string => "Strict" } },
      words: "got an object",
    },
    { what: "sameSite toString", options: { sameSite: "toString" }, words: "sameSite must be" },
    { what: "sameSite in capitals", options: { sameSite: "LAX" }, words: 'got "LAX"' },
    { what: "priority urgent", options: { priority: "Urgent" }, words: "priority must be" },
    { what: "priority in capitals", options: { priority: "HIGH" }, words: 'got "HIGH"' },
    {
      what: "sameSite none without secure",
      options: { sameSite: "none" },
      words: 'sameSite "None" requires secure: true',
    },
    {
      what: "sameSite None with secure false",
      options: { sameSite: "None", secure: false },
      words: 'sameSite "None" requires secure: true',
    },
    {
      what: "partitioned without secure",
      options: { partitioned: true },
      words: "partitioned requires secure: true",
    },
    {
      what: "an unknown key",
      options: { signed: true },
      words: 'unknown option "signed"; known options: maxAge, domain',
    },
    {
      what: "a snake_case key",
      options: { max_age: 1 },
      words: 'unknown option "max_age"; did you mean maxAge?',
    },
    { what: "a key in another case", options: { httponly: true }, words: "did you mean httpOnly?" },
    { what: "a near miss", options: { sameSit: "Lax" }, words: "did you mean sameSite?" },
    { what: "null options", options: null, words: "options must be an object, got null" },
    { what: "an array of options", options: [], words: "options must be an object, got an array" },
    {
      what: "a string of options",
      options: "Secure",
      words: 'options must be an object, got "Secure"',
    },
  ])("$what", ({ options, words }) => {
    expectRefused(() => serializeCookie("a", "b", options as CookieOptions), words);
  });

  it.each([
    { name: "__Secure-id", options: {}, words: 'starting with "__Secure-" requires secure: true' },
    { name: "__secure-id", options: {}, words: 'starting with "__secure-" requires secure: true' },
    { name: "__SECURE-id", options: { secure: false }, words: "requires secure: true" },
    {
      name: "__Host-id",
      options: { path: "/" },
      words: 'starting with "__Host-" requires secure: true',
    },
    { name: "__Host-id", options: { secure: true }, words: 'requires path: "/"' },
    { name: "__Host-id", options: { secure: true, path: "/a" }, words: 'requires path: "/"' },
    {
      name: "__Host-id",
      options: { secure: true, path: "/", domain: "example.com" },
      words: 'starting with "__Host-" requires no domain',
    },
    {
      name: "__host-id",
      options: { secure: true },
      words: 'starting with "__host-" requires path',
    },
    {
      name: "__Http-id",
      options: { secure: true },
      words: 'starting with "__Http-" requires httpOnly: true',
    },
    { name: "__Http-id", options: { httpOnly: true }, words: "requires secure: true" },
    {
      name: "__Host-Http-id",
      options: { secure: true, path: "/" },
      words: 'starting with "__Host-Http-" requires httpOnly: true',
    },
    {
      name: "__Host-Http-id",
      options: { secure: true, httpOnly: true },
      words: 'requires path: "/"',
    },
  ] as { name: string; options: CookieOptions; words: string }[])(
    "$name with $options",
    ({ name, options, words }) => {
      expectRefused(() => serializeCookie(name, "v", options), words);
    },
  );

  it("a prefixed name without options", () => {
    expectRefused(() => serializeCookie("__Secure-id", "v"), "requires secure: true");
  });
});

describe("serializeCookie and parseCookies", () => {
  /** The name=value part of a Set-Cookie value, as a browser sends it back in Cookie. */
  const pair = (setCookie: string) => setCookie.split("; ")[0] as string;

  const tchar = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  const token = fc.string({ unit: fc.constantFrom(...tchar), minLength: 1, maxLength: 16 });
  const octets: string[] = [];
  for (let c = 0x21; c <= 0x7e; c++) {
    if (c !== 0x22 && c !== 0x2c && c !== 0x3b && c !== 0x5c) octets.push(String.fromCharCode(c));
  }
  // "%" left out: parseCookies decodes percent-escapes, which the next property covers.
  const cookieValue = fc.string({
    unit: fc.constantFrom(...octets.filter((c) => c !== "%")),
    maxLength: 32,
  });
  const options = fc.record(
    {
      maxAge: fc.integer(),
      path: fc.constantFrom("/", "/a", "/a/b"),
      httpOnly: fc.boolean(),
      sameSite: fc.constantFrom("Strict", "lax"),
    },
    { requiredKeys: [] },
  ) as fc.Arbitrary<CookieOptions>;

  it("reads back any token name and cookie-octet value, quoted or not", () => {
    fc.assert(
      fc.property(token, cookieValue, fc.boolean(), options, (name, value, quoted, opts) => {
        const written = serializeCookie(name, quoted ? `"${value}"` : value, opts);
        expect(written.startsWith(`${name}=`)).toBe(true);
        expect(parseCookies(pair(written)).get(name)).toBe(value);
        expect([...parseCookies(written).keys()][0]).toBe(name);
      }),
      { numRuns: 500 },
    );
  });

  it("reads back any string encoded with encodeURIComponent", () => {
    fc.assert(
      fc.property(token, fc.string({ unit: "grapheme", maxLength: 16 }), (name, text) => {
        const written = serializeCookie(name, encodeURIComponent(text));
        expect(parseCookies(written).get(name)).toBe(text);
      }),
      { numRuns: 500 },
    );
  });
});
