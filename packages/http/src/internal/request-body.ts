// The request body, consumed once, one of four ways: read whole (`body`),
// processed into POST tables (urlencoded or multipart, with field streams),
// streamed to a callback, or read and dropped. The reference's exclusions
// between these ways are kept here, in one place. So is what happens to a
// body still unread when the response starts: it is read then (a client
// still sending never deadlocks against a response it does not read), but
// parsed only if the application asked for that, so that form limits never
// refuse a body the application ignores.

import { Buffer } from "node:buffer";
import {
  getBoundary,
  type MultipartLimits,
  MultipartParser,
  type PartMeta,
  parseUrlencoded,
  type UrlencodedLimits,
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
  /** The next chunk, or null at the end (a function property: it is passed around unbound). */
  readonly next: () => Promise<Uint8Array | null>;
  /** True once the body has been read to its end (or there is none). */
  done(): boolean;
  contentType(): string | undefined;
  /** The limits of the POST tables (the post*Limit options). */
  readonly urlencodedLimits: Readonly<Required<UrlencodedLimits>>;
  readonly multipartLimits: Readonly<Required<MultipartLimits>>;
}

/** "held": read unparsed when the response started; parsed if the POST tables are asked for. */
type Way = "unread" | "body" | "processed" | "held" | "streamed" | "discarded";

type Next = () => Promise<Uint8Array | null>;

export class RequestBody {
  readonly #source: BodySource;
  #way: Way = "unread";
  #whole: Promise<Buffer> | undefined;
  #processing: Promise<void> | undefined;
  /** A form body read unparsed when the response started (way "held"). */
  #held: Promise<Buffer> | undefined;
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
    this.#whole = this.#track(this.#collect(this.#source.next));
    return this.#whole;
  }

  process(): Promise<void> {
    if (this.#processing !== undefined) return this.#processing;
    const held = this.#held;
    if (held !== undefined) {
      // Asked for after the response started: the held bytes are parsed now.
      this.#way = "processed";
      this.#held = undefined;
      this.#processing = this.#track(held.then((bytes) => this.#process(once(bytes))));
      return this.#processing;
    }
    if (this.#way !== "unread") return Promise.reject(consumed("post parameters", this.#way));
    this.#way = "processed";
    this.#processing = this.#track(this.#process(this.#source.next));
    return this.#processing;
  }

  /**
   * Reads the unread body before the response starts, parsing no more than
   * the application asked for. With field streams registered it is
   * processed (they get their data, as Moonbridge's automatic processing
   * gives it). Otherwise nothing asked for the POST tables yet, and nothing
   * may ever: a form body is read and held unparsed, parsed only if the
   * tables are asked for later (so Moonbridge's post_params after a
   * response still works, and the form limits apply only then); any other
   * body is read and dropped, as processing it would. Either way the body
   * is read to its end, within requestBodySizeLimit.
   */
  readBeforeOutput(): Promise<void> {
    if (this.#streams.length > 0 || !isForm(this.#source.contentType())) return this.process();
    this.#way = "held";
    const held = this.#track(this.#collect(this.#source.next));
    this.#held = held;
    return held.then(ignore);
  }

  addStream(match: string | RegExp, callback: PostStreamCallback): void {
    if (typeof callback !== "function") {
      throw new HttpError("INVALID_ARGUMENT", "a POST field stream needs a callback function");
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
      throw new HttpError(
        "INVALID_ARGUMENT",
        "streamRequestBody takes a callback function or nothing",
      );
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
    const next = this.#source.next;
    while ((await next()) !== null) {}
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

  async #collect(next: Next): Promise<Buffer> {
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (let chunk = await next(); chunk !== null; chunk = await next()) {
      chunks.push(chunk);
      total += chunk.length;
    }
    if (chunks.length === 1) return asBuffer(chunks[0] as Uint8Array);
    return Buffer.concat(chunks, total);
  }

  /** Fills the POST tables from the body `next` reads (the connection's, or held bytes). */
  async #process(next: Next): Promise<void> {
    const type = this.#source.contentType();
    const media = mediaType(type);
    const paramsList: Record<string, string[]> = Object.create(null);
    if (media === "application/x-www-form-urlencoded") {
      const form = parseUrlencoded(await this.#collect(next), this.#source.urlencodedLimits);
      for (const [name, values] of form) paramsList[name] = values;
      this.#tables = {
        paramsList,
        params: firsts(paramsList),
        metadata: undefined,
        metadataList: undefined,
      };
    } else if (media === "multipart/form-data") {
      const metadataList: Record<string, PartMeta[]> = Object.create(null);
      await this.#multipart(next, getBoundary(type as string), paramsList, metadataList);
      this.#tables = {
        paramsList,
        params: firsts(paramsList),
        metadataList,
        metadata: firsts(metadataList),
      };
    } else {
      while ((await next()) !== null) {}
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
    next: Next,
    boundary: string,
    paramsList: Record<string, string[]>,
    metadataList: Record<string, PartMeta[]>,
  ): Promise<void> {
    const events: Array<PartMeta | Uint8Array | null> = [];
    const parser = new MultipartParser(
      boundary,
      {
        onPart: (meta) => events.push(meta),
        onData: (chunk) => events.push(chunk),
        onPartEnd: () => events.push(null),
      },
      this.#source.multipartLimits,
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
    for (let chunk = await next(); chunk !== null; chunk = await next()) {
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
        : way === "held"
          ? "read for the POST parameters when the response started"
          : way === "streamed"
            ? "streamed"
            : "discarded";
  return new HttpError("BODY_CONSUMED", `${what}: the request body was ${by} already`);
}

/** The media type of a Content-Type value, lowercased, without parameters ("" when there is none). */
function mediaType(type: string | undefined): string {
  return type === undefined ? "" : (type.split(";", 1)[0] as string).trim().toLowerCase();
}

/** True for the bodies the POST tables are made from. */
function isForm(type: string | undefined): boolean {
  const media = mediaType(type);
  return media === "application/x-www-form-urlencoded" || media === "multipart/form-data";
}

/** A body reader that gives `bytes` once, then the end. */
function once(bytes: Buffer): Next {
  let given = false;
  return () => {
    if (given) return Promise.resolve(null);
    given = true;
    return Promise.resolve(bytes);
  };
}

function ignore(): void {}

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
