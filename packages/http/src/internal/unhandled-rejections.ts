// The process's one 'unhandledRejection' listener, and the registry of
// request loops it reports to. A promise that a request callback leaves
// rejected and unhandled (Promise.reject() not awaited, an async function
// called without await that throws) would otherwise end the worker
// mid-request, with an empty reply to the client. Here it fails the request
// as a thrown error does: 500 (or the connection ends, once the response
// went out), and the handler rejects with the error, so the worker exits.
//
// Which request? A rejection carries nothing that says which callback made
// it. A pool worker runs one connection at a time, so there it is the one.
// Outside a pool several loops may be running callbacks at once (the tests'
// in-process servers, a plain net.Server), and every loop running one is
// failed: a guess at "the current one" would fail an innocent request and
// let the guilty callback run on, while the process already has an
// application error in it, which in Moonbridge's model ends the process
// (the handlers reject, the worker exits). Idle loops (between requests)
// are left alone.
//
// "Running" lasts from the callback's call until its request has ended (its
// response done), and for as long as the callback itself runs. A rejection
// reported after that is outside any request: Node reports a rejection at
// the end of the turn of the event loop that made it, so a callback that
// leaves one and answers in that same turn (nothing awaited but microtasks)
// has ended its request by then. Covering that turn too would take a
// setImmediate per request, which bench:alloc (apps/bench) measured at
// about 430 bytes per keep-alive request, a fifth of what a request costs;
// it is left to Node's way instead (below). Nothing is allocated per
// request: a loop is listed once per connection, flags say the rest.
//
// With no request running, Node's own way is kept: with no other listener
// the rejection is thrown again from here, so it becomes an uncaught
// exception that ends the process with the error printed (Node's default
// --unhandled-rejections=throw); with other listeners, they have it.
//
// One per process even if the package is loaded twice (import and require
// give two copies): the registry lives on globalThis under a Symbol.for key,
// as plain data, and whichever copy comes first installs the listener; each
// copy's loops are listed in the same list. The key carries a format number:
// a version of the package that lays the registry out differently must use
// another number, and then keeps a registry (and a listener) of its own.

/** The layout of {@link Registry}. Bump it with any change to it or to {@link RejectionSink}. */
const FORMAT = 1;
const KEY = Symbol.for(`@moonbridge/http unhandled rejections v${FORMAT}`);

/** A request loop as the listener sees it. */
export interface RejectionSink {
  /** Fails the loop with `error` if it is running a callback (as above); false if it is not, or can no longer report it. */
  unhandled(error: unknown): boolean;
}

interface Registry {
  /** Every loop that has run a callback and whose handler has not settled: one in a pool worker. */
  readonly loops: RejectionSink[];
  /** How many times a listener was installed in this process (1 at most; the tests check it). */
  installs: number;
}

/** This copy's reference to the process's registry (the same object for every copy, once found). */
let found: Registry | undefined;

function registry(): Registry {
  if (found !== undefined) return found;
  const holder = globalThis as { [KEY]?: Registry };
  holder[KEY] ??= { loops: [], installs: 0 };
  found = holder[KEY];
  return found;
}

/** Installs the process's listener, once per process, whichever copy of the package asks first. */
export function installRejectionListener(): void {
  const shared = registry();
  if (shared.installs > 0) return;
  shared.installs++;
  process.on("unhandledRejection", onUnhandledRejection);
}

/** Lists `sink` (once, at its first callback) until {@link unlist}. */
export function list(sink: RejectionSink): void {
  registry().loops.push(sink);
}

/** Takes `sink` off the list (its handler has settled). */
export function unlist(sink: RejectionSink): void {
  const loops = registry().loops;
  const at = loops.indexOf(sink);
  if (at === -1) return;
  // Order does not matter: the last one takes its place, no array is made.
  loops[at] = loops[loops.length - 1] as RejectionSink;
  loops.pop();
}

function onUnhandledRejection(reason: unknown): void {
  let taken = false;
  for (const sink of [...registry().loops]) if (sink.unhandled(reason)) taken = true;
  if (taken) return;
  // Not a request's: what Node does without this listener.
  if (process.listenerCount("unhandledRejection") === 1) throw reason;
}
