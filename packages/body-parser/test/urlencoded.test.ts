// parseUrlencoded and firstValues: every rule of the README's urlencoded
// section, table-driven. Each string case also runs as its UTF-8 bytes, which
// must give the same map; byte-only cases cover what a string cannot hold
// (invalid UTF-8 as sent). Results are compared as entry lists, so the order
// of names and of values is checked too.
import { describe, expect, it } from "vitest";
import { BodyParserError, firstValues, parseUrlencoded } from "../src/index";

type Entries = [string, string[]][];

interface Case {
  what: string;
  input: string;
  expected: Entries;
}

const utf8 = (s: string) => new TextEncoder().encode(s);
const entries = (map: Map<string, string[]>): Entries => [...map];
const FFFD = "\uFFFD";

function runCases(cases: Case[]): void {
  for (const { what, input, expected } of cases) {
    it(`${what} (string)`, () => {
      expect(entries(parseUrlencoded(input))).toEqual(expected);
    });
    it(`${what} (bytes)`, () => {
      expect(entries(parseUrlencoded(utf8(input)))).toEqual(expected);
    });
  }
}

describe("splitting into fields", () => {
  runCases([
    { what: "empty input", input: "", expected: [] },
    { what: "one field", input: "a=1", expected: [["a", ["1"]]] },
    {
      what: "repeated name keeps every value in order",
      input: "a=1&a=2",
      expected: [["a", ["1", "2"]]],
    },
    {
      what: "names keep the order of their first appearance",
      input: "b=1&a=2&b=3",
      expected: [
        ["b", ["1", "3"]],
        ["a", ["2"]],
      ],
    },
    { what: "no `=`: empty value", input: "a", expected: [["a", [""]]] },
    { what: "trailing `=`: empty value", input: "a=", expected: [["a", [""]]] },
    { what: "empty name", input: "=x", expected: [["", ["x"]]] },
    { what: "lone `=`: empty name and value", input: "=", expected: [["", [""]]] },
    { what: "only separators", input: "&&", expected: [] },
    { what: "a single `&`", input: "&", expected: [] },
    {
      what: "empty pieces anywhere are skipped",
      input: "&a=1&&b=2&",
      expected: [
        ["a", ["1"]],
        ["b", ["2"]],
      ],
    },
    { what: "only the first `=` splits", input: "a==b", expected: [["a", ["=b"]]] },
    { what: "later `=` belong to the value", input: "a=b=c", expected: [["a", ["b=c"]]] },
    { what: "`;` is not a separator", input: "a=1;b=2", expected: [["a", ["1;b=2"]]] },
    { what: "a leading `?` is part of the first name", input: "?a=1", expected: [["?a", ["1"]]] },
    {
      what: "escaped separators do not split",
      input: "%26=%3D&x=%26",
      expected: [
        ["&", ["="]],
        ["x", ["&"]],
      ],
    },
    {
      what: "same name with and without `=`",
      input: "a&a=&a=x",
      expected: [["a", ["", "", "x"]]],
    },
    {
      what: "literal spaces and controls kept",
      input: "a b=c\td\0",
      expected: [["a b", ["c\td\0"]]],
    },
  ]);
});

describe("`+` and percent-escapes", () => {
  runCases([
    { what: "`+` alone is a space name", input: "+", expected: [[" ", [""]]] },
    { what: "`+` in name and value", input: "a+b=c+d++", expected: [["a b", ["c d  "]]] },
    { what: "%2B is a plus, not a space", input: "%2B=%2b", expected: [["+", ["+"]]] },
    { what: "%20 is a space", input: "a=%20x", expected: [["a", [" x"]]] },
    { what: "uppercase and lowercase hex", input: "a=%4a%4A", expected: [["a", ["JJ"]]] },
    { what: "consecutive escapes", input: "%41%42=%43", expected: [["AB", ["C"]]] },
    { what: "%00 is NUL", input: "a=%00", expected: [["a", ["\0"]]] },
    { what: "%zz kept literally", input: "%zz", expected: [["%zz", [""]]] },
    { what: "lone `%` at the end", input: "a=%", expected: [["a", ["%"]]] },
    { what: "`%` and one hex digit at the end", input: "a=%4", expected: [["a", ["%4"]]] },
    { what: "`%` cut by `=`", input: "%4=x", expected: [["%4", ["x"]]] },
    {
      what: "`%` cut by `&`",
      input: "a=%4&b=%",
      expected: [
        ["a", ["%4"]],
        ["b", ["%"]],
      ],
    },
    { what: "first hex digit bad", input: "a=%G1", expected: [["a", ["%G1"]]] },
    { what: "second hex digit bad", input: "a=%1G", expected: [["a", ["%1G"]]] },
    { what: "`%%41`: the first `%` literal", input: "a=%%41", expected: [["a", ["%A"]]] },
    { what: "`%+`: not hex, `+` still a space", input: "a=%+1", expected: [["a", ["% 1"]]] },
    { what: "non-ASCII after `%` is not hex", input: "a=%\u00e9", expected: [["a", ["%\u00e9"]]] },
    {
      what: "fullwidth digits are not hex",
      input: "a=%\uff11\uff11",
      expected: [["a", ["%\uff11\uff11"]]],
    },
  ]);
});

describe("UTF-8 decoding of escapes", () => {
  runCases([
    { what: "two-byte character", input: "a=caf%C3%A9", expected: [["a", ["caf\u00e9"]]] },
    { what: "three-byte character", input: "a=%E2%82%AC", expected: [["a", ["\u20ac"]]] },
    { what: "four-byte character", input: "a=%F0%9F%98%80", expected: [["a", ["\u{1f600}"]]] },
    { what: "escaped name", input: "%C3%A9=1", expected: [["\u00e9", ["1"]]] },
    { what: "truncated sequence", input: "a=%E2%82", expected: [["a", [FFFD]]] },
    { what: "truncated sequence then ASCII", input: "a=%E2%82x", expected: [["a", [`${FFFD}x`]]] },
    { what: "truncated four-byte sequence", input: "a=%F0%9F%98", expected: [["a", [FFFD]]] },
    { what: "overlong encoding of `/`", input: "a=%C0%AF", expected: [["a", [FFFD + FFFD]]] },
    { what: "encoded surrogate", input: "a=%ED%A0%80", expected: [["a", [FFFD + FFFD + FFFD]]] },
    { what: "above U+10FFFF", input: "a=%F4%90%80%80", expected: [["a", [FFFD.repeat(4)]]] },
    { what: "lone continuation byte", input: "a=%80", expected: [["a", [FFFD]]] },
    { what: "byte 0xFF", input: "a=%FF", expected: [["a", [FFFD]]] },
    { what: "escaped BOM is kept", input: "%EF%BB%BFa=1", expected: [["\ufeffa", ["1"]]] },
    { what: "literal BOM is kept", input: "\ufeffa=1", expected: [["\ufeffa", ["1"]]] },
    {
      what: "sequence does not continue across `&`",
      input: "a=%C3&b=%A9",
      expected: [
        ["a", [FFFD]],
        ["b", [FFFD]],
      ],
    },
    { what: "sequence does not continue across `=`", input: "%C3=%A9", expected: [[FFFD, [FFFD]]] },
  ]);
});

describe("literal characters in string input", () => {
  runCases([
    {
      what: "non-ASCII kept",
      input: "\u00e9=\u00fc\u20ac",
      expected: [["\u00e9", ["\u00fc\u20ac"]]],
    },
    {
      what: "surrogate pair kept",
      input: "\u{1f600}=\u{1f600}",
      expected: [["\u{1f600}", ["\u{1f600}"]]],
    },
    { what: "lone high surrogate", input: "a=\ud800b", expected: [["a", [`${FFFD}b`]]] },
    { what: "lone low surrogate as name", input: "\udc00=1", expected: [[FFFD, ["1"]]] },
    {
      what: "reversed pair is two lone surrogates",
      input: "a=\udc00\ud800",
      expected: [["a", [FFFD + FFFD]]],
    },
    { what: "high surrogate at the end", input: "a=x\ud83d", expected: [["a", [`x${FFFD}`]]] },
    {
      what: "high surrogate before `&`",
      input: "a=\ud83d&b",
      expected: [
        ["a", [FFFD]],
        ["b", [""]],
      ],
    },
    { what: "high surrogate before `=`", input: "\ud83d=\ude00", expected: [[FFFD, [FFFD]]] },
    {
      what: "unfinished escape then literal character",
      input: "a=%C3\u00a9",
      expected: [["a", [`${FFFD}\u00a9`]]],
    },
    {
      what: "literal character then stray continuation escape",
      input: "a=\u00e9%A9",
      expected: [["a", [`\u00e9${FFFD}`]]],
    },
    {
      what: "unfinished escape then literal surrogate pair",
      input: "a=%F0%9F%98\u{1f600}",
      expected: [["a", [`${FFFD}\u{1f600}`]]],
    },
    {
      what: "escape, `+` and literal together",
      input: "a=%C3%A9+\u00e9+%41",
      expected: [["a", ["\u00e9 \u00e9 A"]]],
    },
  ]);
});

describe("names that are special elsewhere", () => {
  runCases([
    {
      what: "__proto__, constructor, toString, hasOwnProperty",
      input: "__proto__=1&constructor=2&toString=3&hasOwnProperty=4&__proto__=5",
      expected: [
        ["__proto__", ["1", "5"]],
        ["constructor", ["2"]],
        ["toString", ["3"]],
        ["hasOwnProperty", ["4"]],
      ],
    },
    { what: "escaped __proto__", input: "%5F_proto__=x", expected: [["__proto__", ["x"]]] },
    { what: "__proto__ without a value", input: "__proto__", expected: [["__proto__", [""]]] },
  ]);

  it("leaves Object.prototype alone", () => {
    const map = parseUrlencoded("__proto__=polluted&constructor=x&__proto__[polluted]=1");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(map)).toBe(Map.prototype);
    expect(map.get("__proto__")).toEqual(["polluted"]);
  });
});

describe("byte input", () => {
  const cases: { what: string; bytes: number[]; expected: Entries }[] = [
    { what: "invalid UTF-8 byte in a name", bytes: [0xff, 0x3d, 0x31], expected: [[FFFD, ["1"]]] },
    {
      what: "literal two-byte character",
      bytes: [0x61, 0x3d, 0xc3, 0xa9],
      expected: [["a", ["\u00e9"]]],
    },
    { what: "truncated literal sequence", bytes: [0x61, 0x3d, 0xc3], expected: [["a", [FFFD]]] },
    {
      what: "literal lead byte, escaped continuation",
      bytes: [0x61, 0x3d, 0xc3, 0x25, 0x41, 0x39],
      expected: [["a", ["\u00e9"]]],
    },
    {
      what: "literal lead byte then escaped ASCII",
      bytes: [0x61, 0x3d, 0xc3, 0x25, 0x34, 0x31],
      expected: [["a", [`${FFFD}A`]]],
    },
    { what: "literal BOM is kept", bytes: [0xef, 0xbb, 0xbf, 0x61], expected: [["\ufeffa", [""]]] },
    {
      what: "encoded surrogate as sent",
      bytes: [0x61, 0x3d, 0xed, 0xa0, 0x80],
      expected: [["a", [FFFD.repeat(3)]]],
    },
    {
      what: "invalid byte between separators",
      bytes: [0x26, 0x80, 0x26],
      expected: [[FFFD, [""]]],
    },
    { what: "NUL bytes", bytes: [0x00, 0x3d, 0x00], expected: [["\0", ["\0"]]] },
  ];
  for (const { what, bytes, expected } of cases) {
    it(what, () => {
      expect(entries(parseUrlencoded(Uint8Array.from(bytes)))).toEqual(expected);
    });
  }

  it("reads only the view it is given", () => {
    const whole = utf8("x=0&a=1&b=2&y=9");
    const view = whole.subarray(4, 11);
    expect(entries(parseUrlencoded(view))).toEqual([
      ["a", ["1"]],
      ["b", ["2"]],
    ]);
  });

  it("takes a Buffer", () => {
    const buffer = Buffer.from("zz&name=caf%C3%A9+au+lait&x").subarray(3);
    expect(entries(parseUrlencoded(buffer))).toEqual([
      ["name", ["caf\u00e9 au lait"]],
      ["x", [""]],
    ]);
  });
});

describe("long names and values", () => {
  // Lengths around the decoder's internal thresholds (short strings, cached
  // views, kept scratch), then a short piece again to see nothing leaks.
  for (const length of [23, 24, 25, 100, 511, 512, 513, 5000, 70000]) {
    const plain = "x".repeat(length);
    const escaped = "%C3%A9+".repeat(Math.ceil(length / 7));
    const decoded = "\u00e9 ".repeat(Math.ceil(length / 7));
    const nonAscii = "\u00e9\u{1f600}".repeat(Math.ceil(length / 3));
    const input = `a=${plain}&b=${escaped}&c=${nonAscii}&${plain}=1&d=%41+`;
    const expected: Entries = [
      ["a", [plain]],
      ["b", [decoded]],
      ["c", [nonAscii]],
      [plain, ["1"]],
      ["d", ["A "]],
    ];
    const limits = { maxNameLength: 1 << 20 };
    it(`${length} characters (string)`, () => {
      expect(entries(parseUrlencoded(input, limits))).toEqual(expected);
    });
    it(`${length} characters (bytes)`, () => {
      expect(entries(parseUrlencoded(utf8(input), limits))).toEqual(expected);
    });
  }
});

describe("input type", () => {
  for (const input of [123, null, undefined, new ArrayBuffer(3), [0x61], new Uint16Array(2)]) {
    it(`rejects ${Object.prototype.toString.call(input)}: INVALID_ARGUMENT, status 500`, () => {
      expect(() => parseUrlencoded(input as never)).toThrow(BodyParserError);
      expect(() => parseUrlencoded(input as never)).toThrow(
        expect.objectContaining({ code: "INVALID_ARGUMENT", status: 500 }),
      );
    });
  }
});

describe("firstValues", () => {
  it("keeps the first value of each name, in order", () => {
    const map = parseUrlencoded("b=1&a=2&b=3&c&a=4");
    expect([...firstValues(map)]).toEqual([
      ["b", "1"],
      ["a", "2"],
      ["c", ""],
    ]);
  });

  it("handles hostile names like any other", () => {
    const first = firstValues(parseUrlencoded("__proto__=x&constructor=y&__proto__=z"));
    expect([...first]).toEqual([
      ["__proto__", "x"],
      ["constructor", "y"],
    ]);
  });

  it("is empty for an empty map and leaves out names without values", () => {
    expect(firstValues(new Map()).size).toBe(0);
    expect([
      ...firstValues(
        new Map([
          ["a", []],
          ["b", ["1", "2"]],
        ]),
      ),
    ]).toEqual([["b", "1"]]);
  });

  it("returns a new map and leaves its argument alone", () => {
    const map = parseUrlencoded("a=1&a=2");
    const first = firstValues(map);
    expect(first).not.toBe(map);
    expect(map.get("a")).toEqual(["1", "2"]);
  });
});
