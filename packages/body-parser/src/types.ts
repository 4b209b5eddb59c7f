// The shapes that cross the multipart parser's boundary.

/** Receives a multipart body's parts, in order, as the parser reads them. */
export interface MultipartHandler {
  /** A part's header section is complete: its data follows. */
  onPart(meta: PartMeta): void;
  /** Part data: a view of the input, valid only during the call; copy it to keep it. */
  onData(chunk: Uint8Array): void;
  /** The current part's data is complete. */
  onPartEnd(): void;
}

/** What a part's headers say about it. */
export interface PartMeta {
  /** The `name` parameter of Content-Disposition. */
  fieldName: string;
  /** The file name (`filename*` preferred over `filename`), or `undefined` for a plain field. */
  fileName: string | undefined;
  /** The part's Content-Type, or `undefined` if it has none. */
  contentType: string | undefined;
  /** All of the part's header fields, flat `[name, value, ...]`, names as sent. */
  headers: string[];
}

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
