// The checks the body-parser benchmark runs before timing, run as a test:
// every competitor reads the same parts (names, file names, media types, file
// bytes by count and hash, field values) and the same urlencoded fields from
// every corpus item. Counts and values only; timings are never asserted.
import { describe, expect, it } from "vitest";
import { multipartCorpus, urlencodedCorpus } from "../src/body/corpus.mjs";
import * as multipart from "../src/body/multipart.mjs";
import * as urlencoded from "../src/body/urlencoded.mjs";
import { verify } from "../src/harness.mjs";

describe("body benchmark corpus", () => {
  const [file, fields] = multipartCorpus();
  const [text, bytes] = urlencodedCorpus();

  it("has a 32 MiB file in 64 KiB chunks and 500 fields in 16 KiB chunks", () => {
    expect(file?.input).toMatchObject({ parts: 1, dataBytes: 32 * 2 ** 20, chunkSize: 64 * 1024 });
    expect(file?.input.chunks.every((c) => c.length <= 64 * 1024)).toBe(true);
    expect(fields?.input).toMatchObject({ parts: 500, chunkSize: 16 * 1024 });
  });

  it("has a 2 KiB urlencoded body of 50 fields with escapes and +", () => {
    expect(text?.input.text).toHaveLength(2048);
    expect(text?.input.fields).toBe(50);
    expect(text?.input.text).toMatch(/%[0-9A-F]{2}/);
    expect(text?.input.text).toContain("+");
    expect(bytes?.input.bytes.toString("latin1")).toBe(text?.input.text);
  });
});

describe("multipart competitors agree", async () => {
  const items = multipartCorpus();
  const competitors = await multipart.loadCompetitors(items, { warmupMs: 0 });
  const agreed = verify(items, competitors);

  it("all four run", () => {
    expect(competitors.map((c) => c.name)).toEqual([
      "moonbridge",
      "busboy",
      "@fastify/busboy",
      "@mjackson/multipart-parser",
    ]);
  });

  it("on the file: one part, every byte", () => {
    const parts = /** @type {import("../src/body/multipart.mjs").PartRecord[]} */ (
      agreed.get(items[0]?.name ?? "")
    );
    expect(parts).toHaveLength(1);
    expect(parts[0]).toMatchObject({
      name: "upload",
      fileName: "video.bin",
      mediaType: "application/octet-stream",
      bytes: 32 * 2 ** 20,
    });
  });

  it("on the fields: 500 values as UTF-8 strings", () => {
    const parts = /** @type {import("../src/body/multipart.mjs").PartRecord[]} */ (
      agreed.get(items[1]?.name ?? "")
    );
    expect(parts).toHaveLength(500);
    expect(parts.every((p, i) => p.name === `field_${i}` && typeof p.value === "string")).toBe(
      true,
    );
    expect(parts.some((p) => p.value?.includes("日本語"))).toBe(true);
  });
});

describe("urlencoded competitors agree", async () => {
  const items = urlencodedCorpus();
  const competitors = await urlencoded.loadCompetitors();
  const agreed = verify(items, competitors);

  it("all three run", () => {
    expect(competitors.map((c) => c.name)).toEqual([
      "moonbridge",
      "URLSearchParams",
      "querystring",
    ]);
  });

  it.each(items.map((item) => item.name))("on %s: 50 decoded fields", (name) => {
    const entries = /** @type {[string, string[]][]} */ (agreed.get(name));
    expect(entries).toHaveLength(50);
    expect(entries[1]).toEqual(["field_b1", ["café au lait 1"]]);
  });
});
