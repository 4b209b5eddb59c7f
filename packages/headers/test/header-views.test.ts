import { describe, expect, it } from "vitest";
import { HeadersError, HeaderViews } from "../src/index";

const raw = [
  "Host",
  "example.com",
  "Accept",
  "text/html, application/json;q=0.9",
  "accept",
  "image/png,, ,*/*",
  "X-Quoted",
  '"a, b", c, "d \\" , e"',
  "User-Agent",
  "Mozilla/5.0 (X11; Linux x86_64), like Gecko",
  "Connection",
  "Keep-Alive, Upgrade",
  "X-Empty",
  "",
];

describe("headers", () => {
  const views = new HeaderViews(raw);
  it.each([
    { what: "one line, exact case", name: "Host", expected: ["example.com"] },
    { what: "one line, other case", name: "HOST", expected: ["example.com"] },
    {
      what: "repeated mixed-case names, in order",
      name: "ACCEPT",
      expected: ["text/html, application/json;q=0.9", "image/png,, ,*/*"],
    },
    { what: "empty value", name: "x-empty", expected: [""] },
    { what: "absent name", name: "x-missing", expected: [] },
  ])("$what", ({ name, expected }) => {
    expect(views.headers[name]).toEqual(expected);
  });

  it("returns frozen lists", () => {
    expect(Object.isFrozen(views.headers.accept)).toBe(true);
    expect(Object.isFrozen(views.headers.absent)).toBe(true);
  });
});

describe("headersCsvString", () => {
  const views = new HeaderViews(raw);
  it.each([
    { what: "one line", name: "host", expected: "example.com" },
    {
      what: "lines joined with comma and space",
      name: "Accept",
      expected: "text/html, application/json;q=0.9, image/png,, ,*/*",
    },
    { what: "absent name", name: "nope", expected: "" },
  ])("$what", ({ name, expected }) => {
    expect(views.headersCsvString[name]).toBe(expected);
  });
});

describe("headersCsvTable", () => {
  const views = new HeaderViews(raw);
  it.each([
    {
      what: "elements of every line, empty ones dropped",
      name: "accept",
      expected: ["text/html", "application/json;q=0.9", "image/png", "*/*"],
    },
    {
      what: "commas in quoted strings do not split, escapes respected",
      name: "x-quoted",
      expected: ['"a, b"', "c", '"d \\" , e"'],
    },
    { what: "empty value has no elements", name: "x-empty", expected: [] },
    { what: "absent name", name: "nope", expected: [] },
  ])("$what", ({ name, expected }) => {
    expect(views.headersCsvTable[name]).toEqual(expected);
  });

  it("trims spaces and tabs only", () => {
    const views = new HeaderViews(["X", "\t a \t,\u00a0b\u00a0"]);
    expect(views.headersCsvTable.x).toEqual(["a", "\u00a0b\u00a0"]);
  });

  it("runs an unclosed quote to the end of the value", () => {
    const views = new HeaderViews(["X", 'a, "b, c']);
    expect(views.headersCsvTable.x).toEqual(["a", '"b, c']);
  });
});

describe("headersFlags", () => {
  const views = new HeaderViews(raw);
  it("tests membership case-insensitively on both sides", () => {
    expect(views.headersFlags.connection?.["keep-alive"]).toBe(true);
    expect(views.headersFlags.Connection?.["KEEP-ALIVE"]).toBe(true);
    expect(views.headersFlags.CONNECTION?.upgrade).toBe(true);
    expect(views.headersFlags.connection?.close).toBe(false);
  });
  it("is false for every element of an absent header", () => {
    expect(views.headersFlags["x-missing"]?.anything).toBe(false);
    expect([...(views.headersFlags["x-missing"] ?? [0])]).toEqual([]);
  });
  it("iterates the lowercased elements", () => {
    expect([...(views.headersFlags.connection ?? [0])]).toEqual([
      ["keep-alive", true],
      ["upgrade", true],
    ]);
  });
});

describe("headersValue", () => {
  const views = new HeaderViews(raw);
  it.each([
    { what: "exactly one line", name: "Host", expected: "example.com" },
    {
      what: "one line with commas is still one value",
      name: "user-agent",
      expected: "Mozilla/5.0 (X11; Linux x86_64), like Gecko",
    },
    { what: "several lines", name: "accept", expected: false },
    { what: "one empty line", name: "x-empty", expected: "" },
    { what: "absent name", name: "nope", expected: undefined },
  ])("$what", ({ name, expected }) => {
    expect(views.headersValue[name]).toBe(expected);
  });
});

describe("views as tables", () => {
  const views = new HeaderViews(["B", "1", "a", "2", "b", "3"]);
  it("iterate [lowercased name, value] in order of first appearance", () => {
    expect([...views.headers]).toEqual([
      ["b", ["1", "3"]],
      ["a", ["2"]],
    ]);
    expect([...views.headersValue]).toEqual([
      ["b", false],
      ["a", "2"],
    ]);
  });
  it("list present names as keys, answer `in` case-insensitively", () => {
    expect(Object.keys(views.headersCsvString)).toEqual(["b", "a"]);
    expect("A" in views.headers).toBe(true);
    expect("c" in views.headers).toBe(false);
    expect(JSON.stringify(views.headersCsvString)).toBe('{"b":"1, 3","a":"2"}');
  });
  it("are read-only", () => {
    expect(() => {
      (views.headers as Record<string, unknown>).a = ["x"];
    }).toThrow(TypeError);
    expect(() => {
      delete (views.headers as Record<string, unknown>).a;
    }).toThrow(TypeError);
    expect(views.headers.a).toEqual(["2"]);
  });
  it("convert to a string without throwing", () => {
    expect(String(views.headersValue)).toBe("[object headersValue]");
  });
  it("folds ASCII case only (a Kelvin sign is not a k)", () => {
    const kv = new HeaderViews(["keep", "1"]);
    expect(kv.headersValue["\u212Aeep"]).toBeUndefined();
    expect(kv.headersValue.KEEP).toBe("1");
  });
});

describe("laziness and caching", () => {
  it("does no work at construction: bad entries surface on first lookup", () => {
    const views = new HeaderViews([1 as unknown as string, "x"]);
    expect(() => views.headers.host).toThrow(HeadersError);
  });
  it("returns the same object for repeated lookups in any case", () => {
    const views = new HeaderViews(["A", "1, 2"]);
    expect(views.headersCsvTable.a).toBe(views.headersCsvTable.A);
    expect(views.headersFlags.a).toBe(views.headersFlags.A);
    expect(views.headers).toBe(views.headers);
  });
  it("rejects a list that is not a flat array of even length", () => {
    expect(() => new HeaderViews(["Host"])).toThrow(
      expect.objectContaining({ code: "HEADERS_INVALID_LIST" }),
    );
    expect(() => new HeaderViews("Host: x" as unknown as string[])).toThrow(HeadersError);
  });
});
