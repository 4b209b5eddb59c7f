// parseUrlencoded's limits: maxFields, maxNameLength and maxValueLength, each
// exactly at the limit and one over, for string and byte input alike (a
// string counts the bytes of its UTF-8 encoding, before percent-decoding);
// the defaults; and the validation of the limits object.
import { describe, expect, it } from "vitest";
import { BodyParserError, type BodyParserErrorCode, parseUrlencoded } from "../src/index";
import type { UrlencodedLimits } from "../src/types";

interface Case {
  what: string;
  input: string;
  limits: UrlencodedLimits;
  /** The error code, or the count of names when the input is within the limits. */
  expected: BodyParserErrorCode | { names: number };
}

const utf8 = (s: string) => new TextEncoder().encode(s);
const ok = (names: number) => ({ names });
const FIELDS = "URLENCODED_TOO_MANY_FIELDS";
const NAME = "URLENCODED_NAME_TOO_LONG";
const VALUE = "URLENCODED_VALUE_TOO_LONG";

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

function runCases(cases: Case[]): void {
  for (const { what, input, limits, expected } of cases) {
    for (const [kind, value] of [
      ["string", input],
      ["bytes", utf8(input)],
    ] as const) {
      it(`${what} (${kind})`, () => {
        if (typeof expected === "object") {
          expect(parseUrlencoded(value, limits).size).toBe(expected.names);
          return;
        }
        const error = caught(() => parseUrlencoded(value, limits));
        expect(error).toBeInstanceOf(BodyParserError);
        expect(error).toMatchObject({ name: "BodyParserError", code: expected, status: 413 });
      });
    }
  }
}

describe("maxFields", () => {
  runCases([
    {
      what: "exactly at the limit",
      input: "a=1&b=2&c=3",
      limits: { maxFields: 3 },
      expected: ok(3),
    },
    { what: "one over", input: "a=1&b=2&c=3&d", limits: { maxFields: 3 }, expected: FIELDS },
    {
      what: "repeated names count each time",
      input: "a&a&a&a",
      limits: { maxFields: 3 },
      expected: FIELDS,
    },
    {
      what: "empty pieces do not count",
      input: "&&a&&b&&c&&",
      limits: { maxFields: 3 },
      expected: ok(3),
    },
    { what: "a lone `=` counts", input: "a&b&c&=", limits: { maxFields: 3 }, expected: FIELDS },
    { what: "zero allows empty input", input: "", limits: { maxFields: 0 }, expected: ok(0) },
    {
      what: "zero allows only separators",
      input: "&&&",
      limits: { maxFields: 0 },
      expected: ok(0),
    },
    { what: "zero rejects one field", input: "a", limits: { maxFields: 0 }, expected: FIELDS },
  ]);
});

describe("maxNameLength (bytes as sent)", () => {
  runCases([
    {
      what: "exactly at the limit",
      input: "abcd=1",
      limits: { maxNameLength: 4 },
      expected: ok(1),
    },
    { what: "one over", input: "abcde=1", limits: { maxNameLength: 4 }, expected: NAME },
    {
      what: "a name without `=`, at the limit",
      input: "abcd",
      limits: { maxNameLength: 4 },
      expected: ok(1),
    },
    {
      what: "a name without `=`, one over",
      input: "abcde",
      limits: { maxNameLength: 4 },
      expected: NAME,
    },
    {
      what: "an escape counts 3 bytes, at the limit",
      input: "%41%42=1",
      limits: { maxNameLength: 6 },
      expected: ok(1),
    },
    {
      what: "an escape counts 3 bytes, one over",
      input: "%41%42=1",
      limits: { maxNameLength: 5 },
      expected: NAME,
    },
    { what: "`+` counts 1 byte", input: "a+b=1", limits: { maxNameLength: 3 }, expected: ok(1) },
    {
      what: "two-byte character, at the limit",
      input: "\u00e9\u00e9=1",
      limits: { maxNameLength: 4 },
      expected: ok(1),
    },
    {
      what: "two-byte character, one over",
      input: "\u00e9\u00e9=1",
      limits: { maxNameLength: 3 },
      expected: NAME,
    },
    {
      what: "three-byte character, at the limit",
      input: "\u20ac=1",
      limits: { maxNameLength: 3 },
      expected: ok(1),
    },
    {
      what: "three-byte character, one over",
      input: "\u20ac=1",
      limits: { maxNameLength: 2 },
      expected: NAME,
    },
    {
      what: "surrogate pair is 4 bytes, at the limit",
      input: "\u{1f600}=1",
      limits: { maxNameLength: 4 },
      expected: ok(1),
    },
    {
      what: "surrogate pair is 4 bytes, one over",
      input: "\u{1f600}=1",
      limits: { maxNameLength: 3 },
      expected: NAME,
    },
    {
      what: "lone surrogate is 3 bytes, at the limit",
      input: "\ud800=1",
      limits: { maxNameLength: 3 },
      expected: ok(1),
    },
    {
      what: "lone surrogate is 3 bytes, one over",
      input: "\ud800=1",
      limits: { maxNameLength: 2 },
      expected: NAME,
    },
    {
      what: "the value does not count",
      input: "a=12345678",
      limits: { maxNameLength: 1 },
      expected: ok(1),
    },
    {
      what: "zero allows only empty names",
      input: "=1&=2",
      limits: { maxNameLength: 0 },
      expected: ok(1),
    },
    { what: "zero rejects a name", input: "=1&a=2", limits: { maxNameLength: 0 }, expected: NAME },
  ]);
});

describe("maxValueLength (bytes as sent)", () => {
  runCases([
    {
      what: "exactly at the limit",
      input: "a=1234",
      limits: { maxValueLength: 4 },
      expected: ok(1),
    },
    { what: "one over", input: "a=12345", limits: { maxValueLength: 4 }, expected: VALUE },
    { what: "further `=` count", input: "a==bc", limits: { maxValueLength: 2 }, expected: VALUE },
    {
      what: "an escape counts 3 bytes",
      input: "a=%41",
      limits: { maxValueLength: 2 },
      expected: VALUE,
    },
    {
      what: "an escape at the limit",
      input: "a=%41",
      limits: { maxValueLength: 3 },
      expected: ok(1),
    },
    {
      what: "non-ASCII at the limit",
      input: "a=\u00e9\u{1f600}",
      limits: { maxValueLength: 6 },
      expected: ok(1),
    },
    {
      what: "escape then non-ASCII, at the limit",
      input: "a=%41\u00e9\u00e9",
      limits: { maxValueLength: 7 },
      expected: ok(1),
    },
    {
      what: "escape then non-ASCII, one over",
      input: "a=%41\u00e9\u00e9",
      limits: { maxValueLength: 6 },
      expected: VALUE,
    },
    {
      what: "non-ASCII one over",
      input: "a=\u00e9\u{1f600}",
      limits: { maxValueLength: 5 },
      expected: VALUE,
    },
    {
      what: "the name does not count",
      input: "abcdefgh=1",
      limits: { maxValueLength: 1 },
      expected: ok(1),
    },
    {
      what: "zero allows empty values",
      input: "a&b=&c",
      limits: { maxValueLength: 0 },
      expected: ok(3),
    },
    {
      what: "zero rejects a value",
      input: "a&b=1",
      limits: { maxValueLength: 0 },
      expected: VALUE,
    },
    {
      what: "each value on its own",
      input: "a=123&a=456",
      limits: { maxValueLength: 3 },
      expected: ok(1),
    },
  ]);
});

describe("which limit is reported", () => {
  runCases([
    {
      what: "the first breach in input order wins",
      input: "a=123456&bbbbbbbb=1",
      limits: { maxNameLength: 4, maxValueLength: 4 },
      expected: VALUE,
    },
    {
      what: "a field's name before its value",
      input: "bbbbbbbb=123456",
      limits: { maxNameLength: 4, maxValueLength: 4 },
      expected: NAME,
    },
    {
      what: "the field count before the lengths of the extra field",
      input: "a&bbbbbbbb=123456",
      limits: { maxFields: 1, maxNameLength: 4 },
      expected: FIELDS,
    },
  ]);
});

describe("defaults", () => {
  runCases([
    { what: "1000 fields", input: "a&".repeat(1000), limits: {}, expected: ok(1) },
    { what: "1001 fields", input: "a&".repeat(1001), limits: {}, expected: FIELDS },
    { what: "1 KiB name", input: `${"n".repeat(1024)}=1`, limits: {}, expected: ok(1) },
    { what: "1 KiB + 1 name", input: `${"n".repeat(1025)}=1`, limits: {}, expected: NAME },
    { what: "1 MiB value", input: `a=${"v".repeat(1 << 20)}`, limits: {}, expected: ok(1) },
    {
      what: "1 MiB + 1 value",
      input: `a=${"v".repeat((1 << 20) + 1)}`,
      limits: {},
      expected: VALUE,
    },
  ]);

  it("apply without a limits object", () => {
    expect(parseUrlencoded("a&".repeat(1000)).get("a")).toHaveLength(1000);
    expect(() => parseUrlencoded("a&".repeat(1001))).toThrow(BodyParserError);
  });

  it("apply to options left out or undefined", () => {
    expect(() => parseUrlencoded("a&".repeat(1001), { maxFields: undefined } as never)).toThrow(
      BodyParserError,
    );
    expect(() => parseUrlencoded("n".repeat(1025), { maxFields: 5 })).toThrow(BodyParserError);
  });
});

describe("error messages", () => {
  it("name the limit and never echo the input", () => {
    const secret = "s3cr3t-name";
    const error = caught(() => parseUrlencoded(`${secret}=1`, { maxNameLength: 3 })) as Error;
    expect(error.message).toContain("maxNameLength");
    expect(error.message).not.toContain(secret);
    const value = caught(() => parseUrlencoded(`a=${secret}`, { maxValueLength: 3 })) as Error;
    expect(value.message).toContain("maxValueLength");
    expect(value.message).not.toContain(secret);
    const fields = caught(() => parseUrlencoded(`${secret}&b`, { maxFields: 1 })) as Error;
    expect(fields.message).toContain("maxFields");
    expect(fields.message).not.toContain(secret);
  });
});

describe("validation of limits", () => {
  const names = ["maxFields", "maxNameLength", "maxValueLength"] as const;
  const bad: unknown[] = [-1, Number.NaN, 1.5, Number.POSITIVE_INFINITY, "10", null, 2 ** 53];
  /** The BodyParserError INVALID_OPTION (status 500) that `run` throws. */
  function invalidOption(run: () => unknown): BodyParserError {
    const error = caught(run);
    expect(error).toBeInstanceOf(BodyParserError);
    expect(error).toMatchObject({ code: "INVALID_OPTION", status: 500 });
    return error as BodyParserError;
  }
  for (const name of names) {
    for (const value of bad) {
      it(`${name}: ${String(value)} is an INVALID_OPTION naming the package, the limit and the value`, () => {
        const error = invalidOption(() =>
          parseUrlencoded("a=1", { [name]: value } as UrlencodedLimits),
        );
        expect(error.message).toContain("@moonbridge/body-parser: parseUrlencoded: ");
        expect(error.message).toContain(`${name} must be an integer >= 0`);
        expect(error.message).toContain(`got ${typeof value === "string" ? `"${value}"` : value}`);
      });
    }
    it(`${name}: checked even for empty input`, () => {
      invalidOption(() => parseUrlencoded("", { [name]: -1 } as UrlencodedLimits));
    });
  }

  for (const limits of [null, 5, "x"]) {
    it(`limits ${String(limits)} is an INVALID_OPTION`, () => {
      const error = invalidOption(() => parseUrlencoded("a", limits as never));
      expect(error.message).toMatch(/limits must be an object, got/);
    });
  }

  it("accepts the largest safe integer", () => {
    const limits = {
      maxFields: Number.MAX_SAFE_INTEGER,
      maxNameLength: Number.MAX_SAFE_INTEGER,
      maxValueLength: Number.MAX_SAFE_INTEGER,
    };
    expect(parseUrlencoded("a=1", limits).get("a")).toEqual(["1"]);
  });

  it("does not change the limits object", () => {
    const limits = Object.freeze({ maxFields: 2 });
    expect(parseUrlencoded("a&b", limits).size).toBe(2);
    expect(limits).toEqual({ maxFields: 2 });
  });

  it.each([
    {
      what: "an unknown key",
      key: "fields",
      hint: "; known options: maxFields, maxNameLength, maxValueLength",
    },
    { what: "a snake_case key", key: "max_fields", hint: "; did you mean maxFields?" },
    { what: "a kebab-case key", key: "max-name-length", hint: "; did you mean maxNameLength?" },
    { what: "another case", key: "MaxValueLength", hint: "; did you mean maxValueLength?" },
    { what: "a near miss", key: "maxFeilds", hint: "; did you mean maxFields?" },
    {
      what: "busboy's name",
      key: "fieldSize",
      hint: "; known options: maxFields, maxNameLength, maxValueLength",
    },
  ])("$what is an INVALID_OPTION ($key)", ({ key, hint }) => {
    const error = invalidOption(() => parseUrlencoded("a", { [key]: 1 } as UrlencodedLimits));
    expect(error.message).toBe(
      `@moonbridge/body-parser: parseUrlencoded: unknown option ${JSON.stringify(key)}${hint}`,
    );
  });

  it("a __proto__ key (as JSON.parse makes one) is unknown, not an inherited limit", () => {
    const limits = JSON.parse('{"__proto__": {"maxFields": 1}}') as UrlencodedLimits;
    const error = invalidOption(() => parseUrlencoded("a&b", limits));
    expect(error.message).toMatch(/unknown option "__proto__"; known options/);
  });
});
