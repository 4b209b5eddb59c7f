import { describe, expect, it } from "vitest";
import { HeaderViews, parseCookies } from "../src/index";

describe("parseCookies", () => {
  it.each([
    { what: "simple pairs", input: "a=1; b=2", expected: { a: "1", b: "2" } },
    { what: "no space after ;", input: "a=1;b=2", expected: { a: "1", b: "2" } },
    {
      what: "whitespace around names and values",
      input: " a = 1 ;\tb=2\t",
      expected: { a: "1", b: "2" },
    },
    { what: "quoted value is unquoted", input: 'a="hello world"', expected: { a: "hello world" } },
    { what: "lone quote is kept", input: 'a="x', expected: { a: '"x' } },
    { what: "value with =", input: "a=b=c", expected: { a: "b=c" } },
    { what: "empty value", input: "a=; b=1", expected: { a: "", b: "1" } },
    { what: "pair without = skipped", input: "flag; a=1", expected: { a: "1" } },
    { what: "empty name skipped", input: "=x; a=1", expected: { a: "1" } },
    { what: "empty pairs skipped", input: ";; a=1 ;;", expected: { a: "1" } },
    { what: "first occurrence wins", input: "a=1; a=2", expected: { a: "1" } },
    { what: "names are case-sensitive", input: "A=1; a=2", expected: { A: "1", a: "2" } },
    { what: "percent-escapes decoded", input: "a=%E2%82%AC%20x", expected: { a: "€ x" } },
    { what: "invalid UTF-8 escape kept", input: "a=%FF%E2%82%AC", expected: { a: "%FF€" } },
    { what: "truncated sequence kept", input: "a=%E2%82", expected: { a: "%E2%82" } },
    { what: "overlong encoding kept", input: "a=%C0%AF", expected: { a: "%C0%AF" } },
    { what: "encoded surrogate kept", input: "a=%ED%A0%80", expected: { a: "%ED%A0%80" } },
    { what: "malformed escapes kept", input: "a=%zz%4%", expected: { a: "%zz%4%" } },
    { what: "escape inside quotes decoded", input: 'a="%41"', expected: { a: "A" } },
  ])("$what", ({ input, expected }) => {
    expect(Object.fromEntries(parseCookies(input))).toEqual(expected);
  });

  it("reads every line, first occurrence across lines wins", () => {
    expect(Object.fromEntries(parseCookies(["a=1; b=2", "b=3; c=4"]))).toEqual({
      a: "1",
      b: "2",
      c: "4",
    });
  });

  it("stays linear on hostile input", () => {
    const line = `${"x;".repeat(200_000)}a=1`;
    expect(parseCookies(line).get("a")).toBe("1");
  });
});

describe("HeaderViews.cookies", () => {
  it("reads every Cookie line, any case of the header name", () => {
    const views = new HeaderViews(["cookie", "sid=abc", "COOKIE", "sid=zzz; theme=dark"]);
    expect(views.cookies.sid).toBe("abc");
    expect(views.cookies.theme).toBe("dark");
    expect(views.cookies.SID).toBeUndefined();
    expect([...views.cookies]).toEqual([
      ["sid", "abc"],
      ["theme", "dark"],
    ]);
  });
  it("is empty without a Cookie header", () => {
    expect(Object.keys(new HeaderViews(["Host", "x"]).cookies)).toEqual([]);
  });
});
