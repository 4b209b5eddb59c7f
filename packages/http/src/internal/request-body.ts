// The request body, consumed once, one of four ways: read whole (`body`),
// processed into POST tables (urlencoded or multipart, with field streams),
// streamed to a callback, or read and dropped. The reference's exclusions
// between these ways are kept here, in one place.

import { Buffer } from "node:buffer";
import {
  getBoundary,
  MultipartParser,
  type PartMeta,
  parseUrlencoded,
} from "@moonbridge/body-parser";
import { HttpError } from "../errors";
import { isThenable } from "./thenable";

const EMPTY = Buffer.alloc(0);

/** A POST field stream callback: (first chunk, metadata), then (chunk), then () at the end. */
export type PostStreamCallback = (chunk?: Buffer, meta?: PartMeta) => unknown;

/** The POST tables after processing; each a table without prototype. */
export interface PostTables {
  paramsList: Record<string, string[]>;
  params: Record<string, string>;
  /** Only for multipart/form-data. */
  metadataList: Record<string, PartMeta[]> | undefined;
  metadata: Record<string, PartMeta> | undefined;
}

/** What the body reads from: the connection's body chunks, and the hook that sends 100 Continue first. */
export interface BodySource {
  next(): Promise<Uint8Array | null>;
  /** True once the body has been read to its end (or there is none). */
  done(): boolean;
  contentType(): string | undefined;
  readonly sizeLimit: number;
}

type Way = "unread" | "body" | "processed" | "streamed" | "discarded";

export class RequestBody {
  readonly #source: BodySource;
  #way: Way = "unread";
  #whole: Promise<Buffer> | undefined;
  #processing: Promise<void> | undefined;
  /** The consumption under way (any way), for a discard that must wait for it. */
  #busy: Promise<unknown> | undefined;
  #tables: PostTables | undefined;
  readonly #streams: Array<{ match: string | RegExp; callback: PostStreamCallback }> = [];

  constructor(source: BodySource) {
    this.#source = source;
  }

  /** The tables, once processRequestBody() has resolved. */
  get tables(): PostTables | undefined {
    return this.#tables;
  }

  /** True while nothing has consumed the body (so a response may still process it). */
  get unread(): boolean {
    return this.#way === "unread" && !this.#source.done();
  }

  whole(): Promise<Buffer> {
    if (this.#whole !== undefined) return this.#whole;
    if (this.#way !== "unread") return Promise.reject(consumed("body", this.#way));
    this.#way = "body";
    this.#whole = this.#track(this.#collect());
    return this.#whole;
  }

  process(): Promise<void> {
    if (this.#processing !== undefined) return this.#processing;
    if (this.#way !== "unread") return Promise.reject(consumed("post parameters", this.#way));
    this.#way = "processed";
    this.#processing = this.#track(this.#process());
    return this.#processing;
  }

  addStream(match: string | RegExp, callback: PostStreamCallback): void {
    if (typeof callback !== "function") {
      throw new TypeError("a POST field stream needs a callback function");
    }
    if (this.#way !== "unread") {
      throw new HttpError(
        "BODY_PROCESSED",
        "POST field streams must be registered before the body is processed",
      );
    }
    this.#streams.push({ match, callback });
  }

  /** Streams the body to `callback` (awaiting what it returns), or reads and drops it when there is none. */
  async stream(callback: ((chunk: Buffer) => unknown) | undefined): Promise<void> {
    if (callback === undefined || callback === null) return this.discard();
    if (typeof callback !== "function")
      throw new TypeError("streamRequestBody takes a callback function or nothing");
    if (this.#way !== "unread") throw consumed("streamRequestBody", this.#way);
    this.#way = "streamed";
    await this.#track(this.#each(callback));
  }

  /** Reads and drops what is left of the body; waits for a consumption under way instead. */
  async discard(): Promise<void> {
    if (this.#busy !== undefined) {
      await this.#busy.catch(() => {});
      return;
    }
    if (this.#way === "unread") this.#way = "discarded";
    while ((await this.#source.next()) !== null) {}
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#busy = work;
    work.catch(() => {}); // the caller's await reports it; this keeps an unawaited one quiet
    return work;
  }

  async #each(callback: (chunk: Buffer) => unknown): Promise<void> {
    for (let chunk = await this.#source.next(); chunk !== null; chunk = await this.#source.next()) {
      const result = callback(asBuffer(chunk));
      if (isThenable(result)) await result;
    }
  }

  async #collect(): Promise<Buffer> {
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (let chunk = await this.#source.next(); chunk !== null; chunk = await this.#source.next()) {
      chunks.push(chunk);
      total += chunk.length;
    }
    if (chunks.length === 1) return asBuffer(chunks[0] as Uint8Array);
    return Buffer.concat(chunks, total);
  }

  async #process(): Promise<void> {
    const type = this.#source.contentType();
    const media = type === undefined ? "" : type.split(";", 1)[0]?.trim().toLowerCase();
    const paramsList: Record<string, string[]> = Object.create(null);
    if (media === "application/x-www-form-urlencoded") {
      for (const [name, values] of parseUrlencoded(await this.#collect()))
        paramsList[name] = values;
      this.#tables = {
        paramsList,
        params: firsts(paramsList),
        metadata: undefined,
        metadataList: undefined,
      };
    } else if (media === "multipart/form-data") {
      const metadataList: Record<string, PartMeta[]> = Object.create(null);
      await this.#multipart(getBoundary(type as string), paramsList, metadataList);
      this.#tables = {
        paramsList,
        params: firsts(paramsList),
        metadataList,
        metadata: firsts(metadataList),
      };
    } else {
      while ((await this.#source.next()) !== null) {}
      this.#tables = {
        paramsList,
        params: Object.create(null),
        metadata: undefined,
        metadataList: undefined,
      };
    }
  }

  /**
   * Parses multipart/form-data as it arrives. The parser's events for one
   * input chunk are queued, then handed out in order, awaiting each stream
   * callback, before the next chunk is read: a slow callback holds the
   * upload back instead of buffering it.
   */
  async #multipart(
    boundary: string,
    paramsList: Record<string, string[]>,
    metadataList: Record<string, PartMeta[]>,
  ): Promise<void> {
    const events: Array<PartMeta | Uint8Array | null> = [];
    const limit = this.#source.sizeLimit;
    const parser = new MultipartParser(
      boundary,
      {
        onPart: (meta) => events.push(meta),
        onData: (chunk) => events.push(chunk),
        onPartEnd: () => events.push(null),
      },
      { maxTotalSize: limit, maxFileSize: limit },
    );
    let meta: PartMeta | undefined;
    let stream: PostStreamCallback | undefined;
    let started = false;
    let kept: Buffer[] = [];
    const dispatch = async (): Promise<void> => {
      for (const event of events) {
        if (event === null) {
          const part = meta as PartMeta;
          if (stream !== undefined) {
            if (!started) await callAndWait(stream, EMPTY, part);
            await callAndWait(stream);
          } else {
            append(paramsList, part.fieldName, Buffer.concat(kept).toString("utf8"));
            kept = [];
          }
          meta = undefined;
        } else if (event instanceof Uint8Array) {
          if (stream === undefined)
            kept.push(Buffer.from(event)); // copied: the parser may reuse what it held back
          else if (started) await callAndWait(stream, asBuffer(event));
          else {
            started = true;
            await callAndWait(stream, asBuffer(event), meta);
          }
        } else {
          meta = event;
          stream = this.#streamFor(event.fieldName);
          started = false;
          append(metadataList, event.fieldName, event);
        }
      }
      events.length = 0;
    };
    for (let chunk = await this.#source.next(); chunk !== null; chunk = await this.#source.next()) {
      parser.write(chunk);
      await dispatch();
    }
    parser.end();
    await dispatch();
  }

  #streamFor(name: string): PostStreamCallback | undefined {
    for (const { match, callback } of this.#streams) {
      if (typeof match === "string" ? match === name : match.test(name)) return callback;
    }
    return undefined;
  }
}

function consumed(what: string, way: Way): HttpError {
  const by =
    way === "body"
      ? "read whole (body)"
      : way === "processed"
        ? "processed into POST parameters"
        : way === "streamed"
          ? "streamed"
          : "discarded";
  return new HttpError("BODY_CONSUMED", `${what}: the request body was ${by} already`);
}

function append<T>(lists: Record<string, T[]>, name: string, value: T): void {
  const list = lists[name];
  if (list === undefined) lists[name] = [value];
  else list.push(value);
}

function firsts<T>(lists: Record<string, T[]>): Record<string, T> {
  const out: Record<string, T> = Object.create(null);
  for (const name in lists) out[name] = (lists[name] as T[])[0] as T;
  return out;
}

function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk)
    ? chunk
    : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

async function callAndWait(
  callback: PostStreamCallback,
  ...args: [Buffer?, PartMeta?]
): Promise<void> {
  const result = callback(...args);
  if (isThenable(result)) await result;
}
