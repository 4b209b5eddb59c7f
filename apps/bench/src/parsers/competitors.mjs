// The HTTP request parsers compared, each driven to do the same work per
// request: method, request-target and every header name and value as strings,
// body bytes counted (never copied by us), completion signalled. Each keeps
// one parser per corpus item and feeds it the item's bytes once per call, as
// consecutive requests on one keep-alive connection, the way Node keeps one
// parser per socket. With `newConnection`, each call is a new connection's
// first message instead: a new RequestParser, and for the other two the
// parser re-initialized, as node:http does with one from its free list.
//
// - moonbridge: @moonbridge/http-parser's RequestParser, from its build (dist).
// - llhttp: Node's own parser, the HTTPParser class node:http's `_http_common`
//   module exports (on Node 20, 22 and 24), set up as lib/_http_common.js and
//   lib/_http_server.js set it up.
// - http-parser-js: the pure-JS parser that mimics the binding, driven the
//   same way Node would drive it as a drop-in replacement.

import { createRequire } from "node:module";
import httpParserJs from "http-parser-js";
import { loadBuilt } from "../harness.mjs";
import { checkConsumed, checkedCompetitor } from "./checked-competitor.mjs";

/**
 * Receives what a parser made of the requests.
 * @typedef {object} Sink
 * @property {(method: string, url: string, versionMinor: number, headers: readonly string[], keepAlive: boolean) => void} head
 * @property {(bytes: number) => void} body
 * @property {(trailers: readonly string[]) => void} trailers
 * @property {() => void} complete
 */

/**
 * Sets up one parser for `item` that reports to `sink`; returns the unit of
 * work: parse the item's bytes once. It throws if the parser fails or stops
 * early.
 * @typedef {(item: import("./corpus.mjs").ParserItem, sink: Sink) => () => void} Driver
 */

/**
 * What Node keeps on its parser object between callbacks (lib/_http_common.js).
 * @typedef {{ _headers: string[], _url: string }} ParserState
 */

/** @typedef {import("../harness.mjs").Competitor<import("./corpus.mjs").ParserInput>} ParserCompetitor */

/**
 * The sink used while timing: counts, so that nothing the parsers produce is
 * dead code, and so that a run can be checked afterwards.
 * @implements {Sink}
 */
export class Tally {
  requests = 0;
  /** Strings in header sections: two per field. */
  headerStrings = 0;
  trailerStrings = 0;
  /** Characters of methods and targets. */
  chars = 0;
  bodyBytes = 0;

  /** @param {string} method @param {string} url @param {number} _versionMinor @param {readonly string[]} headers */
  head(method, url, _versionMinor, headers) {
    this.chars += method.length + url.length;
    this.headerStrings += headers.length;
  }
  /** @param {number} bytes */
  body(bytes) {
    this.bodyBytes += bytes;
  }
  /** @param {readonly string[]} trailers */
  trailers(trailers) {
    this.trailerStrings += trailers.length;
  }
  complete() {
    this.requests++;
  }
}

/**
 * @typedef {object} RecordedRequest
 * @property {string} method
 * @property {string} url
 * @property {number} versionMinor
 * @property {string[]} headers
 * @property {boolean} keepAlive
 * @property {number} bodyBytes
 * @property {string[]} trailers
 * @property {boolean} complete
 */

/**
 * The sink used to verify: records every request in full.
 * @implements {Sink}
 */
export class Recorder {
  /** @type {RecordedRequest[]} */
  requests = [];

  /** @returns {RecordedRequest} */
  #current() {
    const last = this.requests.at(-1);
    if (last === undefined || last.complete)
      throw new Error("body or end of a request before its head");
    return last;
  }
  /** @param {string} method @param {string} url @param {number} versionMinor @param {readonly string[]} headers @param {boolean} keepAlive */
  head(method, url, versionMinor, headers, keepAlive) {
    const headersCopy = [...headers];
    this.requests.push({
      method,
      url,
      versionMinor,
      headers: headersCopy,
      keepAlive,
      bodyBytes: 0,
      trailers: [],
      complete: false,
    });
  }
  /** @param {number} bytes */
  body(bytes) {
    this.#current().bodyBytes += bytes;
  }
  /** @param {readonly string[]} trailers */
  trailers(trailers) {
    this.#current().trailers.push(...trailers);
  }
  complete() {
    this.#current().complete = true;
  }
}

// --- @moonbridge/http-parser -------------------------------------------------

/**
 * @param {typeof import("@moonbridge/http-parser")} mod
 * @param {boolean} newConnection a new parser for each unit of work
 * @returns {Driver}
 */
function moonbridgeDriver(mod, newConnection) {
  const { RequestParser } = mod;
  return (item, sink) => {
    /** @type {import("@moonbridge/http-parser").RequestHandler} */
    const handler = {
      onRequestHead(head) {
        sink.head(head.method, head.target, head.versionMinor, head.headers, head.keepAlive);
      },
      onBody(chunk) {
        sink.body(chunk.length);
      },
      onTrailers(trailers) {
        sink.trailers(trailers);
      },
      onRequestComplete() {
        sink.complete();
      },
    };
    const bytes = item.input.bytes;
    if (newConnection)
      return () =>
        checkConsumed(new RequestParser(handler).execute(bytes), bytes.length, "moonbridge");
    const parser = new RequestParser(handler);
    return () => checkConsumed(parser.execute(bytes), bytes.length, "moonbridge");
  };
}

// --- llhttp, through node:http's own module -----------------------------------

/**
 * Node's HTTPParser and llhttp's method names by number, as node:http gets
 * them. process.binding('http_parser') worked up to Node 22; Node 24 refuses
 * it ("No such module: http_parser"). node:http's own `_http_common` module
 * exports the same HTTPParser class and `methods` list on Node 20, 22 and 24,
 * without a deprecation warning. Only `allMethods` (llhttp's method number to
 * name, what kOnHeadersComplete reports) is not exported: it is rebuilt by
 * parsing one request per method name, as packages/http-parser's
 * differential test does (test/helpers/llhttp.ts).
 * @returns {{ HTTPParser: any, allMethods: string[] }}
 */
function loadHttpParser() {
  const where = `Node ${process.version} (llhttp ${process.versions.llhttp ?? "?"})`;
  const { HTTPParser, methods } = /** @type {{ HTTPParser?: any, methods?: unknown }} */ (
    createRequire(import.meta.url)("_http_common")
  );
  if (typeof HTTPParser !== "function" || !Array.isArray(methods))
    throw new Error(`${where}: node:http's _http_common no longer exports HTTPParser and methods`);
  /** @type {Map<number, string>} */
  const byNumber = new Map();
  for (const name of /** @type {string[]} */ (methods)) {
    const parser = new HTTPParser();
    parser.initialize(HTTPParser.REQUEST, {}, 0, HTTPParser.kLenientNone);
    parser[HTTPParser.kOnHeadersComplete] = (
      /** @type {number} */ _major,
      /** @type {number} */ _minor,
      /** @type {unknown} */ _headers,
      /** @type {number} */ method,
    ) => {
      byNumber.set(method, name);
      return 0;
    };
    const target = name === "CONNECT" ? "a:1" : "/";
    parser.execute(Buffer.from(`${name} ${target} HTTP/1.1\r\nHost: a\r\n\r\n`, "latin1"));
  }
  const got = new Set(byNumber.values());
  const lost = /** @type {string[]} */ (methods).filter((name) => !got.has(name));
  if (lost.length > 0)
    throw new Error(`${where}: llhttp reported no method number for ${lost.join(", ")}`);
  // Dense, as the binding's own allMethods (looked up once per request while timing).
  const allMethods = Array.from(
    { length: Math.max(...byNumber.keys()) + 1 },
    (_, number) => byNumber.get(number) ?? "",
  );
  return { HTTPParser, allMethods };
}

/**
 * Node's HTTPParser, driven as Node's server drives it (lib/_http_common.js:
 * parserOnHeaders, parserOnHeadersComplete, parserOnBody,
 * parserOnMessageComplete; lib/_http_server.js: parser.initialize(REQUEST,
 * resource, maxHeaderSize || 0, kLenientNone)). Header names and values and
 * the url arrive as strings made in C++; the method as an index into
 * allMethods; each body piece as a Buffer (the binding copies it). What Node
 * does beyond that (IncomingMessage, the kOnMessageBegin hook for request
 * timeouts) is server work, not parsing, and is left out.
 * @param {boolean} newConnection re-initialize the parser for each unit of work
 * @returns {Driver}
 */
function llhttpDriver(newConnection) {
  const { HTTPParser, allMethods } = loadHttpParser();
  const kOnHeaders = HTTPParser.kOnHeaders | 0;
  const kOnHeadersComplete = HTTPParser.kOnHeadersComplete | 0;
  const kOnBody = HTTPParser.kOnBody | 0;
  const kOnMessageComplete = HTTPParser.kOnMessageComplete | 0;
  return (item, sink) => {
    const parser = new HTTPParser();
    // cleanParser()
    parser._headers = [];
    parser._url = "";
    // Only in the slow case: headers split across execute() calls or over
    // 32 pairs, and trailers.
    /** @this {ParserState} */
    parser[kOnHeaders] = function parserOnHeaders(
      /** @type {string[]} */ headers,
      /** @type {string} */ url,
    ) {
      for (const h of headers) this._headers.push(h);
      this._url += url;
    };
    /** @this {ParserState} */
    parser[kOnHeadersComplete] = function parserOnHeadersComplete(
      /** @type {number} */ _versionMajor,
      /** @type {number} */ versionMinor,
      /** @type {string[] | undefined} */ headers,
      /** @type {number} */ method,
      /** @type {string | undefined} */ url,
      /** @type {unknown} */ _statusCode,
      /** @type {unknown} */ _statusMessage,
      /** @type {boolean} */ _upgrade,
      /** @type {boolean} */ shouldKeepAlive,
    ) {
      if (headers === undefined) {
        headers = this._headers;
        this._headers = [];
      }
      if (url === undefined) {
        url = this._url;
        this._url = "";
      }
      sink.head(
        /** @type {string} */ (allMethods[method]),
        /** @type {string} */ (url),
        versionMinor,
        /** @type {string[]} */ (headers),
        shouldKeepAlive,
      );
      return 0;
    };
    parser[kOnBody] = (/** @type {Buffer} */ b) => sink.body(b.length);
    /** @this {ParserState} */
    parser[kOnMessageComplete] = function parserOnMessageComplete() {
      if (this._headers.length > 0) {
        sink.trailers(this._headers);
        this._headers = [];
        this._url = "";
      }
      sink.complete();
    };
    parser.initialize(HTTPParser.REQUEST, {}, 0, HTTPParser.kLenientNone);
    const bytes = item.input.bytes;
    return () => {
      // A new connection: node:http takes a parser from its free list and initializes it.
      if (newConnection) parser.initialize(HTTPParser.REQUEST, {}, 0, HTTPParser.kLenientNone);
      const result = parser.execute(bytes);
      if (typeof result !== "number") throw result;
      checkConsumed(result, bytes.length, "llhttp");
    };
  };
}

// --- http-parser-js ---------------------------------------------------------

/**
 * http-parser-js driven exactly like the binding. Reading `kOnExecute` is what
 * Node's _http_common.js does on load; it switches http-parser-js to the
 * binding's positional onHeadersComplete arguments. The callbacks repeat the
 * llhttp driver's on purpose: one shared function literal would share V8's
 * type feedback between the two parsers and slow both in a way neither shows
 * alone.
 * @param {boolean} newConnection re-initialize the parser for each unit of work
 * @returns {Driver}
 */
function httpParserJsDriver(newConnection) {
  const { HTTPParser, methods } = /** @type {any} */ (httpParserJs);
  void (HTTPParser.kOnExecute | 0);
  const kOnHeaders = HTTPParser.kOnHeaders | 0;
  const kOnHeadersComplete = HTTPParser.kOnHeadersComplete | 0;
  const kOnBody = HTTPParser.kOnBody | 0;
  const kOnMessageComplete = HTTPParser.kOnMessageComplete | 0;
  return (item, sink) => {
    const parser = new HTTPParser();
    parser._headers = [];
    parser._url = "";
    /** @this {ParserState} */
    parser[kOnHeaders] = function parserOnHeaders(
      /** @type {string[]} */ headers,
      /** @type {string} */ url,
    ) {
      for (const h of headers) this._headers.push(h);
      this._url += url;
    };
    /** @this {ParserState} */
    parser[kOnHeadersComplete] = function parserOnHeadersComplete(
      /** @type {number} */ _versionMajor,
      /** @type {number} */ versionMinor,
      /** @type {string[] | undefined} */ headers,
      /** @type {number} */ method,
      /** @type {string | undefined} */ url,
      /** @type {unknown} */ _statusCode,
      /** @type {unknown} */ _statusMessage,
      /** @type {boolean} */ _upgrade,
      /** @type {boolean} */ shouldKeepAlive,
    ) {
      if (headers === undefined) {
        headers = this._headers;
        this._headers = [];
      }
      if (url === undefined) {
        url = this._url;
        this._url = "";
      }
      sink.head(
        methods[method],
        /** @type {string} */ (url),
        versionMinor,
        /** @type {string[]} */ (headers),
        shouldKeepAlive,
      );
      return 0;
    };
    parser[kOnBody] = (
      /** @type {Buffer} */ _b,
      /** @type {number} */ _start,
      /** @type {number} */ len,
    ) => sink.body(len);
    /** @this {ParserState} */
    parser[kOnMessageComplete] = function parserOnMessageComplete() {
      if (this._headers.length > 0) {
        sink.trailers(this._headers);
        this._headers = [];
        this._url = "";
      }
      sink.complete();
    };
    parser.initialize(HTTPParser.REQUEST, {});
    const bytes = item.input.bytes;
    return () => {
      if (newConnection) parser.initialize(HTTPParser.REQUEST, {});
      const result = parser.execute(bytes);
      if (typeof result !== "number") throw result;
      checkConsumed(result, bytes.length, "http-parser-js");
    };
  };
}

// --- competitors ----------------------------------------------------------------

/** Request sinks for checkedCompetitor. */
const SINKS = { Tally, Recorder, messages: "requests" };

/** Names of the competitors, in table order. */
export const NAMES = Object.freeze(["moonbridge", "llhttp", "http-parser-js"]);

/** The name the ratios are relative to: Node's own parser. */
export const BASELINE = "llhttp";

/**
 * The competitors whose names are in `names` (all by default), in table
 * order. @moonbridge/http-parser is imported only when it is asked for.
 * `newConnection`: each unit of work on a new connection (see the top).
 * @param {readonly string[]} [names]
 * @param {{ newConnection?: boolean }} [mode]
 * @returns {Promise<ParserCompetitor[]>}
 */
export async function loadCompetitors(names = NAMES, { newConnection = false } = {}) {
  /** @type {ParserCompetitor[]} */
  const out = [];
  for (const name of NAMES) {
    if (!names.includes(name)) continue;
    if (name === "moonbridge")
      out.push(
        checkedCompetitor(
          name,
          moonbridgeDriver(
            await loadBuilt("@moonbridge/http-parser", () => import("@moonbridge/http-parser")),
            newConnection,
          ),
          SINKS,
        ),
      );
    if (name === "llhttp") out.push(checkedCompetitor(name, llhttpDriver(newConnection), SINKS));
    if (name === "http-parser-js")
      out.push(checkedCompetitor(name, httpParserJsDriver(newConnection), SINKS));
  }
  return out;
}

/** Versions to print under the table. */
export function versions() {
  const require = createRequire(import.meta.url);
  /** @param {string} pkg */
  const version = (pkg) => {
    try {
      return /** @type {{ version: string }} */ (require(`${pkg}/package.json`)).version;
    } catch {
      return "?";
    }
  };
  return {
    node: process.version,
    llhttp: process.versions.llhttp ?? "?",
    "http-parser-js": version("http-parser-js"),
    moonbridge: version("@moonbridge/http-parser"),
  };
}
