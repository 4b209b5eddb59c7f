// The request inspector at /anything, through the real supervisor, with
// Node's fetch (undici): exactly the answer docs/inspector.md (at the
// repository root) defines, for every kind of body, large uploads compared
// byte for byte by hash.

import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { useExample } from "./helpers/example";
import { raw, statuses } from "./helpers/raw";

const app = useExample();

/** The inspector's answer, as docs/inspector.md defines it. */
interface Inspected {
  method: string;
  path: string | null;
  query: string | null;
  get_params_list: Record<string, string[]>;
  headers: Array<[string, string]>;
  cookies: Record<string, string>;
  form: Record<string, string[]>;
  parts: Array<{
    field: string;
    file_name: string | null;
    content_type: string | null;
    length: number;
    sha256: string;
  }>;
  body: { length: number; sha256: string } | null;
}

const inspected = async (response: Response | Promise<Response>): Promise<Inspected> =>
  (await (await response).json()) as Inspected;

const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");

describe("/anything", () => {
  it("answers a GET with the request's parts", async () => {
    const response = await fetch(`${app.url}/anything/x?a=1&b=2&a=3`, {
      headers: { Cookie: "sid=abc; theme=dark", "X-Test": "yes" },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    const answer = await inspected(response);
    expect(answer).toMatchObject({
      method: "GET",
      path: "anything/x",
      query: "?a=1&b=2&a=3",
      get_params_list: { a: ["1", "3"], b: ["2"] },
      cookies: { sid: "abc", theme: "dark" },
      form: {},
      parts: [],
      body: null,
    });
    const lower = (answer.headers as string[][]).map(([name, value]) => [
      name?.toLowerCase(),
      value,
    ]);
    expect(lower).toContainEqual(["host", `127.0.0.1:${app.port}`]);
    expect(lower).toContainEqual(["x-test", "yes"]);
  });

  it("lists header lines in order with names as sent", async () => {
    const result = await raw(
      app.port,
      "GET /anything HTTP/1.1\r\nHost: h\r\nX-B: 2\r\nx-a: 1\r\nX-B: 3\r\nConnection: close\r\n\r\n",
    );
    const json = JSON.parse(result.text.slice(result.text.indexOf("\r\n\r\n") + 4));
    expect(json.headers).toEqual([
      ["Host", "h"],
      ["X-B", "2"],
      ["x-a", "1"],
      ["X-B", "3"],
      ["Connection", "close"],
    ]);
    expect(json.path).toBe("anything");
    expect(json.query).toBe("");
  });

  it("takes any method", async () => {
    for (const method of ["PUT", "DELETE", "PATCH", "OPTIONS"]) {
      const answer = await inspected(fetch(`${app.url}/anything`, { method }));
      expect(answer.method).toBe(method);
    }
  });

  it("urlencoded: the fields in form, no parts", async () => {
    const answer = await inspected(
      fetch(`${app.url}/anything`, {
        method: "POST",
        body: new URLSearchParams([
          ["a", "1"],
          ["a", "2"],
          ["name", "Jürgen"],
        ]),
      }),
    );
    expect(answer.form).toEqual({ a: ["1", "2"], name: ["Jürgen"] });
    expect(answer.parts).toEqual([]);
    expect(answer.body).toBeNull();
  });

  it("multipart: every part in order, large files by hash, fields as text", async () => {
    const big = randomBytes(24 * 1024 * 1024);
    const small = Buffer.from("abc");
    const form = new FormData();
    form.append("comment", "hello");
    form.append("files", new Blob([small], { type: "text/plain" }), "a.txt");
    form.append("files", new Blob([big]), "big.bin");
    const answer = await inspected(fetch(`${app.url}/anything`, { method: "POST", body: form }));
    expect(answer.form).toEqual({ comment: ["hello"] });
    expect(answer.parts).toEqual([
      { field: "comment", file_name: null, content_type: null, length: 5, sha256: sha256("hello") },
      {
        field: "files",
        file_name: "a.txt",
        content_type: "text/plain",
        length: 3,
        sha256: sha256(small),
      },
      {
        field: "files",
        file_name: "big.bin",
        content_type: "application/octet-stream",
        length: big.length,
        sha256: sha256(big),
      },
    ]);
    expect(answer.body).toBeNull();
  });

  it("any other body: its length and hash, chunked or not", async () => {
    const bytes = randomBytes(5 * 1024 * 1024 + 7);
    const plain = await inspected(
      fetch(`${app.url}/anything`, {
        method: "POST",
        body: bytes,
        headers: { "Content-Type": "application/octet-stream" },
      }),
    );
    expect(plain.body).toEqual({ length: bytes.length, sha256: sha256(bytes) });
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 65536)
          controller.enqueue(bytes.subarray(i, i + 65536));
        controller.close();
      },
    });
    const chunked = await inspected(
      fetch(`${app.url}/anything`, {
        method: "POST",
        body: stream,
        duplex: "half",
      } as RequestInit),
    );
    expect(chunked.body).toEqual({ length: bytes.length, sha256: sha256(bytes) });
    const empty = await inspected(fetch(`${app.url}/anything`, { method: "POST", body: "" }));
    expect(empty.body).toEqual({ length: 0, sha256: sha256("") });
  });

  it("a malformed request gets its status and the connection closes", async () => {
    const result = await raw(
      app.port,
      "GET /anything HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n",
    );
    expect(statuses(result.text)).toEqual([400]);
    expect(result.how).toBe("end");
  });
});
