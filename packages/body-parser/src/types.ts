// The shapes that cross the multipart parser's boundary.

/**
 * Receives a multipart body's parts, in order, as the parser reads them.
 * `Meta` is {@link PartMeta} for multipart/form-data, {@link MimePartMeta}
 * for a parser made with `{ formData: false }`.
 */
export interface MultipartHandler<Meta = PartMeta> {
  /** A part's header section is complete: its data follows. */
  onPart(meta: Meta): void;
  /** Part data: a view of the input, valid only during the call; copy it to keep it. */
  onData(chunk: Uint8Array): void;
  /** The current part's data is complete. */
  onPartEnd(): void;
}

/** What a part's headers say about it. */
export interface PartMeta {
  /** The `name` parameter of Content-Disposition. */
  fieldName: string;
  /**
   * The file name (`filename*` preferred over `filename`) reduced to its base
   * name (what follows the last `/` or `\`), or `undefined` for a plain field.
   */
  fileName: string | undefined;
  /** The part's Content-Type, or `undefined` if it has none. */
  contentType: string | undefined;
  /** All of the part's header fields, flat `[name, value, ...]`, names as sent. */
  headers: string[];
}

/**
 * What a part's headers say about it in a multipart body of any subtype
 * (multipart/mixed, related, ...; a parser made with `{ formData: false }`):
 * Content-Disposition is optional there, and so is its `name`.
 */
export interface MimePartMeta {
  /** The `name` parameter of Content-Disposition, or `undefined` without one. */
  fieldName: string | undefined;
  /** The file name, as in {@link PartMeta}, or `undefined`. */
  fileName: string | undefined;
  /** The part's Content-Type, or `undefined` if it has none (RFC 2046 then means text/plain). */
  contentType: string | undefined;
  /** All of the part's header fields, flat `[name, value, ...]`, names as sent, folded lines joined. */
  headers: string[];
}

/** How a multipart body is read: see {@link MultipartParser} and {@link parseMultipart}. */
export interface MultipartOptions {
  /**
   * `true`: multipart/form-data (RFC 7578): every part has a
   * `Content-Disposition: form-data` with a name; folded header lines and
   * Content-Transfer-Encodings other than 7bit, 8bit, binary are rejected.
   * `false`: any multipart subtype (RFC 2046): parts need no
   * Content-Disposition, folded header lines are joined, the data is passed
   * on as sent whatever its Content-Transfer-Encoding. @default true
   */
  formData?: boolean;
}

/** Options of {@link getBoundary}. */
export interface BoundaryOptions {
  /** Accept any `multipart/*` media type, not only multipart/form-data. @default false */
  anySubtype?: boolean;
}

/**
 * One part of a body read by {@link parseMultipart}: its metadata, and its
 * data, read from the source as it is consumed. Moving on to the next part
 * skips what is left of this one.
 */
export interface MultipartPart<Meta = PartMeta> {
  readonly meta: Meta;
  /**
   * The part's data: chunks as views of the source's chunks (or small
   * copies), each one read from the source when asked for. Each iteration
   * goes on where the last one stopped; leaving one early (`break`) leaves
   * the rest for the next, or for the next part to skip.
   */
  readonly body: AsyncIterable<Uint8Array>;
  /** The rest of the part's data, joined. */
  bytes(): Promise<Uint8Array>;
  /** The rest of the part's data as UTF-8 text (invalid sequences become U+FFFD). */
  text(): Promise<string>;
}

/** The part of a web `ReadableStream<Uint8Array>` that {@link parseMultipart} uses. */
export interface ByteStreamLike {
  getReader(): {
    read(): Promise<{ done: boolean; value?: Uint8Array | undefined }>;
    cancel(reason?: unknown): Promise<void>;
    releaseLock(): void;
  };
}

/**
 * What {@link parseMultipart} reads a body from: a web `ReadableStream`, a
 * Node `Readable` or any async iterable of bytes, or an iterable of chunks
 * (`[body]` for a body already in memory).
 */
export type MultipartSource = ByteStreamLike | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** Limits of a {@link MultipartParser}; all sizes in bytes, all finite. */
export interface MultipartLimits {
  /** @default 1000 */
  maxParts?: number;
  /** Bytes of one part's header section. @default 16384 (16 KiB) */
  maxPartHeaderSize?: number;
  /** Bytes of a field (a part without a file name). @default 1048576 (1 MiB) */
  maxFieldSize?: number;
  /** Bytes of one file part. @default 1073741824 (1 GiB) */
  maxFileSize?: number;
  /** Bytes of the whole body, delimiters included. @default 1073741824 (1 GiB) */
  maxTotalSize?: number;
}

/** Limits of {@link parseUrlencoded}. */
export interface UrlencodedLimits {
  /** @default 1000 */
  maxFields?: number;
  /** Bytes of a name as sent (before decoding). @default 1024 (1 KiB) */
  maxNameLength?: number;
  /** Bytes of a value as sent (before decoding). @default 1048576 (1 MiB) */
  maxValueLength?: number;
}
