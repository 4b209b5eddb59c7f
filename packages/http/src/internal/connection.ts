// One client connection as the HTTP module sees it: bytes from the socket go
// through the request parser, which stops after each request so that the
// next pipelined one waits, unparsed, until this one is answered. It also
// keeps the connection's deadlines (idle, header, response, drain; the
// stall timeout is stall-watch.ts's), and closes it so that the client
// always receives its response first. Parking it is connection-parking.ts's.

import { Buffer } from "node:buffer";
import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { BodyParserError } from "@moonbridge/body-parser";
import { HttpParserError, type RequestHead } from "@moonbridge/http-parser";
import { type MoonSocket, MoonSocketError } from "@moonbridge/socket";
import { lastReply } from "@moonbridge/timeout";
import { HttpError } from "../errors";
import type { ResolvedHttpOptions } from "../options";
import { ConnectionParking, headSinceOf, type ParkingSubject } from "./connection-parking";
import { dateLine } from "./date-header";
import { Deadline, type DeadlineOwner } from "./deadline";
import { type ParserPool, type ParserSlot, parserPool } from "./parser-pool";
import { type StallSubject, StallWatch } from "./stall-watch";

const EMPTY = Buffer.alloc(0);

/** Where the connection is: what its deadline and a stall mean. */
type Phase = "idle" | "header" | "request" | "drain";

/**
 * The status a client error answers with, or undefined if `error` is not the
 * client's fault. A parser's INVALID_OPTION or INVALID_ARGUMENT (status 500)
 * is the server's own: the application's error, reported as such.
 */
export function clientErrorStatus(error: unknown): number | undefined {
  if (error instanceof HttpError) return error.status;
  if (!(error instanceof HttpParserError || error instanceof BodyParserError)) return undefined;
  return error.code === "INVALID_OPTION" || error.code === "INVALID_ARGUMENT"
    ? undefined
    : error.status;
}

export class Connection implements StallSubject, DeadlineOwner, ParkingSubject {
  readonly socket: MoonSocket;
  readonly options: ResolvedHttpOptions;
  /** An I/O error or a timeout ended the connection: the request under way is faulty. */
  failed = false;
  /** Why a timeout ended the connection, once one has. */
  timedOut: "idle" | "header" | "stall" | "response" | "drain" | undefined;
  /** The status of the error response the connection sent (it ends after it); 0: none. */
  errorStatus = 0;
  /** Its body's bytes (for the access log). */
  errorBytes = 0;
  /** The current response's head is on its way (see startResponse). */
  #responseStarted = false;
  /** The descriptor a timer's kill answers on (armKillReply), once known; -1: none (TLS). */
  #replyFd: number | undefined;
  /** A kill reply is set for the current request. */
  #replying = false;
  /** Trailer fields of the current request's chunked body, flat [name, value, ...]. */
  trailers: string[] | undefined;

  /** Taken from the handler's pool when a request's first bytes come, given back while the connection waits idle. */
  #parser: ParserSlot | undefined;
  readonly #parsers: ParserPool;
  /** Read and not yet parsed: the rest of the current request, or the next ones. */
  #pending: Buffer = EMPTY;
  #head: RequestHead | undefined;
  /** The head of the request being served (set by nextHead). */
  #current: RequestHead | undefined;
  /** Decoded body chunks of the current request not yet taken (views of #pending's buffers). */
  #body: Uint8Array[] = [];
  #bodyTaken = 0;
  /** The current request is complete (true before the first). */
  #complete = true;
  /** The last request switched protocols: the bytes after it are not HTTP. */
  #upgraded = false;
  /** The request whose head came last asks to switch protocols (noted at its head: #head is taken by then). */
  #upgrading = false;
  /** Bytes read after a request that switches protocols: the new protocol's first (request.upgrade()). */
  #afterUpgrade: Buffer = EMPTY;
  /** The application took the connection over (request.upgrade()): the handler no longer touches it. */
  takenOver = false;
  /** The socket upgrade() gave the application: closed when its callback ends, if left open. */
  upgradedSocket: MoonSocket | undefined;
  /** Raw bytes of a request head the parser has taken in but not finished (copies): parked as the prefix. */
  headBytes: Buffer[] = [];
  /** When the head under way began (Date.now() ms), carried over a park; 0: in this process. */
  #headSince = 0;
  /** When the header phase began here (performance.now() ms). */
  #headerStartedAt = 0;
  /** A parser error, delivered after the events that came before it. */
  #error: unknown;
  #eof = false;
  /** An error response was sent: the client may still be sending, so the close lingers. */
  #mustDrain = false;
  #phase: Phase = "idle";
  /** Parks the connection, if parking is on and the socket has a lot. */
  readonly #parking: ConnectionParking | undefined;
  /** The stall timeout's watch (stall-watch.ts). */
  readonly #stall: StallWatch;
  /** waitForInput() counted as waiting on the client, until nextHead() or inputFailed() comes back. */
  #inputWait = false;
  readonly #deadline: Deadline;
  /** When the current idle phase began (performance.now() ms): the parked connection's timeout counts from it. */
  #idleSince = 0;
  /** Requests begun on this connection (in this handler call). */
  #requests = 0;
  /** waitOn()'s handlers. */
  #endWait: (() => void) | undefined;
  #endWaitFailed: ((error: unknown) => never) | undefined;

  constructor(socket: MoonSocket, options: ResolvedHttpOptions) {
    this.socket = socket;
    this.options = options;
    this.#deadline = new Deadline(this);
    this.#parsers = parserPool(options.parserLimits);
    this.#stall = new StallWatch(this, options.stallTimeout);
    // A connection parked mid-head: its head's time runs on from when it began.
    this.#headSince = headSinceOf(socket.parkNote);
    const lot = options.parking ? socket.parking : undefined;
    if (lot !== undefined) this.#parking = new ConnectionParking(this, lot);
  }

  /** Between requests ("idle"), mid-head ("header"), serving a request, or draining. */
  get phase(): Phase {
    return this.#phase;
  }

  // The parser's handler.

  onRequestHead(head: RequestHead): void {
    this.#head = head;
    this.#upgrading = head.upgrade;
    this.#complete = false;
    this.trailers = undefined;
  }

  onBody(chunk: Uint8Array): void {
    this.#body.push(chunk);
  }

  onTrailers(trailers: string[]): void {
    this.trailers = trailers;
  }

  onRequestComplete(): void {
    this.#complete = true;
    if (this.#upgrading) this.#upgraded = true;
    this.#parser?.parser.pause();
  }

  /** The current request's body has been read to its end. */
  get requestComplete(): boolean {
    return this.#complete && this.#bodyTaken === this.#body.length;
  }

  /**
   * No request may follow on this connection: the current (or last) one
   * asks to switch protocols, which this module answers and then closes, so
   * its response says `Connection: close` and nothing after it is HTTP.
   */
  get upgraded(): boolean {
    return this.#upgraded || this.#upgrading;
  }

  /** The head of the request nextHead() found. */
  get head(): RequestHead {
    return this.#current as RequestHead;
  }

  /**
   * The current request's response has begun: its head (the request's own, or
   * an error response of the connection's) is on its way, so no other head
   * may go, and a timeout can no longer answer 408. The one place that says
   * so; reset for each request.
   */
  get responseStarted(): boolean {
    return this.#responseStarted;
  }

  /** The head of the current request's response goes out now. */
  startResponse(): void {
    this.#responseStarted = true;
    if (this.#replying) this.#withdrawKillReply();
  }

  /**
   * The request's callback starts: until its response does, a timer that
   * kills the worker has the watchdog answer it (the 503 of ErrorPages),
   * rather than leave its client a connection closed without an answer.
   * Not over TLS: the watchdog cannot encrypt.
   */
  armKillReply(): void {
    if (this.#replyFd === undefined) {
      const encrypted = (this.socket.netSocket as { encrypted?: boolean } | null)?.encrypted;
      this.#replyFd = encrypted === true ? -1 : this.socket.fd;
    }
    if (this.#replyFd < 0) return;
    const pages = this.options.errorPages;
    lastReply(
      this.#replyFd,
      this.#current?.method === "HEAD" ? pages.killReplyToHead : pages.killReply,
    );
    this.#replying = true;
  }

  #withdrawKillReply(): void {
    this.#replying = false;
    lastReply();
  }

  /**
   * Waiting for the next (or first) request with nothing of it read: if the
   * worker dies meanwhile, another can take the connection on.
   */
  get waitsUnread(): boolean {
    return (
      this.#phase === "idle" &&
      this.#pending.length === 0 &&
      !this.#eof &&
      this.socket.input.buffered === 0
    );
  }

  /** Begins the wait for the next request: once after each response, and at the start. */
  beginNext(): void {
    this.#responseStarted = false;
    // The last request's head goes: an idle connection keeps none of its strings.
    this.#current = undefined;
    this.#enter(this.#pending.length === 0 ? "idle" : "header");
  }

  /**
   * The next request's head, as far as the input read so far goes: true when
   * it is found (then in `head`), false when no request follows (the client
   * closed between requests, or the last one switched protocols), undefined
   * when more input must come first: await waitForInput(), then ask again.
   * Throws the parser's error for a bad request, or the socket's on an I/O
   * error. Synchronous, so that the request loop awaits the input itself:
   * every async step in between would cost a turn of the microtask queue
   * and a promise per keep-alive request.
   */
  nextHead(): boolean | undefined {
    this.#endInputWait();
    // A head that ran out of time is answered (408) and drained in end(): no more parsing.
    if (this.timedOut !== undefined) return false;
    for (;;) {
      const head = this.#head;
      if (head !== undefined) {
        this.#head = undefined;
        if (this.headBytes.length > 0) this.headBytes = [];
        this.#headSince = 0;
        this.#current = head;
        this.#requests++;
        this.#enter("request");
        return true;
      }
      if (this.#error !== undefined) throw this.#error;
      if (this.#pending.length > 0) {
        const chunk = this.#pending;
        this.#execute();
        if (this.#head === undefined && this.#error === undefined && !this.#upgraded) {
          // The parser took the whole chunk into a head it could not finish: keep a copy,
          // to park the connection with (the chunk may be a view of a reused read buffer).
          this.headBytes.push(Buffer.from(chunk));
          // The header timeout runs from the first bytes of a head the parser could not finish
          // (a whole head goes straight to "request": one phase change fewer per request).
          if (this.#phase === "idle") this.#enter("header");
        }
      } else if (this.#eof) {
        this.#finishParser();
        if (this.#error === undefined) return false;
      } else {
        if (this.#upgraded) return false;
        // Between requests only: a new connection's first request is usually on its way.
        // A head under way waits for its rest here only while the pool has workers to spare,
        // and not at all if it was parked before (its client is slow: it goes back at once).
        const parking = this.#parking;
        if (parking !== undefined) {
          const between = this.#phase === "idle" && this.#requests > 0;
          const wanted = parking.wanted();
          const slowHead = this.#phase === "header" && (wanted || this.#headSince > 0);
          if ((between && (wanted || this.options.parkAfter === 0)) || slowHead) parking.soon();
        }
        if (!this.#takeInput()) {
          // Nothing of the next request is here: the parser may serve another connection meanwhile.
          if (this.#phase === "idle" && this.#parser !== undefined) {
            this.#parsers.give(this.#parser);
            this.#parser = undefined;
          }
          return undefined;
        }
      }
    }
  }

  /** Waits for more input for nextHead(), counted as waiting on the client (true: some came, false: the end). */
  waitForInput(): Promise<boolean> {
    this.#inputWait = true;
    this.#stall.wait();
    return this.socket.input.readable();
  }

  /**
   * waitForInput() failed: false when the connection ended here (a timeout,
   * or it was parked or closed as the worker leaves), else throws the
   * socket's error (the connection is failed then).
   */
  inputFailed(error: unknown): false {
    this.#endInputWait();
    if (this.timedOut !== undefined || this.#parking?.gone === true) return false;
    throw this.ioError(error);
  }

  #endInputWait(): void {
    if (!this.#inputWait) return;
    this.#inputWait = false;
    this.#stall.done();
  }

  /**
   * Another connection's request holds this worker's turn and this
   * connection's next bytes have arrived between requests: parks it with
   * them for an idle worker (connection-parking.ts). False when it cannot be
   * parked so (then it waits for the turn here).
   */
  handOff(): boolean {
    return this.#parking?.handOff() ?? false;
  }

  /** It leaves this handler, parked or closed as the worker leaves (ParkingSubject). */
  leaves(): void {
    this.#endInputWait();
    this.#deadline.clear();
  }

  /** A park was refused after all: it stays, idle (ParkingSubject). */
  stays(seconds: number): void {
    this.#deadline.set(seconds);
  }

  /** The head's time ran out as it was to be parked (ParkingSubject). */
  headerExpired(): void {
    this.#expire("header");
  }

  /**
   * Nothing ties the connection to this handler: it is still here and
   * sound, no parsed input waits, and nothing is left to send. What parking
   * and handing off both need.
   */
  movable(): boolean {
    return (
      this.#parking?.gone !== true &&
      this.#pending.length === 0 &&
      !this.#eof &&
      !this.upgraded &&
      this.#error === undefined &&
      !this.failed &&
      this.timedOut === undefined &&
      this.socket.output.buffered === 0
    );
  }

  /** Seconds of idleTimeout left (0: none set). */
  idleLeft(): number {
    const idleTimeout = this.options.idleTimeout;
    if (idleTimeout === 0) return 0;
    return Math.max(0.001, idleTimeout - (performance.now() - this.#idleSince) / 1000);
  }

  /** Milliseconds since the head under way began, in this process. */
  #headerElapsedMs(): number {
    return performance.now() - this.#headerStartedAt;
  }

  /** When the head under way began (Date.now() ms), here or before a park. */
  headSince(): number {
    return this.#headSince || Math.round(Date.now() - this.#headerElapsedMs());
  }

  /** Seconds of requestHeaderTimeout left for the head under way, maybe none or less; Infinity when none is set. */
  headerRemaining(): number {
    const limit = this.options.requestHeaderTimeout;
    if (limit === 0) return Number.POSITIVE_INFINITY;
    const elapsed = this.#headSince > 0 ? Date.now() - this.#headSince : this.#headerElapsedMs();
    return limit - elapsed / 1000;
  }

  /** headerRemaining() as a timeout: at least 1 ms; 0 when none is set. */
  headerLeft(): number {
    const remaining = this.headerRemaining();
    return remaining === Number.POSITIVE_INFINITY ? 0 : Math.max(0.001, remaining);
  }

  /** The current request's next body chunk (a view; do not keep it past the next read), or null at its end. */
  async nextBody(): Promise<Uint8Array | null> {
    for (;;) {
      if (this.#bodyTaken < this.#body.length) {
        const chunk = this.#body[this.#bodyTaken++] as Uint8Array;
        if (this.#bodyTaken === this.#body.length) {
          this.#body = [];
          this.#bodyTaken = 0;
        }
        return chunk;
      }
      if (this.#error !== undefined) throw this.#error;
      if (this.#complete) return null;
      if (this.#pending.length > 0) this.#execute();
      else if (this.#eof) this.#finishParser();
      else if (!this.#takeInput()) {
        this.#stall.wait();
        try {
          await this.socket.input.readable();
        } catch (error) {
          throw this.ioError(error);
        } finally {
          this.#stall.done();
        }
      }
    }
  }

  /** Counts `io` as waiting on the client (for the stall timeout) until it settles; a failure marks the connection failed. */
  waitOn(io: Promise<void>): Promise<void> {
    this.#stall.wait();
    // Made at the first wait, not for every connection.
    this.#endWait ??= () => this.#stall.done();
    this.#endWaitFailed ??= (error: unknown): never => {
      this.#stall.done();
      throw this.ioError(error);
    };
    return io.then(this.#endWait, this.#endWaitFailed);
  }

  /** Notes an error of the socket (the connection is failed then); returns it, to be thrown. */
  ioError(error: unknown): unknown {
    if (error instanceof MoonSocketError || this.timedOut !== undefined) this.failed = true;
    return error;
  }

  /**
   * Answers a request the server rejects itself (a parser error, a timeout, an
   * application error) with `status` and a short text, and marks the
   * connection for closing. Does nothing once a response has started.
   */
  sendErrorResponse(status: number): void {
    if (this.#responseStarted || this.socket.closed || this.socket.output.closed) return;
    this.startResponse();
    this.errorStatus = status;
    const pages = this.options.errorPages;
    const date = this.options.staticDate ? "" : dateLine();
    this.socket.write(pages.head(status, date));
    if (this.#current?.method !== "HEAD") {
      const body = pages.body(status);
      this.errorBytes = body.length;
      this.socket.write(body);
    }
    this.#mustDrain = true;
  }

  /**
   * The application takes the connection over, after a request that
   * switches protocols (request.upgrade()): the timeouts stop, and the
   * connection leaves the socket this handler reads, as a net.Socket, with
   * every byte received after the request.
   */
  async takeOver(): Promise<{ socket: Socket; unread: Buffer }> {
    this.takenOver = true;
    if (this.#replying) this.#withdrawKillReply();
    this.#stall.stop();
    this.#parking?.stop();
    this.#deadline.clear();
    const detached = await this.socket.detach();
    const unread =
      this.#afterUpgrade.length === 0
        ? detached.unread
        : Buffer.concat([this.#afterUpgrade, detached.unread]);
    this.#afterUpgrade = EMPTY;
    return { socket: detached.socket, unread };
  }

  /**
   * Ends the connection. Where the client may still be sending (an error, an
   * unread body, bytes after the last request), the output is closed first
   * and the input read and dropped for up to drainTimeout, so that the
   * client reads the response before the kernel answers its bytes with a reset.
   */
  async end(): Promise<void> {
    const socket = this.socket;
    this.#stall.stop();
    this.#parking?.stop();
    const upgraded = this.upgradedSocket;
    if (upgraded !== undefined && !upgraded.closed) upgraded.close().catch(ignore);
    if (socket.closed) {
      this.#deadline.clear();
      return;
    }
    const quiet =
      this.#eof ||
      (!this.#mustDrain &&
        this.#error === undefined &&
        this.requestComplete &&
        this.#pending.length === 0 &&
        socket.input.buffered === 0);
    if (quiet || this.options.drainTimeout === 0) {
      this.#deadline.clear();
      socket.close().catch(ignore);
      return;
    }
    this.#enter("drain");
    try {
      await socket.output.close();
      while (await socket.input.readable()) socket.xreadNb();
    } catch {
      // The drain timeout closed the socket, or the client reset it: either way, done.
    }
    this.#deadline.clear();
    if (!socket.closed) socket.close().catch(ignore);
  }

  #enter(phase: Phase): void {
    this.#phase = phase;
    const options = this.options;
    // One clock reading for every deadline this phase sets.
    const now = performance.now();
    if (phase === "header") this.#headerStartedAt = now;
    else if (phase === "idle") this.#idleSince = now;
    this.#parking?.phaseBegan(phase, now);
    this.#deadline.set(
      phase === "idle"
        ? options.idleTimeout
        : phase === "header"
          ? this.#headSince > 0
            ? this.headerLeft() // a head begun before a park keeps its deadline
            : options.requestHeaderTimeout
          : phase === "request"
            ? options.responseTimeout
            : options.drainTimeout,
      now,
    );
  }

  #execute(): void {
    const pending = this.#pending;
    try {
      this.#parser ??= this.#parsers.take(this);
      const consumed = this.#parser.parser.execute(pending);
      this.#pending = consumed === pending.length ? EMPTY : pending.subarray(consumed);
    } catch (error) {
      this.#error = error;
      this.#pending = EMPTY;
    }
    if (this.#upgraded && this.#pending.length > 0) {
      // Not ours to parse: the new protocol's, kept (copied: a view of a reused read buffer)
      // for request.upgrade(); the connection closes after this request otherwise.
      this.#afterUpgrade = Buffer.concat([this.#afterUpgrade, this.#pending]);
      this.#pending = EMPTY;
    }
  }

  #finishParser(): void {
    try {
      this.#parser?.parser.finish();
    } catch (error) {
      this.#error = error;
    }
  }

  /** Takes the input buffered into #pending, or notes the end of the stream; false when neither is there yet. */
  #takeInput(): boolean {
    let chunk: Buffer | null;
    try {
      chunk = this.socket.xreadNb(this.options.maximumInputChunkSize);
    } catch (error) {
      throw this.ioError(error);
    }
    if (chunk === null) this.#eof = true;
    else if (chunk.length === 0) return false;
    else this.#pending = chunk;
    return true;
  }

  /** The phase's deadline passed (DeadlineOwner). */
  deadlinePassed(): void {
    this.#expire(this.#phase === "request" ? "response" : this.#phase);
  }

  /** Between requests (StallSubject): no stall counts there. */
  get idle(): boolean {
    return this.#phase === "idle";
  }

  /** The stall watch found no progress while the server waited on the client (StallSubject). */
  stalled(): void {
    this.#expire("stall");
  }

  /** A deadline passed: answer 408 if a request is under way and unanswered, then close (or reset). */
  #expire(why: NonNullable<Connection["timedOut"]>): void {
    const socket = this.socket;
    if (socket.closed) return;
    // A drain after a header timeout ends it; anything else after a timeout has nothing to do.
    if (this.timedOut !== undefined && !(why === "drain" && this.timedOut === "header")) return;
    this.timedOut ??= why;
    this.failed = true;
    this.#deadline.clear();
    if (why === "idle" || why === "drain") {
      socket.close().catch(ignore);
    } else if (why === "header" && !this.#responseStarted && !socket.output.closed) {
      // The client is still sending its head (a byte may be on its way, or just
      // arrived with a connection resumed from a park): 408, FIN, and what comes
      // is read and dropped for drainTimeout, so that it reads the 408, not a reset.
      this.sendErrorResponse(408);
      this.#enter("drain");
      socket.output.close().catch(ignore);
      if (this.options.drainTimeout === 0) socket.close().catch(ignore);
    } else if (!this.#responseStarted && !socket.output.closed) {
      this.sendErrorResponse(408);
      socket.close().catch(ignore);
    } else {
      socket.cancel();
    }
  }
}

function ignore(): void {}
