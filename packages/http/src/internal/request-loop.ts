// One connection's requests, served in order: wait for a head, call the
// application, finish its response, and again, until the connection ends.
// Written as steps, not as an async loop: a keep-alive request waits for its
// input and for the callback's promise through handlers made once per
// connection, where each `await` in a loop makes a closure pair, a context
// and a promise reaction (about 200 bytes on the heap of a worker that wakes
// for every request). Steps that complete at once run on in a loop, so a
// pipelined burst with a synchronous callback does not grow the stack.

import type { MoonSocket } from "@moonbridge/socket";
import { resetTimeouts } from "@moonbridge/timeout";
import { HttpError } from "../errors";
import type { RequestCallback } from "../generate-handler";
import type { ResolvedHttpOptions } from "../options";
import { Request } from "../request";
import { Connection, clientErrorStatus } from "./connection";
import { isThenable } from "./thenable";

export class RequestLoop {
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
  #result: unknown;
  #ending = false;

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
    this.#guarded(this.#next);
  }

  /** Serves requests for as long as each one's steps complete at once; stops where one must wait (its handler goes on). */
  readonly #next = (): void => {
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
  };

  /** After nextHead(): waits for input, ends, or serves the request; true when it was served at once and the next may follow. */
  #headFound(more: boolean | undefined): boolean {
    if (more === undefined) {
      this.#conn.waitForInput().then(this.#onInput, this.#onInputFailed);
      return false;
    }
    if (!more) {
      this.#end();
      return false;
    }
    const request = new Request(this.#conn, this.#conn.head);
    this.#request = request;
    let result: unknown;
    try {
      result = this.#callback(request);
    } catch (error) {
      this.#requestFailed(error);
      return false;
    }
    // A plain value is taken at once: no turn of the microtask queue for nothing.
    if (!isThenable(result)) return this.#afterCallback(result);
    // Promise.resolve: a thenable of the application's settles once, whatever its then does.
    Promise.resolve(result).then(this.#onResult, this.#onRequestFailed);
    return false;
  }

  readonly #onInput = (): void => {
    this.#guarded(this.#afterInput);
  };

  readonly #afterInput = (): void => {
    let more: boolean | undefined;
    try {
      more = this.#conn.nextHead();
    } catch (error) {
      this.#clientError(error);
      return;
    }
    if (this.#headFound(more)) this.#next();
  };

  readonly #onInputFailed = (error: unknown): void => {
    this.#guarded(() => {
      let more: boolean | undefined;
      try {
        more = this.#conn.inputFailed(error);
      } catch (failure) {
        this.#clientError(failure);
        return;
      }
      if (this.#headFound(more)) this.#next();
    });
  };

  readonly #onResult = (result: unknown): void => {
    this.#guarded(() => {
      if (this.#afterCallback(result)) this.#next();
    });
  };

  /** The callback is done: finishes its response if it did not, reads what it left of the body; true when all of it was done at once. */
  #afterCallback(result: unknown): boolean {
    const request = this.#request as Request;
    const response = request.response;
    this.#result = result;
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
    this.#finishRequest(request).then(this.#onRequestDone, this.#onRequestFailed);
    return false;
  }

  async #finishRequest(request: Request): Promise<void> {
    if (!request.response.finished) await request.finish();
    if (!this.#conn.requestComplete && request.response.keepAlive)
      await request.requestBody.discard();
  }

  readonly #onRequestDone = (): void => {
    this.#guarded(() => {
      if (this.#requestDone()) this.#next();
    });
  };

  /** The request is answered: true when the connection serves on. */
  #requestDone(): boolean {
    resetTimeouts();
    if (this.#result !== true) this.#survive = false;
    const keepAlive = (this.#request as Request).response.keepAlive;
    this.#request = undefined;
    this.#result = undefined;
    if (!keepAlive || this.#conn.upgraded) {
      this.#end();
      return false;
    }
    return true;
  }

  readonly #onRequestFailed = (error: unknown): void => {
    this.#guarded(() => this.#requestFailed(error));
  };

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
    this.#end();
  }

  /** A bad request (its status is sent), or an I/O error while waiting for one: the connection ends. */
  #clientError(error: unknown): void {
    const status = clientErrorStatus(error);
    if (status !== undefined) this.#conn.sendErrorResponse(status);
    this.#end();
  }

  /** Runs a step; an error no step expects ends the connection and is reported as the application's would be. */
  #guarded(step: () => void): void {
    try {
      step();
    } catch (error) {
      this.#failure ??= { error };
      this.#end();
    }
  }

  /** Closes the connection (see Connection.end), then settles the handler's promise. Once. */
  #end(): void {
    if (this.#ending) return;
    this.#ending = true;
    this.#conn.end().then(this.#ended, this.#reject);
  }

  readonly #ended = (): void => {
    if (this.#failure !== undefined) this.#reject(this.#failure.error);
    else this.#resolve(this.#survive);
  };
}
