import { describe, expect, it } from "vitest";
import { headerLine } from "../src/internal/header-line";
import { CHUNKED, NO_FRAMING, responseHead } from "../src/internal/response-head";

const TYPE = "Content-Type: text/plain\r\n";

describe("the response head", () => {
  it("is made from every part, and a repeat of all of them gives the same text", () => {
    const first = responseHead("200 OK", "Server: t\r\n", "Date: x\r\n", TYPE, 13, "");
    expect(first).toBe(
      "HTTP/1.1 200 OK\r\nServer: t\r\nDate: x\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\n",
    );
    expect(responseHead("200 OK", "Server: t\r\n", "Date: x\r\n", TYPE, 13, "")).toBe(first);
  });

  it("follows a change of any one part (nothing stale from the last head)", () => {
    const parts: [string, string, string, string, number, string] = [
      "200 OK",
      "",
      "Date: a\r\n",
      TYPE,
      5,
      "",
    ];
    const head = (changed: Partial<Record<number, string | number>>) => {
      const args = parts.map((part, i) => changed[i] ?? part) as typeof parts;
      responseHead(...parts); // the last head is the unchanged one
      return responseHead(...args);
    };
    expect(head({ 0: "404 Not Found" })).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);
    expect(head({ 1: "X-Static: 1\r\n" })).toContain("\r\nX-Static: 1\r\n");
    expect(head({ 2: "Date: b\r\n" })).toContain("\r\nDate: b\r\n");
    expect(head({ 3: "Content-Type: text/html\r\n" })).toContain("text/html");
    expect(head({ 4: 6 })).toContain("Content-Length: 6\r\n");
    expect(head({ 4: 0 })).toContain("Content-Length: 0\r\n");
    expect(head({ 4: CHUNKED })).toContain("Transfer-Encoding: chunked\r\n");
    expect(head({ 4: NO_FRAMING })).not.toMatch(/Content-Length|Transfer-Encoding/);
    expect(head({ 5: "Connection: close\r\n" })).toMatch(/Connection: close\r\n\r\n$/);
  });
});

describe("a header line", () => {
  it("is the name and value as sent, for a repeat and after a change", () => {
    expect(headerLine("Content-Type", "text/plain")).toBe(TYPE);
    expect(headerLine("Content-Type", "text/plain")).toBe(TYPE);
    expect(headerLine("Content-Type", "text/html")).toBe("Content-Type: text/html\r\n");
    expect(headerLine("content-type", "text/plain")).toBe("content-type: text/plain\r\n");
    const long = "x".repeat(1000);
    expect(headerLine("X-Long", long)).toBe(`X-Long: ${long}\r\n`);
    expect(headerLine("X-Long", "short")).toBe("X-Long: short\r\n");
  });

  it("stays right past the number of names it remembers", () => {
    for (let i = 0; i < 200; i++) expect(headerLine(`X-${i}`, `${i}`)).toBe(`X-${i}: ${i}\r\n`);
    expect(headerLine("X-7", "7")).toBe("X-7: 7\r\n");
    expect(headerLine("X-7", "8")).toBe("X-7: 8\r\n");
  });
});
