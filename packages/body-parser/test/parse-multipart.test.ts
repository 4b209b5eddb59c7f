// parseMultipart: a body read from a web ReadableStream, a Node Readable, an
// async generator or an array of chunks, as an async iterable of parts
// (README, "Streams"). Parts and bytes exact for whole and one-byte chunks,
// the source pulled no further than the consumer asks, released when the
// consumer leaves early, errors (the body's and the source's) rejecting the
// iteration.
import { Readable } from "node:stream";
import fc from "fast-check";
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  BodyParserError,
  getBoundary,
  type MimePartMeta,
  type MultipartPart,
  type MultipartSource,
  type PartMeta,
  parseMultipart,
} from "../src/index";
import { bytesOf, concat, latin1 } from "./helpers/bytes";
import { body, part } from "./helpers/collect";
import { multipartBodies } from "./helpers/generate";
import { parseWithOurs, pieces } from "./helpers/ours";

const B = "----b0undary";
const field = (name: string, data: string) =>
  part([`Content-Disposition: form-data; name="${name}"`], data);
const filePart = (name: string, data: string) =>
  part([`Content-Disposition: form-data; name="${name}"; filename="${name}.bin"`], data);

/** Every part: meta, and data as latin1 (chunks kept as handed out, joined at the end). */
async function collect(parts: AsyncIterable<MultipartPart<PartMeta | MimePartMeta>>) {
  const out: { meta: PartMeta | MimePartMeta; chunks: Uint8Array[] }[] = [];
  for await (const p of parts) {
    const chunks: Uint8Array[] = [];
    // Not copied: a chunk handed out must stay valid while later ones are read.
    for await (const chunk of p.body) chunks.push(chunk);
    out.push({ meta: p.meta, chunks });
  }
  return out.map(({ meta, chunks }) => ({ meta, data: latin1(concat(chunks)) }));
}

function oneByteChunks(bytes: Uint8Array): Uint8Array[] {
  return Array.from(bytes, (_, i) => bytes.slice(i, i + 1));
}

/** A source that counts the chunks pulled from it and whether it was released. */
function countingSource(chunks: readonly Uint8Array[]) {
  const state = { pulled: 0, released: false, finished: false };
  async function* generate() {
    try {
      for (const chunk of chunks) {
        state.pulled++;
        yield chunk;
      }
      state.finished = true;
    } finally {
      if (!state.finished) state.released = true;
    }
  }
  return { source: generate(), state };
}

/** A web ReadableStream over `chunks` that makes a chunk only when read (no queue ahead). */
function webStream(chunks: readonly Uint8Array[]) {
  const state = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const chunk = chunks[state.pulled];
        if (chunk === undefined) controller.close();
        else {
          state.pulled++;
          controller.enqueue(chunk);
        }
      },
      cancel() {
        state.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

const ticks = async (n = 20) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("did not reject");
}

describe("parts and bytes", () => {
  const text = body(B, [
    field("comment", "hi\r\n--not a delimiter"),
    filePart("upload", "\r\r\n-\r\n--\r\n--"),
    field("empty", ""),
  ]);
  const bytes = bytesOf(text);
  const expected = [
    { meta: { fieldName: "comment", fileName: undefined }, data: "hi\r\n--not a delimiter" },
    { meta: { fieldName: "upload", fileName: "upload.bin" }, data: "\r\r\n-\r\n--\r\n--" },
    { meta: { fieldName: "empty" }, data: "" },
  ];

  it.each([
    ["an array holding the whole body", () => [bytes]],
    ["an array of one-byte chunks", () => oneByteChunks(bytes)],
    ["an async generator, whole", () => countingSource([bytes]).source],
    ["an async generator, one byte at a time", () => countingSource(oneByteChunks(bytes)).source],
    ["a web ReadableStream, whole", () => webStream([bytes]).stream],
    ["a web ReadableStream, one byte at a time", () => webStream(oneByteChunks(bytes)).stream],
    ["a Node Readable, whole", () => Readable.from([Buffer.from(bytes)])],
    ["a Node Readable, one byte at a time", () => Readable.from(oneByteChunks(bytes))],
  ])("from %s", async (_, source) => {
    const parts = await collect(parseMultipart(source() as MultipartSource, B));
    expect(parts).toMatchObject(expected);
    expect(parts).toHaveLength(3);
  });

  it("are those of MultipartParser for generated bodies, whole and one byte at a time", async () => {
    const inputs = fc.sample(multipartBodies({ transportPadding: true }), {
      seed: 20261124,
      numRuns: 150,
    });
    for (const input of inputs) {
      const expectedParts = parseWithOurs([input.body], input.boundary).parts.map((p) => ({
        meta: {
          fieldName: p.fieldName,
          fileName: p.fileName,
          contentType: p.contentType,
          headers: p.headers,
        },
        data: latin1(p.data),
      }));
      const cuttings = [[input.body], oneByteChunks(input.body), pieces(input.body, [7, 100])];
      for (const chunks of cuttings) {
        expect(await collect(parseMultipart(chunks, input.boundary)), input.description).toEqual(
          expectedParts,
        );
      }
    }
  });

  it("bytes() and text() join the rest of a part's data", async () => {
    const source = oneByteChunks(
      bytesOf(body(B, [field("a", "caf\u00c3\u00a9"), field("b", "xyz")])),
    );
    const parts = parseMultipart(source, B);
    const first = (await parts.next()).value as MultipartPart;
    expect(await first.text()).toBe("caf\u00e9");
    const second = (await parts.next()).value as MultipartPart;
    const iterator = second.body[Symbol.asyncIterator]();
    expect(latin1((await iterator.next()).value as Uint8Array)).toBe("x");
    expect(latin1(await second.bytes())).toBe("yz");
    expect(await second.text()).toBe("");
    expect((await parts.next()).done).toBe(true);
  });

  it("a body left early by break goes on where it stopped", async () => {
    const source = countingSource(oneByteChunks(bytesOf(body(B, [filePart("f", "abcdef")]))));
    const parts = parseMultipart(source.source, B);
    const only = (await parts.next()).value as MultipartPart;
    let first = "";
    for await (const chunk of only.body) {
      first = latin1(chunk);
      break;
    }
    expect(first).toBe("a");
    expect(source.state.released).toBe(false);
    expect(await only.text()).toBe("bcdef");
    expect((await parts.next()).done).toBe(true);
    expect(source.state.finished).toBe(true);
  });

  it("moving on skips the rest of a part; reading it then is MULTIPART_PART_SKIPPED", async () => {
    const text = body(B, [filePart("big", "x".repeat(5000)), field("after", "1")]);
    const parts = parseMultipart(pieces(bytesOf(text), [120, 300, 2000]), B);
    const big = (await parts.next()).value as MultipartPart;
    const after = (await parts.next()).value as MultipartPart;
    expect(after.meta.fieldName).toBe("after");
    expect(await after.text()).toBe("1");
    const error = await rejection(big.bytes());
    expect(error).toBeInstanceOf(BodyParserError);
    expect(error).toMatchObject({ code: "MULTIPART_PART_SKIPPED", status: 500 });
    // A part read to its end is over, not skipped.
    expect(await after.text()).toBe("");
    expect((await parts.next()).done).toBe(true);
  });

  it("types a part's meta by the mode", () => {
    expectTypeOf(parseMultipart([], B)).toEqualTypeOf<
      AsyncIterableIterator<MultipartPart<PartMeta>>
    >();
    expectTypeOf(parseMultipart([], B, {}, { formData: false })).toEqualTypeOf<
      AsyncIterableIterator<MultipartPart<MimePartMeta>>
    >();
  });
});

describe("backpressure", () => {
  const data = "0123456789abcdef".repeat(64 * 64); // 64 KiB
  const bytes = bytesOf(body(B, [filePart("upload", data), field("after", "end")]));
  const chunks = pieces(
    bytes,
    Array.from({ length: Math.ceil(bytes.length / 1024) }, (_, i) => (i + 1) * 1024),
  );

  it("an async generator is pulled only as far as the consumer reads", async () => {
    const { source, state } = countingSource(chunks);
    const parts = parseMultipart(source, B);
    const upload = (await parts.next()).value as MultipartPart;
    expect(upload.meta.fileName).toBe("upload.bin");
    await ticks();
    // The part's headers are in the first chunk: nothing more was read.
    expect(state.pulled).toBe(1);
    const body = upload.body[Symbol.asyncIterator]();
    let read = 0;
    for (let k = 1; k <= 10; k++) {
      read += ((await body.next()).value as Uint8Array).length;
      await ticks(2);
      expect(state.pulled).toBeLessThanOrEqual(k + 1);
    }
    expect(read).toBeGreaterThan(9 * 1000);
    expect(state.pulled).toBeLessThan(chunks.length / 4);
  });

  it("a web ReadableStream is read only as far as the consumer reads", async () => {
    const { stream, state } = webStream(chunks);
    const parts = parseMultipart(stream, B);
    const upload = (await parts.next()).value as MultipartPart;
    await ticks();
    expect(state.pulled).toBe(1);
    const body = upload.body[Symbol.asyncIterator]();
    for (let k = 1; k <= 10; k++) {
      await body.next();
      await ticks(2);
      expect(state.pulled).toBeLessThanOrEqual(k + 1);
    }
    expect(state.pulled).toBeLessThan(chunks.length / 4);
  });

  it("a Node Readable is read no further than its own highWaterMark ahead", async () => {
    // Node's iterator hands out all that the stream buffered as one chunk, and
    // the stream buffers up to its highWaterMark: count bytes, not reads.
    let pushed = 0;
    let reads = 0;
    const readable = new Readable({
      highWaterMark: 1024,
      read() {
        const chunk = chunks[reads++];
        pushed += chunk?.length ?? 0;
        this.push(chunk === undefined ? null : Buffer.from(chunk));
      },
    });
    const parts = parseMultipart(readable, B);
    const upload = (await parts.next()).value as MultipartPart;
    await ticks();
    expect(pushed).toBeLessThanOrEqual(3 * 1024);
    const body = upload.body[Symbol.asyncIterator]();
    let consumed = 0;
    for (let k = 1; k <= 10; k++) {
      consumed += ((await body.next()).value as Uint8Array).length;
      await ticks(2);
      expect(pushed - consumed).toBeLessThanOrEqual(3 * 1024);
    }
    expect(pushed).toBeLessThan(bytes.length / 2);
  });
});

describe("leaving early releases the source", () => {
  const bytes = bytesOf(body(B, [field("a", "1"), field("b", "2"), field("c", "3")]));

  it("break returns an async generator", async () => {
    const { source, state } = countingSource(oneByteChunks(bytes));
    for await (const p of parseMultipart(source, B)) {
      expect(p.meta.fieldName).toBe("a");
      break;
    }
    expect(state.released).toBe(true);
    expect(state.pulled).toBeLessThan(bytes.length);
  });

  it("break cancels a web ReadableStream and lets go of it", async () => {
    const { stream, state } = webStream(oneByteChunks(bytes));
    for await (const p of parseMultipart(stream, B)) {
      expect(await p.text()).toBe("1");
      break;
    }
    expect(state.cancelled).toBe(true);
    expect(stream.locked).toBe(false);
  });

  it("break destroys a Node Readable", async () => {
    const readable = Readable.from(oneByteChunks(bytes));
    for await (const _ of parseMultipart(readable, B)) break;
    expect(readable.destroyed).toBe(true);
  });

  it("a break out of a part's body alone does not release it", async () => {
    const { source, state } = countingSource(oneByteChunks(bytes));
    const names: (string | undefined)[] = [];
    for await (const p of parseMultipart(source, B)) {
      names.push(p.meta.fieldName);
      for await (const _ of p.body) break;
    }
    expect(names).toEqual(["a", "b", "c"]);
    expect(state).toMatchObject({ released: false, finished: true });
  });

  it("after return(), the parts handed out cannot be read and next() is done", async () => {
    const { source, state } = countingSource(oneByteChunks(bytes));
    const parts = parseMultipart(source, B);
    const a = (await parts.next()).value as MultipartPart;
    await parts.return?.();
    expect(state.released).toBe(true);
    expect(await rejection(a.text())).toMatchObject({ code: "MULTIPART_PART_SKIPPED" });
    expect((await parts.next()).done).toBe(true);
  });
});

describe("errors", () => {
  it("a malformed body rejects the iteration after the parts before it, and releases the source", async () => {
    const text = `--${B}\r\n${field("a", "1")}\r\n--${B}x\r\n${field("b", "2")}\r\n--${B}--`;
    const { source, state } = countingSource(oneByteChunks(bytesOf(text)));
    const parts = parseMultipart(source, B);
    const a = (await parts.next()).value as MultipartPart;
    expect(await a.text()).toBe("1");
    const error = await rejection(parts.next());
    expect(error).toBeInstanceOf(BodyParserError);
    expect(error).toMatchObject({ code: "MULTIPART_MALFORMED", status: 400 });
    expect(state.released).toBe(true);
    // The same error again.
    expect(await rejection(parts.next())).toBe(error);
  });

  it("a truncated body is MULTIPART_TRUNCATED, from the body being read", async () => {
    const text = `--${B}\r\n${filePart("f", "abc")}`;
    const parts = parseMultipart(oneByteChunks(bytesOf(text)), B);
    const f = (await parts.next()).value as MultipartPart;
    const chunks: string[] = [];
    const error = await rejection(
      (async () => {
        for await (const chunk of f.body) chunks.push(latin1(chunk));
      })(),
    );
    expect(error).toMatchObject({ code: "MULTIPART_TRUNCATED", status: 400 });
    expect(chunks.join("")).toBe("abc");
  });

  it("limits apply: a file over maxFileSize gives its data up to the limit, then 413", async () => {
    const text = body(B, [filePart("f", "123456")]);
    const { stream, state } = webStream(oneByteChunks(bytesOf(text)));
    const parts = parseMultipart(stream, B, { maxFileSize: 4 });
    const f = (await parts.next()).value as MultipartPart;
    const chunks: string[] = [];
    const error = await rejection(
      (async () => {
        for await (const chunk of f.body) chunks.push(latin1(chunk));
      })(),
    );
    expect(error).toMatchObject({ code: "MULTIPART_FILE_TOO_LARGE", status: 413 });
    expect(chunks.join("")).toBe("1234");
    expect(state.cancelled).toBe(true);
  });

  it("maxParts and maxTotalSize apply", async () => {
    const text = body(B, [field("a", "1"), field("b", "2")]);
    await expect(
      collect(parseMultipart([bytesOf(text)], B, { maxParts: 1 })),
    ).rejects.toMatchObject({ code: "MULTIPART_TOO_MANY_PARTS" });
    await expect(
      collect(parseMultipart([bytesOf(text)], B, { maxTotalSize: text.length - 1 })),
    ).rejects.toMatchObject({ code: "MULTIPART_BODY_TOO_LARGE" });
  });

  it("a source that fails rejects the iteration with its own error", async () => {
    const failure = new Error("connection reset");
    async function* source() {
      yield bytesOf(`--${B}\r\n${field("a", "12")}`);
      throw failure;
    }
    const parts = parseMultipart(source(), B);
    const a = (await parts.next()).value as MultipartPart;
    expect(await rejection(a.text())).toBe(failure);
    expect(await rejection(parts.next())).toBe(failure);
  });

  it("a chunk that is not a Uint8Array is INVALID_ARGUMENT, and the source is released", async () => {
    const { stream, state } = webStream([bytesOf(`--${B}\r\n`), "text" as never]);
    const error = await rejection(collect(parseMultipart(stream, B)));
    expect(error).toMatchObject({ code: "INVALID_ARGUMENT", status: 500 });
    expect((error as Error).message).toMatch(/parseMultipart: source gave a chunk/);
    expect(state.cancelled).toBe(true);
  });

  it.each([
    ["a Uint8Array", new Uint8Array(4), /pass a body as \[body\]/],
    ["a string", "--b--", /source must be/],
    ["a number", 42, /source must be/],
    ["null", null, /source must be/],
  ])("a source that is %s is INVALID_ARGUMENT at once", (_, source, message) => {
    expect(() => parseMultipart(source as never, B)).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT", status: 500 }),
    );
    expect(() => parseMultipart(source as never, B)).toThrow(message);
  });

  it.each([
    [() => parseMultipart([], ""), "INVALID_ARGUMENT", "boundary must be a string of 1 to 70"],
    [() => parseMultipart([], B, { maxParts: -1 }), "INVALID_OPTION", "maxParts must be"],
    [() => parseMultipart([], B, { maxFiles: 1 } as never), "INVALID_OPTION", "unknown option"],
    [() => parseMultipart([], B, {}, { formData: 1 } as never), "INVALID_OPTION", "formData"],
  ])(
    "a bad argument, limit or option throws at once, naming parseMultipart (%#)",
    (call, code, message) => {
      let thrown: unknown;
      try {
        call();
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toMatchObject({ code, status: 500 });
      expect((thrown as Error).message).toMatch(
        `@moonbridge/body-parser: parseMultipart: ${message}`,
      );
    },
  );
});

describe("a nested multipart part", () => {
  const inner = body("inner-b", [
    part(["Content-Type: text/plain"], "plain"),
    part(['Content-Disposition: attachment; filename="a.txt"'], "attached"),
  ]);
  const outer = body("outer-b", [
    part(["Content-Type: text/plain"], "cover"),
    part(['Content-Type: multipart/mixed; boundary="inner-b"'], inner),
  ]);

  it.each([
    ["whole", () => [bytesOf(outer)]],
    ["one byte at a time", () => oneByteChunks(bytesOf(outer))],
  ])("is parsed from its own body, %s", async (_, chunks) => {
    const seen: string[] = [];
    const mixed = { formData: false } as const;
    for await (const p of parseMultipart(
      chunks(),
      getBoundary("multipart/mixed; boundary=outer-b", { anySubtype: true }),
      {},
      mixed,
    )) {
      const type = p.meta.contentType ?? "";
      if (!type.toLowerCase().startsWith("multipart/")) {
        seen.push(`${type}: ${await p.text()}`);
        continue;
      }
      const boundary = getBoundary(type, { anySubtype: true });
      for await (const q of parseMultipart(p.body, boundary, {}, mixed)) {
        seen.push(`  ${q.meta.contentType ?? q.meta.fileName}: ${await q.text()}`);
      }
    }
    expect(seen).toEqual(["text/plain: cover", "  text/plain: plain", "  a.txt: attached"]);
  });
});
