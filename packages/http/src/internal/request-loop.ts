// One connection's requests, served in order: wait for a head, call the
// application, finish its response, and again, until the connection ends.
// Written as steps, not as an async loop: a keep-alive request waits for its
// input and for the callback's promise through handlers made once per
// connection, where each `await` in a loop makes a closure pair, a context
// and a promise reaction (about 200 bytes on the heap of a worker that wakes
// for every request). Steps that complete at once run on in a loop, so a
// pipelined burst with a synchronous callback does not grow the stack.
// While a callback runs, the loop is registered to be failed by a rejection
// the callback leaves unhandled (see unhandled-rejections.ts).
// In a worker that holds many connections (socket.sharesWorker), the loop
// holds the worker's turn only while it serves a request: from its complete
// head to its end. While it waits for a head (or for a departed client's end
// of stream) it gives the turn back, so that the worker serves its other
// connections; pipelined requests follow each other within one turn.

import type { MoonSocket } from "@moonbridge/socket";
import { resetTimeouts } from "@moonbridge/timeout";
import { HttpError } from "../errors";
import type { ResolvedHttpOptions } from "../options";
import { createRequest, type Request, requestBodyOf, responseOf } from "../request";
import type { AccessLogEntry, RequestCallback } from "../types";
import { Connection, clientErrorStatus } from "./connection";
import { isThenable } from "./thenable";
import { list, type RejectionSink, unlist } from "./unhandled-rejections";

/** The promise a loop waits on (RequestLoop.#await): input, the worker's turn, the callback's, finishing its response. */
const INPUT = 1;
const TURN = 2;
const RESULT = 3;
const FINISH = 4;
type Step = typeof INPUT | typeof TURN | typeof RESULT | typeof FINISH;

/** yieldTurn()'s options for a connection that waits for its next request, nothing of it read. */
const IDLE = { idle: true };
/** yieldTurn()'s options for a connection whose request is here, during the look for a departed client. */
const READY = { ready: true };

export class RequestLoop implements RejectionSink {
  readonly #conn: Connection;
  readonly #socket: MoonSocket;
  readonly #callback: RequestCallback;
  readonly #resolve: (survive: boolean) => void;
  readonly #reject: (error: unknown) => void;
  /** Every callback so far returned exactly true. */
  #survive = true;
  /** The application's error that ends the connection, rethrown once it is closed. */
  #failure: { error: unknown } | undefined;
  #request: Request | undefined;
  /** When the running request's callback began (performance.now() ms), for the access log; 0: not logged. */
  #began = 0;
  #result: unknown;
  #ending = false;
  /** The first request waited its turn for a departed client's end of stream. */
  #looked = false;
  /** What the pending promise is (#await). */
  #step: Step = INPUT;
  // For unhandled rejections (see unhandled-rejections.ts): flags, set per
  // request, so that a keep-alive request allocates nothing for them.
  /** In the registry's list (from the first callback until the handler settles). */
  #listed = false;
  /** A request is under way: its callback was called and its response is not done. */
  #active = false;
  /** The callback was called and has not returned or settled yet (it may outlive its request). */
  #inCallback = false;
  /** The handler's promise is settled: nothing more can be reported. */
  #settled = false;

  /** Serves `socket` to its end; then `resolve` gets whether the worker may serve again, or `reject` the callback's error. */
  constructor(
    socket: MoonSocket,
    callback: RequestCallback,
    options: ResolvedHttpOptions,
    resolve: (survive: boolean) => void,
    reject: (error: unknown) => void,
  ) {
    this.#socket = socket;
    this.#callback = callback;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#conn = new Connection(socket, options);
  }

  start(): void {
    try {
      this.#next();
    } catch (error) {
      this.#unexpected(error);
    }
  }

  /** Serves requests for as long as each one's steps complete at once; stops where one must wait (its handler goes on). */
  #next(): void {
    const conn = this.#conn;
    for (;;) {
      let more: boolean | undefined;
      try {
        conn.beginNext();
        more = conn.nextHead();
      } catch (error) {
        this.#clientError(error);
        return;
      }
      if (!this.#headFound(more)) return;
    }
  }

  /** After nextHead(): waits for input, ends, or serves the request; true when it was served at once and the next may follow. */
  #headFound(more: boolean | undefined): boolean {
    const socket = this.#socket;
    if (more === undefined) {
      // With nothing of the next request read, the worker's supervisor may hold a copy of the connection meanwhile.
      socket.yieldTurn(this.#conn.waitsUnread ? IDLE : undefined);
      this.#await(this.#conn.waitForInput(), INPUT);
      return false;
    }
    if (!more) {
      this.#end();
      return false;
    }
    // A client that has closed its side before its request is served has gone (it gave
    // up waiting, say, in the backlog): the request never reaches the application.
    if (!this.#conn.options.serveHalfClosed) {
      if (this.#socket.input.ended) {
        this.#end();
        return false;
      }
      // The first request of a new connection (a client may have given up in the backlog)
      // waits for the next poll of the event loop, where libuv reads a departed client's end
      // of stream (after a partial read it waits for the next readiness): an immediate runs
      // before that poll, its own immediate after it. Later requests pay nothing, nor does a
      // connection resumed from its supervisor or copied to it (it waited idle, not in the
      // backlog). Meanwhile the worker may serve its other connections, but takes no new
      // one: were this request to kill the worker, the new connection would die with it.
      if (!this.#looked) {
        this.#looked = true;
        if (!socket.resumed && !socket.copied) {
          socket.yieldTurn(READY);
          setImmediate(RequestLoop.#lookAfterPoll, this);
          return false;
        }
      }
    }
    // Another connection's request runs in this worker: this one waits its turn.
    if (!socket.takeTurn()) {
      this.#await(socket.turn(), TURN);
      return false;
    }
    socket.beginRequest();
    const request = createRequest(this.#conn, this.#conn.head);
    this.#request = request;
    if (this.#conn.options.accessLog !== undefined) this.#began = performance.now();
    this.#active = true;
    this.#inCallback = true;
    if (!this.#listed) {
      this.#listed = true;
      list(this);
    }
    this.#conn.armKillReply();
    let result: unknown;
    try {
      result = this.#callback(request);
    } catch (error) {
      this.#inCallback = false;
      this.#requestFailed(error);
      return false;
    }
    // A plain value is taken at once: no turn of the microtask queue for nothing.
    if (!isThenable(result)) {
      this.#inCallback = false;
      return this.#afterCallback(result);
    }
    // Promise.resolve: a thenable of the application's settles once, whatever its then does.
    this.#await(Promise.resolve(result), RESULT);
    return false;
  }

  /** Waits for `promise`, the loop's one pending step (`what`): its outcome goes to #resume or #fail. */
  #await(promise: Promise<unknown>, what: Step): void {
    this.#step = what;
    promise.then(this.#resume, this.#fail);
  }

  // The two handlers of every step's promise, made once per connection (a
  // handler per step would be a closure each, kept by every idle connection).
  // Once the loop is ending (an unhandled rejection may end it while it
  // waits), late outcomes are dropped.

  readonly #resume = (value: unknown): void => {
    const step = this.#step;
    if (step === RESULT) this.#inCallback = false;
    if (this.#ending) {
      if (step === TURN) this.#socket.yieldTurn();
      return;
    }
    try {
      if (step === INPUT) this.#onInput();
      else if (step === TURN) this.#serveHead();
      else if (step === RESULT) {
        if (this.#afterCallback(value)) this.#next();
      } else if (this.#requestDone()) this.#next();
    } catch (error) {
      this.#unexpected(error);
    }
  };

  readonly #fail = (error: unknown): void => {
    const step = this.#step;
    // The callback's promise, or finishing after it: either way the callback is done.
    if (step === RESULT || step === FINISH) this.#inCallback = false;
    if (this.#ending) return;
    try {
      if (step === INPUT || step === TURN) this.#onInputFailed(error);
      else this.#requestFailed(error);
    } catch (failure) {
      this.#unexpected(failure);
    }
  };

  /** The head found earlier is served now (after the look, or once the turn came). */
  #serveHead(): void {
    if (this.#headFound(true)) this.#next();
  }

  static #lookAfterPoll(loop: RequestLoop): void {
    setImmediate(RequestLoop.#afterLook, loop);
  }

  static #afterLook(loop: RequestLoop): void {
    if (loop.#ending) return;
    try {
      loop.#serveHead();
    } catch (error) {
      loop.#unexpected(error);
    }
  }

  #onInput(): void {
    // Another connection's request holds the worker and waits on I/O (else this would not
    // run now): this connection's request goes to an idle worker rather than wait behind it.
    if (!this.#socket.takeTurn() && this.#conn.handOff()) {
      this.#end();
      return;
    }
    let more: boolean | undefined;
    try {
      more = this.#conn.nextHead();
    } catch (error) {
      this.#clientError(error);
      return;
    }
    if (this.#headFound(more)) this.#next();
  }

  #onInputFailed(error: unknown): void {
    let more: boolean | undefined;
    try {
      more = this.#conn.inputFailed(error);
    } catch (failure) {
      this.#clientError(failure);
      return;
    }
    if (this.#headFound(more)) this.#next();
  }

  /** The callback is done: finishes its response if it did not, reads what it left of the body; true when all of it was done at once. */
  #afterCallback(result: unknown): boolean {
    const request = this.#request as Request;
    const response = responseOf(request);
    this.#result = result;
    if (this.#conn.takenOver) {
      // upgrade(): the connection was the application's; the handler is done with it.
      resetTimeouts();
      this.#active = false;
      if (result !== true) this.#survive = false;
      if (this.#began !== 0) this.#logAccess();
      this.#request = undefined;
      this.#end();
      return false;
    }
    if (!response.statusSent) {
      this.#requestFailed(
        new HttpError("NO_RESPONSE", "the request callback returned without sending a status"),
      );
      return false;
    }
    // Only a connection that serves on reads the rest of the body here;
    // one that ends drains it in end(), bounded by drainTimeout.
    if (response.finished && (this.#conn.requestComplete || !response.keepAlive))
      return this.#requestDone();
    this.#await(this.#finishRequest(request), FINISH);
    return false;
  }

  async #finishRequest(request: Request): Promise<void> {
    if (!responseOf(request).finished) await request.finish();
    if (!this.#conn.requestComplete && responseOf(request).keepAlive)
      await requestBodyOf(request).discard();
  }

  /** The request is answered: true when the connection serves on. */
  #requestDone(): boolean {
    resetTimeouts();
    this.#active = false;
    if (this.#result !== true) this.#survive = false;
    if (this.#began !== 0) this.#logAccess();
    const keepAlive = responseOf(this.#request as Request).keepAlive;
    this.#request = undefined;
    this.#result = undefined;
    if (!keepAlive || this.#conn.upgraded) {
      this.#end();
      return false;
    }
    return true;
  }

  /**
   * The callback, or finishing its response, failed. The client's own fault
   * (its connection failed or timed out, or its body was bad) ends only the
   * connection; the application's error gets a 500 (or a reset once the
   * response has started) and is rethrown once the connection is closed.
   */
  #requestFailed(error: unknown): void {
    resetTimeouts();
    const conn = this.#conn;
    if (!conn.failed && !this.#socket.closed) {
      const status = clientErrorStatus(error);
      if (status !== undefined) conn.sendErrorResponse(status);
      else {
        if (conn.responseStarted) this.#socket.cancel();
        else conn.sendErrorResponse(500);
        this.#failure = { error };
      }
    }
    if (this.#began !== 0) this.#logAccess();
    this.#end();
  }

  /** The access log's entry for the request that ran: once, when it is done or has failed. */
  #logAccess(): void {
    const began = this.#began;
    this.#began = 0;
    const request = this.#request as Request;
    const response = responseOf(request);
    const errorStatus = this.#conn.errorStatus;
    const csv = request.headersCsvString;
    const entry: AccessLogEntry = {
      time: new Date(performance.timeOrigin + began),
      clientAddress: request.clientAddress,
      method: request.method,
      target: request.target,
      protocol: request.protocol,
      status: errorStatus || (this.#conn.takenOver ? 101 : response.code),
      bytes: errorStatus !== 0 ? this.#conn.errorBytes : response.bodyBytes,
      durationMs: performance.now() - began,
      userAgent: csv["user-agent"] || undefined,
      referer: csv.referer || undefined,
    };
    (this.#conn.options.accessLog as (entry: AccessLogEntry) => void)(entry);
  }

  /** A bad request (its status is sent), or an I/O error while waiting for one: the connection ends. */
  #clientError(error: unknown): void {
    const status = clientErrorStatus(error);
    if (status !== undefined) this.#conn.sendErrorResponse(status);
    this.#end();
  }

  /** An error no step expects: it ends the connection and is reported as the application's would be. */
  #unexpected(error: unknown): void {
    this.#failure ??= { error };
    this.#end();
  }

  /**
   * A promise left rejected and unhandled while this loop runs a callback
   * (see unhandled-rejections.ts): the request fails as if its callback had
   * thrown `error` (500, or a reset once the response started), and the
   * handler rejects with it. The callback may still be running: its request
   * is marked faulty, so what it does next throws REQUEST_FAULTY instead of
   * writing to a connection that is closing. False when no callback of this
   * loop runs now, or the handler has settled.
   */
  unhandled(error: unknown): boolean {
    if (this.#settled || !(this.#active || this.#inCallback)) return false;
    if (this.#ending) this.#failure ??= { error };
    else {
      this.#requestFailed(error);
      this.#conn.failed = true;
    }
    return true;
  }

  /** Closes the connection (see Connection.end), then settles the handler's promise. Once. */
  #end(): void {
    if (this.#ending) return;
    this.#ending = true;
    this.#active = false;
    // Closing (a last response, a drain bounded by drainTimeout) waits for the client, not the application.
    this.#socket.yieldTurn();
    // Handlers made now, once: an idle connection keeps none for its end.
    this.#conn.end().then(
      () => this.#ended(),
      (error: unknown) => {
        this.#failure ??= { error };
        this.#ended();
      },
    );
  }

  #ended(): void {
    this.#settled = true;
    if (this.#listed) unlist(this);
    if (this.#failure !== undefined) this.#reject(this.#failure.error);
    else this.#resolve(this.#survive);
  }
}
