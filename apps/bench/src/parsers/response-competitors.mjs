// The HTTP response parsers compared, each driven to do the same work per
// response: status, reason and every header name and value as strings, body
// bytes counted (never copied by us), completion signalled. One parser per
// corpus item is fed the item's bytes once per call, as consecutive
// responses on one keep-alive connection, the way Node keeps one parser per
// client socket.
//
// - moonbridge: @moonbridge/http-parser's ResponseParser, from its build (dist).
// - llhttp: Node's own parser in RESPONSE mode, the HTTPParser class
//   node:http's `_http_common` module exports, set up as lib/_http_client.js
//   sets it up (parser.initialize(RESPONSE, resource, maxHeaderSize, lenient)).

import { createRequire } from "node:module";
import { loadBuilt } from "../harness.mjs";
import { checkConsumed, checkedCompetitor } from "./checked-competitor.mjs";

/**
 * Receives what a parser made of the responses.
 * @typedef {object} ResponseSink
 * @property {(status: number, reason: string, headers: readonly string[], keepAlive: boolean) => void} head
 * @property {(bytes: number) => void} body
 * @property {() => void} complete
 */

/**
 * @typedef {(item: import("./response-corpus.mjs").ResponseItem, sink: ResponseSink) => () => void} ResponseDriver
 * @typedef {import("../harness.mjs").Competitor<import("./response-corpus.mjs").ResponseInput>} ResponseCompetitor
 */

/** The sink used while timing: counts, so nothing the parsers make is dead code. @implements {ResponseSink} */
class Tally {
  responses = 0;
  headerStrings = 0;
  chars = 0;
  bodyBytes = 0;
  /** @param {number} _status @param {string} reason @param {readonly string[]} headers */
  head(_status, reason, headers) {
    this.chars += reason.length;
    this.headerStrings += headers.length;
  }
  /** @param {number} bytes */
  body(bytes) {
    this.bodyBytes += bytes;
  }
  complete() {
    this.responses++;
  }
}

/**
 * The sink used to verify: records every response in full.
 * @implements {ResponseSink}
 */
class Recorder {
  /** @type {{ status: number, reason: string, headers: string[], keepAlive: boolean, bodyBytes: number, complete: boolean }[]} */
  responses = [];
  /** @param {number} status @param {string} reason @param {readonly string[]} headers @param {boolean} keepAlive */
  head(status, reason, headers, keepAlive) {
    this.responses.push({
      status,
      reason,
      headers: [...headers],
      keepAlive,
      bodyBytes: 0,
      complete: false,
    });
  }
  /** @param {number} bytes */
  body(bytes) {
    const last = this.responses.at(-1);
    if (last === undefined) throw new Error("body before a head");
    last.bodyBytes += bytes;
  }
  complete() {
    const last = this.responses.at(-1);
    if (last === undefined) throw new Error("end before a head");
    last.complete = true;
  }
}

/**
 * @param {typeof import("@moonbridge/http-parser")} mod
 * @returns {ResponseDriver}
 */
function moonbridgeDriver(mod) {
  const { ResponseParser } = mod;
  return (item, sink) => {
    const parser = new ResponseParser({
      onResponseHead(head) {
        sink.head(head.status, head.reason, head.headers, head.keepAlive);
      },
      onBody(chunk) {
        sink.body(chunk.length);
      },
      onResponseComplete() {
        sink.complete();
      },
    });
    const bytes = item.input.bytes;
    return () => checkConsumed(parser.execute(bytes), bytes.length, "moonbridge");
  };
}

/**
 * Node's HTTPParser in RESPONSE mode, driven as node:http's client drives it
 * (lib/_http_common.js parserOnHeaders, parserOnHeadersComplete, parserOnBody,
 * parserOnMessageComplete; lib/_http_client.js initialize(RESPONSE, ...)):
 * header strings and the status message made in C++, each body piece as a
 * Buffer. What the client does beyond that (IncomingMessage) is left out.
 * @returns {ResponseDriver}
 */
function llhttpDriver() {
  const { HTTPParser } = /** @type {{ HTTPParser?: any }} */ (
    createRequire(import.meta.url)("_http_common")
  );
  if (typeof HTTPParser !== "function" || typeof HTTPParser.RESPONSE !== "number")
    throw new Error(`Node ${process.version}: _http_common no longer exports HTTPParser`);
  const kOnHeaders = HTTPParser.kOnHeaders | 0;
  const kOnHeadersComplete = HTTPParser.kOnHeadersComplete | 0;
  const kOnBody = HTTPParser.kOnBody | 0;
  const kOnMessageComplete = HTTPParser.kOnMessageComplete | 0;
  return (item, sink) => {
    const parser = new HTTPParser();
    parser._headers = [];
    /** @this {{ _headers: string[] }} */
    parser[kOnHeaders] = function parserOnHeaders(/** @type {string[]} */ headers) {
      for (const h of headers) this._headers.push(h);
    };
    /** @this {{ _headers: string[] }} */
    parser[kOnHeadersComplete] = function parserOnHeadersComplete(
      /** @type {number} */ _versionMajor,
      /** @type {number} */ _versionMinor,
      /** @type {string[] | undefined} */ headers,
      /** @type {unknown} */ _method,
      /** @type {unknown} */ _url,
      /** @type {number} */ statusCode,
      /** @type {string} */ statusMessage,
      /** @type {boolean} */ _upgrade,
      /** @type {boolean} */ shouldKeepAlive,
    ) {
      if (headers === undefined) {
        headers = this._headers;
        this._headers = [];
      }
      sink.head(statusCode, statusMessage, /** @type {string[]} */ (headers), shouldKeepAlive);
      return 0;
    };
    parser[kOnBody] = (/** @type {Buffer} */ b) => sink.body(b.length);
    parser[kOnMessageComplete] = () => sink.complete();
    parser.initialize(HTTPParser.RESPONSE, {}, 0, HTTPParser.kLenientNone);
    const bytes = item.input.bytes;
    return () => {
      const result = parser.execute(bytes);
      if (typeof result !== "number") throw result;
      checkConsumed(result, bytes.length, "llhttp");
    };
  };
}

/** Response sinks for checkedCompetitor. */
const SINKS = { Tally, Recorder, messages: "responses" };

export const RESPONSE_NAMES = Object.freeze(["moonbridge", "llhttp"]);
export const RESPONSE_BASELINE = "llhttp";

/**
 * The competitors whose names are in `names`, in table order.
 * @param {readonly string[]} [names]
 * @returns {Promise<ResponseCompetitor[]>}
 */
export async function loadResponseCompetitors(names = RESPONSE_NAMES) {
  /** @type {ResponseCompetitor[]} */
  const out = [];
  if (names.includes("moonbridge")) {
    const mod = await loadBuilt("@moonbridge/http-parser", () => import("@moonbridge/http-parser"));
    out.push(checkedCompetitor("moonbridge", moonbridgeDriver(mod), SINKS));
  }
  if (names.includes("llhttp")) out.push(checkedCompetitor("llhttp", llhttpDriver(), SINKS));
  return out;
}
