// The shapes that cross the parser's boundary: what a handler receives and
// the options a parser takes.

/** Receives a request's events, in order, as the parser reads them. */
export interface RequestHandler {
  /** Called once the header section of a request is complete. */
  onRequestHead(head: RequestHead): void;
  /** Decoded body bytes (chunked framing removed): a view of the input, valid only during the call. */
  onBody?(chunk: Uint8Array): void;
  /** Trailer fields of a chunked body, flat `[name, value, ...]`; called only when there are some. */
  onTrailers?(trailers: string[]): void;
  /** The request, body included, is complete; the next pipelined one may follow. */
  onRequestComplete?(): void;
}

/** The request line and header section of one request. */
export interface RequestHead {
  /** The method as sent, e.g. `"GET"` (case-sensitive). */
  method: string;
  /** The raw request-target: `"/a/b?x=1"`, `"*"`, `"example.com:443"`, `"http://h/p"`. */
  target: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  versionMinor: 0 | 1;
  /** Flat `[name, value, ...]`: names as sent, values trimmed of optional whitespace, bytes as latin1. */
  headers: string[];
  /** The Content-Length, or `undefined` when the request has none. */
  contentLength: number | undefined;
  /** Whether the body is chunked. A request with neither this nor `contentLength` has no body. */
  chunked: boolean;
  /** Whether the connection may carry another request after this one (version and `Connection`). */
  keepAlive: boolean;
  /** An `Upgrade` request with `Connection: upgrade` (HTTP/1.1), or CONNECT: after it, the bytes belong to the caller. */
  upgrade: boolean;
  /** `Expect: 100-continue` on HTTP/1.1. */
  expectContinue: boolean;
}

/** Limits of a {@link RequestParser}; each has a finite default except `maxBodySize`. */
export interface RequestParserOptions {
  /**
   * Bytes of request line plus header section (leading empty lines not
   * counted); also the limit for a trailer section.
   * @default 81920 (80 KiB)
   */
  maxHeaderSize?: number;
  /**
   * Decoded body bytes.
   * @default Infinity
   */
  maxBodySize?: number;
  /**
   * Header fields per request (and trailer fields per request).
   * @default 100
   */
  maxHeaderCount?: number;
  /**
   * Bytes of chunk extensions per request (they are validated and skipped).
   * @default 16384 (16 KiB)
   */
  maxChunkExtensionSize?: number;
  /**
   * Leniency: an HTTP/1.1 request without Host is accepted (RFC 9112
   * section 3.2 has a server reject it). For proxies and tools that parse
   * requests a server will check later. @default false
   */
  allowMissingHost?: boolean;
  /**
   * Leniency: obs-fold (a header or trailer line that starts with SP or
   * HTAB continues the field before) is accepted, each fold replaced by one
   * SP (RFC 9112 section 5.2), except in Host, Content-Length,
   * Transfer-Encoding, Connection, Upgrade and Expect, where it is still
   * rejected. @default false
   */
  allowObsFold?: boolean;
  /**
   * Leniency: a bare LF ends a line as CRLF does (request line, header and
   * trailer lines, the empty line, chunk-size lines, after chunk data, and
   * empty lines before a request); a CR not followed by LF is still
   * rejected. @default false
   */
  allowBareLf?: boolean;
  /**
   * Leniency: the CRLF after a chunk's data may be missing (the next chunk
   * size follows at once), as llhttp's LENIENT_OPTIONAL_CRLF_AFTER_CHUNK.
   * @default false
   */
  allowMissingCrlfAfterChunk?: boolean;
}

/** Receives a response's events, in order, as the parser reads them. */
export interface ResponseHandler {
  /** Called once the header section of a response is complete; also for each interim (1xx) response. */
  onResponseHead(head: ResponseHead): void;
  /** Decoded body bytes (chunked framing removed): a view of the input, valid only during the call. */
  onBody?(chunk: Uint8Array): void;
  /** Trailer fields of a chunked body, flat `[name, value, ...]`; called only when there are some. */
  onTrailers?(trailers: string[]): void;
  /** The response, body included, is complete (an interim 1xx one too); the next may follow. */
  onResponseComplete?(): void;
}

/** The status line and header section of one response. */
export interface ResponseHead {
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  versionMinor: 0 | 1;
  /** The status code, 100 to 999. */
  status: number;
  /** The reason phrase as sent (may be empty), bytes as latin1. */
  reason: string;
  /** Flat `[name, value, ...]`: names as sent, values trimmed of optional whitespace, bytes as latin1. */
  headers: string[];
  /** The Content-Length, or `undefined` when the response has none. */
  contentLength: number | undefined;
  /** Whether the body is chunked (chunked coding is removed; other transfer codings, if any, are left to the caller). */
  chunked: boolean;
  /**
   * Whether the body is delimited by the connection's close (no
   * Content-Length, not chunked, and a body allowed): every byte until
   * `finish()` is body, and `finish()` completes the response.
   */
  untilClose: boolean;
  /** Whether the connection may carry another response after this one (version, `Connection`, and not `untilClose`). */
  keepAlive: boolean;
  /** 101 Switching Protocols, or a 2xx answer to CONNECT: after the head, the bytes belong to the caller. */
  upgrade: boolean;
}

/** Limits and leniencies of a {@link ResponseParser}: those of {@link RequestParserOptions} that apply to responses. */
export type ResponseParserOptions = Omit<RequestParserOptions, "allowMissingHost">;
