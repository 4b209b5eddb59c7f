// One way to pull chunks from whatever parseMultipart is given: a web
// ReadableStream (through a reader, which every runtime has, where async
// iteration of streams is not everywhere yet), an async iterable (a Node
// Readable, an async generator, another part's body) or an iterable of
// chunks. Each chunk is pulled when asked for, never before.

import type { ByteStreamLike, MultipartSource } from "../types";
import { invalidArgument } from "./limits";

export interface ByteSource {
  /** The next chunk, or `undefined` at the end. Rejects with the source's own error. */
  read(): Promise<Uint8Array | undefined>;
  /** Lets go of a source not read to its end: cancels a stream, returns an iterator. */
  release(): Promise<void>;
}

const CALL = "parseMultipart";

function isByteStream(source: object): source is ByteStreamLike {
  return typeof (source as Partial<ByteStreamLike>).getReader === "function";
}

/** A {@link ByteSource} over `source`; throws BodyParserError INVALID_ARGUMENT for anything else. */
export function byteSource(source: MultipartSource): ByteSource {
  if (source instanceof Uint8Array) {
    throw invalidArgument(
      "source must be a stream or an iterable of chunks; pass a body as [body]",
      CALL,
    );
  }
  if (typeof source === "object" && source !== null) {
    if (isByteStream(source)) return streamSource(source);
    const asyncIterate = (source as Partial<AsyncIterable<Uint8Array>>)[Symbol.asyncIterator];
    if (typeof asyncIterate === "function") return iteratorSource(asyncIterate.call(source));
    const iterate = (source as Partial<Iterable<Uint8Array>>)[Symbol.iterator];
    if (typeof iterate === "function") return iteratorSource(iterate.call(source));
  }
  throw invalidArgument(
    "source must be a ReadableStream, an async iterable or an iterable of Uint8Array chunks",
    CALL,
  );
}

/** `value` if it is bytes; else the source is released and INVALID_ARGUMENT thrown. */
async function chunkOf(value: unknown, source: ByteSource): Promise<Uint8Array> {
  if (value instanceof Uint8Array) return value;
  await source.release().catch(() => {}); // the bad chunk is what the consumer must hear of
  throw invalidArgument("source gave a chunk that is not a Uint8Array", CALL);
}

function streamSource(stream: ByteStreamLike): ByteSource {
  const reader = stream.getReader();
  let done = false;
  const source: ByteSource = {
    async read() {
      if (done) return undefined;
      let result: Awaited<ReturnType<typeof reader.read>>;
      try {
        result = await reader.read();
      } catch (error) {
        done = true;
        reader.releaseLock();
        throw error;
      }
      if (result.done) {
        done = true;
        reader.releaseLock();
        return undefined;
      }
      return chunkOf(result.value, source);
    },
    async release() {
      if (done) return;
      done = true;
      try {
        await reader.cancel();
      } finally {
        reader.releaseLock();
      }
    },
  };
  return source;
}

function iteratorSource(iterator: AsyncIterator<Uint8Array> | Iterator<Uint8Array>): ByteSource {
  let done = false;
  const source: ByteSource = {
    async read() {
      if (done) return undefined;
      let result: IteratorResult<Uint8Array>;
      try {
        result = await iterator.next();
      } catch (error) {
        done = true; // an iterator that threw is finished: nothing to return
        throw error;
      }
      if (result.done === true) {
        done = true;
        return undefined;
      }
      return chunkOf(result.value, source);
    },
    async release() {
      if (done) return;
      done = true;
      await iterator.return?.();
    },
  };
  return source;
}
