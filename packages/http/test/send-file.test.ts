// request.sendFile(): the file's type, length and validators; 304 for a
// fresh conditional GET; one byte Range (206, 416, If-Range); HEAD; paths
// that leave the root, dot files, directories and missing files not served
// (false, nothing sent); and a large file streamed as the client reads it.

import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Request, SendFileOptions } from "../src/index";
import { exchange, RawClient } from "./helpers/client";
import { startServer, stopServers } from "./helpers/server";

afterEach(stopServers);

let root = "";
const data = randomBytes(300 * 1024);
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "moonbridge-send-file-"));
  writeFileSync(join(root, "hello.txt"), "hello, file\n");
  writeFileSync(join(root, "data.bin"), data);
  writeFileSync(join(root, "page.unknownext"), "?");
  writeFileSync(join(root, ".secret"), "s");
  mkdirSync(join(root, "sub"));
  writeFileSync(join(root, "sub", "index.html"), "<p>hi</p>");
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A server that sends the file its path names (from `root`), or its own 404. */
function fileServer(options: SendFileOptions = { root }) {
  return startServer(async (request: Request) => {
    const name = decodeURIComponent(request.path ?? "");
    if (!(await request.sendFile(name, options))) {
      request.sendStatus(404);
      request.sendHeader("Content-Length", 9);
      await request.sendData("not found");
      await request.finish();
    }
    return true;
  });
}

function get(path: string, headers: Record<string, string> = {}, method = "GET"): string {
  const lines = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("");
  return `${method} /${path} HTTP/1.1\r\nHost: t\r\n${lines}\r\n`;
}

describe("sendFile", () => {
  it("sends the file with its type, length, ETag, Last-Modified and Accept-Ranges", async () => {
    const server = await fileServer({ root, maxAge: 60 });
    const text = await exchange(server.port, get("hello.txt"));
    expect(text.status).toBe(200);
    expect(text.body.toString()).toBe("hello, file\n");
    expect(text.headers["content-type"]).toEqual(["text/plain; charset=utf-8"]);
    expect(text.headers["content-length"]).toEqual(["12"]);
    expect(text.headers.etag?.[0]).toMatch(/^"[0-9a-f]+-c"$/);
    const mtime = statSync(join(root, "hello.txt")).mtime;
    expect(text.headers["last-modified"]).toEqual([
      new Date(Math.floor(mtime.getTime() / 1000) * 1000).toUTCString(),
    ]);
    expect(text.headers["accept-ranges"]).toEqual(["bytes"]);
    expect(text.headers["cache-control"]).toEqual(["public, max-age=60"]);
    const binary = await exchange(server.port, get("data.bin"));
    expect(binary.headers["content-type"]).toEqual(["application/octet-stream"]);
    expect(binary.body.equals(data)).toBe(true);
    const html = await exchange(server.port, get("sub/index.html"));
    expect(html.headers["content-type"]).toEqual(["text/html; charset=utf-8"]);
    const unknown = await exchange(server.port, get("page.unknownext"));
    expect(unknown.headers["content-type"]).toEqual(["application/octet-stream"]);
  });

  it("answers HEAD with the head alone", async () => {
    const server = await fileServer();
    const response = await exchange(server.port, get("data.bin", {}, "HEAD"));
    expect(response.status).toBe(200);
    expect(response.headers["content-length"]).toEqual([String(data.length)]);
    expect(response.body.length).toBe(0);
  });

  it("answers 304 to a conditional GET that is fresh, 200 otherwise", async () => {
    const server = await fileServer();
    const first = await exchange(server.port, get("hello.txt"));
    const etag = first.headers.etag?.[0] as string;
    const modified = first.headers["last-modified"]?.[0] as string;
    const status = async (headers: Record<string, string>) =>
      (await exchange(server.port, get("hello.txt", headers))).status;
    expect(await status({ "If-None-Match": etag })).toBe(304);
    expect(await status({ "If-None-Match": `"other", W/${etag}` })).toBe(304);
    expect(await status({ "If-None-Match": "*" })).toBe(304);
    expect(await status({ "If-None-Match": '"other"' })).toBe(200);
    expect(await status({ "If-Modified-Since": modified })).toBe(304);
    expect(await status({ "If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT" })).toBe(200);
    // If-None-Match wins over If-Modified-Since.
    expect(await status({ "If-None-Match": '"other"', "If-Modified-Since": modified })).toBe(200);
    const notModified = await exchange(server.port, get("hello.txt", { "If-None-Match": etag }));
    expect(notModified.body.length).toBe(0);
    expect(notModified.headers.etag).toEqual([etag]);
  });

  it("serves one byte range (206), refuses one outside the file (416), and sends it whole for several or a stale If-Range", async () => {
    const server = await fileServer();
    const size = data.length;
    const range = (value: string, extra: Record<string, string> = {}) =>
      exchange(server.port, get("data.bin", { Range: value, ...extra }));
    const first = await range("bytes=0-9");
    expect(first.status).toBe(206);
    expect(first.headers["content-range"]).toEqual([`bytes 0-9/${size}`]);
    expect(first.body.equals(data.subarray(0, 10))).toBe(true);
    const suffix = await range("bytes=-5");
    expect(suffix.headers["content-range"]).toEqual([`bytes ${size - 5}-${size - 1}/${size}`]);
    expect(suffix.body.equals(data.subarray(size - 5))).toBe(true);
    const rest = await range(`bytes=${size - 100}-`);
    expect(rest.body.equals(data.subarray(size - 100))).toBe(true);
    const clipped = await range(`bytes=${size - 2}-${size + 50}`);
    expect(clipped.body.length).toBe(2);
    const outside = await range(`bytes=${size}-`);
    expect(outside.status).toBe(416);
    expect(outside.headers["content-range"]).toEqual([`bytes */${size}`]);
    expect((await range("bytes=0-1, 5-6")).status).toBe(200);
    expect((await range("items=0-1")).status).toBe(200);
    const etag = first.headers.etag?.[0] as string;
    expect((await range("bytes=0-9", { "If-Range": etag })).status).toBe(206);
    expect((await range("bytes=0-9", { "If-Range": '"stale"' })).status).toBe(200);
  });

  it("sends nothing and resolves false outside the root, for dot files, directories and missing files", async () => {
    const server = await fileServer();
    for (const path of [
      "missing.txt",
      "sub",
      ".secret",
      "sub/../../etc/passwd",
      "..%2Fetc%2Fpasswd",
      "%2Fetc%2Fpasswd",
      "hello.txt%00.png",
      "hello.txt/x",
    ]) {
      const response = await exchange(server.port, get(path));
      expect(response.status, path).toBe(404);
      expect(response.body.toString(), path).toBe("not found");
    }
    const dots = await fileServer({ root, dotfiles: "allow" });
    expect((await exchange(dots.port, get(".secret"))).body.toString()).toBe("s");
  });

  it("takes an absolute path without root, never a relative one; checks its options", async () => {
    const errors: string[] = [];
    const server = await startServer(async (request: Request) => {
      for (const options of [{ roots: root }, { maxAge: -1 }, { dotfiles: "deny" }] as never[]) {
        try {
          await request.sendFile("hello.txt", options);
        } catch (error) {
          errors.push((error as { code: string }).code);
        }
      }
      const relative = await request.sendFile("hello.txt");
      if (relative) return true;
      await request.sendFile(join(root, "hello.txt"), { contentType: "text/x-greeting" });
      return true;
    });
    const response = await exchange(server.port, get("x"));
    expect(response.body.toString()).toBe("hello, file\n");
    expect(response.headers["content-type"]).toEqual(["text/x-greeting"]);
    expect(errors).toEqual(["INVALID_ARGUMENT", "INVALID_ARGUMENT", "INVALID_ARGUMENT"]);
  });

  it("streams a large file as the client reads it", async () => {
    const big = randomBytes(8 * 1024 * 1024);
    writeFileSync(join(root, "big.bin"), big);
    let sent = false;
    const server = await startServer(async (request: Request) => {
      await request.sendFile("big.bin", { root });
      sent = true;
      return true;
    });
    const client = await RawClient.open(server.port);
    try {
      client.socket.pause(); // the client reads nothing for a while
      await client.send(get("big.bin"));
      await new Promise((resolve) => setTimeout(resolve, 300));
      // The kernel's buffers hold a few MiB at most: sendFile still waits for the client.
      expect(sent).toBe(false);
      client.socket.resume();
      const response = await client.response();
      expect(response.status).toBe(200);
      const digest = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
      expect(digest(response.body)).toBe(digest(big));
    } finally {
      client.close();
    }
  });
});
