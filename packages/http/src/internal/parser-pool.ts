// Request parsers shared by a handler's connections. An idle keep-alive
// connection needs no parser (a kilobyte with its buffers), but making one
// per request costs some 0.4 µs, and a parser that has parsed requests knows
// their field names (so it checks a browser's next head faster): a
// connection takes one when a request's bytes come and gives it back once
// the request is done and nothing of the next one has been read. A parser is
// then between messages, with nothing of any connection in it but the end of
// the last one and the names and value lengths it remembers (which make its
// checks faster, never their results), so the next connection may use it as
// new. Its events reach whichever connection holds it through the slot it
// was made with.

import {
  type RequestHandler,
  type RequestHead,
  RequestParser,
  type RequestParserOptions,
} from "@moonbridge/http-parser";

/** Who a parser's events go to: a connection, which takes all four. */
type Holder = Required<RequestHandler>;

/** Parsers kept for reuse per pool: more only wait for a burst that passed. */
const SPARE_PARSERS = 16;

/** A pooled parser and the connection its events go to. */
export class ParserSlot implements RequestHandler {
  readonly parser: RequestParser;
  #holder: Holder | undefined;

  constructor(limits: Readonly<RequestParserOptions>) {
    this.parser = new RequestParser(this, limits);
  }

  onRequestHead(head: RequestHead): void {
    this.#holder?.onRequestHead(head);
  }

  onBody(chunk: Uint8Array): void {
    this.#holder?.onBody(chunk);
  }

  onTrailers(trailers: string[]): void {
    this.#holder?.onTrailers(trailers);
  }

  onRequestComplete(): void {
    this.#holder?.onRequestComplete();
  }

  hold(holder: Holder | undefined): void {
    this.#holder = holder;
  }
}

/** The parsers of one handler's connections (one set of limits). */
export class ParserPool {
  readonly #limits: Readonly<RequestParserOptions>;
  readonly #spare: ParserSlot[] = [];

  constructor(limits: Readonly<RequestParserOptions>) {
    this.#limits = limits;
  }

  /** A parser whose events go to `holder`. */
  take(holder: Holder): ParserSlot {
    const slot = this.#spare.pop() ?? new ParserSlot(this.#limits);
    slot.hold(holder);
    return slot;
  }

  /** `slot`'s parser is between messages with nothing read of the next: another connection may take it. */
  give(slot: ParserSlot): void {
    slot.hold(undefined);
    if (this.#spare.length < SPARE_PARSERS) this.#spare.push(slot);
  }
}

const pools = new WeakMap<object, ParserPool>();

/** The pool of the connections whose parsers have `limits` (one object per handler). */
export function parserPool(limits: Readonly<RequestParserOptions>): ParserPool {
  let pool = pools.get(limits);
  if (pool === undefined) {
    pool = new ParserPool(limits);
    pools.set(limits, pool);
  }
  return pool;
}
