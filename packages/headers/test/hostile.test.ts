// Names that are also Object.prototype members must behave like any other
// header name and never reach the prototype.
import { describe, expect, it } from "vitest";
import { HeaderViews } from "../src/index";

const hostile = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf", "then"];

describe.each(hostile)("header named %s", (name) => {
  const present = new HeaderViews([name, "v1", name.toUpperCase(), "v2"]);
  const absent = new HeaderViews(["Host", "h"]);

  it("is looked up like any name when present", () => {
    expect(present.headers[name]).toEqual(["v1", "v2"]);
    expect(present.headersCsvString[name]).toBe("v1, v2");
    expect(present.headersCsvTable[name]).toEqual(["v1", "v2"]);
    expect(present.headersValue[name]).toBe(false);
    expect(present.headersFlags[name]?.v1).toBe(true);
    expect(Object.keys(present.headers)).toEqual([name.toLowerCase()]);
  });

  it("is absent like any name when absent", () => {
    expect(absent.headers[name]).toEqual([]);
    expect(absent.headersCsvString[name]).toBe("");
    expect(absent.headersValue[name]).toBeUndefined();
    expect(absent.headersFlags[name]?.v1).toBe(false);
    expect(absent.cookies[name]).toBeUndefined();
    expect(name in absent.headers).toBe(false);
  });

  it("is a flag element like any other", () => {
    const views = new HeaderViews(["X", `${name}, b`]);
    expect(views.headersFlags.x?.[name]).toBe(true);
    expect(views.headersFlags.x?.b).toBe(true);
    expect(new HeaderViews(["X", "b"]).headersFlags.x?.[name]).toBe(false);
  });

  it("is a cookie name like any other", () => {
    const views = new HeaderViews(["Cookie", `${name}=evil; b=1`]);
    expect(views.cookies[name]).toBe("evil");
    expect({ ...views.cookies }).toEqual(
      Object.fromEntries([
        [name, "evil"],
        ["b", "1"],
      ]),
    );
  });
});

describe("prototype pollution", () => {
  it("leaves Object.prototype untouched", () => {
    const views = new HeaderViews(["__proto__", "polluted", "Cookie", "__proto__=x; polluted=1"]);
    const proto = "__proto__";
    expect(views.headersValue[proto]).toBe("polluted");
    expect(views.cookies[proto]).toBe("x");
    const copy = { ...views.headers, ...views.cookies };
    expect(Object.hasOwn(copy, proto)).toBe(true);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  it("has no prototype a view could leak", () => {
    const views = new HeaderViews([]);
    expect(Object.getPrototypeOf(views.headers)).toBeNull();
  });
});

describe("huge and odd input", () => {
  it("handles NUL bytes and non-ASCII in values as plain text", () => {
    const views = new HeaderViews(["X", "a\u0000b, \u00ff"]);
    expect(views.headersCsvTable.x).toEqual(["a\u0000b", "\u00ff"]);
  });

  it("indexes 10 000 header lines in one pass", () => {
    const raw: string[] = [];
    for (let i = 0; i < 10_000; i++) raw.push(`X-${i % 100}`, String(i));
    const views = new HeaderViews(raw);
    expect(views.headers["x-7"]).toHaveLength(100);
    expect(Object.keys(views.headers)).toHaveLength(100);
  });

  it("splits a long list without quadratic blow-up", () => {
    const value = "a,".repeat(100_000);
    expect(new HeaderViews(["X", value]).headersCsvTable.x).toHaveLength(100_000);
  });
});
