// The upload page keeps what it receives (UPLOAD_DIR, a folder per upload)
// and links each file, which /files/... serves back with request.sendFile():
// the same bytes, a type from the name, an ETag that makes the next GET a
// 304, byte ranges; paths that leave the upload folder, and names that do
// not exist, get the 404 page.

import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { useExample } from "./helpers/example";

const dir = mkdtempSync(join(tmpdir(), "moonbridge-uploads-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const app = useExample({ UPLOAD_DIR: dir });

const sha = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

describe("uploaded files", () => {
  it("are linked from the answer and served back whole, with type, ETag and ranges", async () => {
    const photo = randomBytes(200_003);
    const form = new FormData();
    form.append("comment", "two files");
    form.append("files", new Blob(["hello, notes\n"], { type: "text/plain" }), "notes.txt");
    form.append("files", new Blob([photo], { type: "image/png" }), "photo.png");
    const answer = await (await fetch(`${app.url}/upload`, { method: "POST", body: form })).text();
    const links = [...answer.matchAll(/<a href="(\/files\/[^"]+)">([^<]+)<\/a>/g)].map((m) => ({
      href: m[1] as string,
      name: m[2] as string,
    }));
    expect(links.map((link) => link.name)).toEqual(["notes.txt", "photo.png"]);

    const notes = await fetch(`${app.url}${links[0]?.href}`);
    expect(notes.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await notes.text()).toBe("hello, notes\n");
    const picture = await fetch(`${app.url}${links[1]?.href}`);
    expect(picture.headers.get("content-type")).toBe("image/png");
    expect(sha(Buffer.from(await picture.arrayBuffer()))).toBe(sha(photo));
    const etag = picture.headers.get("etag") as string;
    const again = await fetch(`${app.url}${links[1]?.href}`, {
      headers: { "If-None-Match": etag },
    });
    expect(again.status).toBe(304);
    const part = await fetch(`${app.url}${links[1]?.href}`, {
      headers: { Range: "bytes=100-199" },
    });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).equals(photo.subarray(100, 200))).toBe(true);
  });

  it("are not served outside the upload folder, nor when missing", async () => {
    for (const path of ["/files/..%2F..%2Fetc%2Fpasswd", "/files/nope/none.txt", "/files/%E0%A4"]) {
      const response = await fetch(`${app.url}${path}`);
      expect(response.status, path).toBe(404);
      expect(await response.text()).toContain("No such upload");
    }
  });
});
