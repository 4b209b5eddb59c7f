import { describe, expect, it } from "vitest";
import { BodyParserError, getBoundary } from "../src/index";

describe("getBoundary", () => {
  it.each([
    { what: "token", input: "multipart/form-data; boundary=abc", expected: "abc" },
    { what: "quoted", input: 'multipart/form-data; boundary="a b:c"', expected: "a b:c" },
    {
      what: "quoted with escape",
      input: 'multipart/form-data; boundary="a\\"b"',
      expected: "error",
    },
    { what: "any case", input: "Multipart/Form-Data; BOUNDARY=abc", expected: "abc" },
    {
      what: "any order",
      input: "multipart/form-data; charset=utf-8; boundary=xyz",
      expected: "xyz",
    },
    { what: "whitespace", input: "  multipart/form-data ;  boundary=xyz  ", expected: "xyz" },
    {
      what: "browser style",
      input: "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW",
      expected: "----WebKitFormBoundary7MA4YWxkTrZu0gW",
    },
    {
      what: "70 characters",
      input: `multipart/form-data; boundary=${"a".repeat(70)}`,
      expected: "a".repeat(70),
    },
    {
      what: "RFC 2046 specials",
      input: 'multipart/form-data; boundary="\'()+_,-./:=?"',
      expected: "'()+_,-./:=?",
    },
  ])("reads the boundary: $what", ({ input, expected }) => {
    if (expected === "error") expect(() => getBoundary(input)).toThrow(BodyParserError);
    else expect(getBoundary(input)).toBe(expected);
  });

  it.each([
    {
      what: "another media type",
      input: "application/json; boundary=abc",
      code: "MULTIPART_NOT_FORM_DATA",
      status: 415,
    },
    {
      what: "multipart/mixed",
      input: "multipart/mixed; boundary=abc",
      code: "MULTIPART_NOT_FORM_DATA",
      status: 415,
    },
    { what: "empty", input: "", code: "MULTIPART_NOT_FORM_DATA", status: 415 },
    {
      what: "no boundary",
      input: "multipart/form-data",
      code: "MULTIPART_NO_BOUNDARY",
      status: 400,
    },
    {
      what: "empty boundary",
      input: "multipart/form-data; boundary=",
      code: "MULTIPART_NO_BOUNDARY",
      status: 400,
    },
    {
      what: "empty quoted boundary",
      input: 'multipart/form-data; boundary=""',
      code: "MULTIPART_NO_BOUNDARY",
      status: 400,
    },
    {
      what: "boundary twice",
      input: "multipart/form-data; boundary=a; boundary=b",
      code: "MULTIPART_NO_BOUNDARY",
      status: 400,
    },
    {
      what: "71 characters",
      input: `multipart/form-data; boundary=${"a".repeat(71)}`,
      code: "MULTIPART_BOUNDARY_TOO_LONG",
      status: 400,
    },
    {
      what: "ends in a space",
      input: 'multipart/form-data; boundary="ab "',
      code: "MULTIPART_NO_BOUNDARY",
      status: 400,
    },
    {
      what: "unterminated quote",
      input: 'multipart/form-data; boundary="ab',
      code: "MULTIPART_NO_BOUNDARY",
      status: 400,
    },
    {
      what: "parameter without =",
      input: "multipart/form-data; boundary",
      code: "MULTIPART_NO_BOUNDARY",
      status: 400,
    },
    {
      what: "character outside bchars",
      input: "multipart/form-data; boundary=a*b",
      code: "MULTIPART_NO_BOUNDARY",
      status: 400,
    },
    {
      what: "junk after a quoted value",
      input: 'multipart/form-data; boundary="a"b',
      code: "MULTIPART_NO_BOUNDARY",
      status: 400,
    },
  ])("rejects $what", ({ input, code, status }) => {
    expect(() => getBoundary(input)).toThrow(expect.objectContaining({ code, status }));
  });
});

describe("getBoundary with { anySubtype: true }", () => {
  it.each([
    ["multipart/mixed; boundary=abc", "abc"],
    ['Multipart/Related; type="text/html"; boundary="a b:c"', "a b:c"],
    ["multipart/alternative;\tboundary=x", "x"],
    ["multipart/form-data; boundary=f", "f"],
    ["multipart/x-custom+v2; boundary=y", "y"],
  ])("reads the boundary of %s", (input, expected) => {
    expect(getBoundary(input, { anySubtype: true })).toBe(expected);
  });

  it.each([
    ["text/plain; boundary=abc", "MULTIPART_NOT_MULTIPART", 415],
    ["multipart/; boundary=abc", "MULTIPART_NOT_MULTIPART", 415],
    ["multipart; boundary=abc", "MULTIPART_NOT_MULTIPART", 415],
    ["multipart/mi xed; boundary=abc", "MULTIPART_NOT_MULTIPART", 415],
    ["multipart/mixed", "MULTIPART_NO_BOUNDARY", 400],
    [`multipart/mixed; boundary=${"a".repeat(71)}`, "MULTIPART_BOUNDARY_TOO_LONG", 400],
  ])("rejects %s: %s", (input, code, status) => {
    expect(() => getBoundary(input, { anySubtype: true })).toThrow(
      expect.objectContaining({ code, status }),
    );
  });

  it("without it, multipart/mixed is still MULTIPART_NOT_FORM_DATA", () => {
    expect(() => getBoundary("multipart/mixed; boundary=abc", { anySubtype: false })).toThrow(
      expect.objectContaining({ code: "MULTIPART_NOT_FORM_DATA", status: 415 }),
    );
  });

  it.each([
    [{ anySubtype: "yes" }, 'anySubtype must be a boolean, got "yes"'],
    [{ any_subtype: true }, 'unknown option "any_subtype"; did you mean anySubtype?'],
    [{ formData: false }, 'unknown option "formData"; known options: anySubtype'],
    ["mixed", 'options must be an object, got "mixed"'],
  ])("%j is an INVALID_OPTION: %s", (options, message) => {
    expect(() => getBoundary("multipart/mixed; boundary=a", options as never)).toThrow(
      expect.objectContaining({
        code: "INVALID_OPTION",
        status: 500,
        message: `@moonbridge/body-parser: getBoundary: ${message}`,
      }),
    );
  });
});
