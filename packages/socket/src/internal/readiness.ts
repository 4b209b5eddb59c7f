// What poll() needs from a thing it waits on: whether it is ready now, and a
// way to hear when that may have changed. Sockets, their streams and
// listeners give theirs under a symbol of this file, so poll() takes them
// without a public protocol. The symbols are registered (Symbol.for): an app
// can load the package twice (dist/index.js through import, dist/index.cjs
// through require), and poll() of one copy must take the other's sockets.

/** Listeners to wake when readiness may have changed; cheap when nobody waits. */
export class Signal {
  #listeners: Array<() => void> = [];

  add(listener: () => void): void {
    this.#listeners.push(listener);
  }

  remove(listener: () => void): void {
    const at = this.#listeners.indexOf(listener);
    if (at !== -1) this.#listeners.splice(at, 1);
  }

  notify(): void {
    if (this.#listeners.length === 0) return;
    for (const listener of this.#listeners.slice()) listener();
  }
}

export interface Readiness {
  /** True when a wait would end now: data or end of stream, room to write, an error. */
  ready(): boolean;
  readonly signal: Signal;
}

/**
 * The key of the getter through which a thing poll() reads from gives its
 * readiness. A getter on the class costs nothing per object (a WeakMap entry
 * per socket and stream did: four per connection, and ephemeron work in every
 * scavenge). Not exported from the package, but registered, so that every
 * copy of it in the process finds the others' (and anything could pose as
 * one: poll() only calls `ready()` and the signal's `add` and `remove`).
 * Format 1 is the {@link Readiness} above; a version that changes it (or
 * Signal's methods) must use another number in the keys, so that its poll()
 * refuses this one's sockets instead of misreading them.
 */
export const READABLE: unique symbol = Symbol.for("@moonbridge/socket/readable/v1");
/** The same for the things poll() writes to. */
export const WRITABLE: unique symbol = Symbol.for("@moonbridge/socket/writable/v1");

export function readableReadiness(owner: unknown): Readiness | undefined {
  return typeof owner === "object" && owner !== null
    ? (owner as { [READABLE]?: Readiness })[READABLE]
    : undefined;
}

export function writableReadiness(owner: unknown): Readiness | undefined {
  return typeof owner === "object" && owner !== null
    ? (owner as { [WRITABLE]?: Readiness })[WRITABLE]
    : undefined;
}
