// What poll() needs from a thing it waits on: whether it is ready now, and a
// way to hear when that may have changed. Sockets, their streams and
// listeners register theirs here, so poll() takes them without a public protocol.

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

const readables = new WeakMap<object, Readiness>();
const writables = new WeakMap<object, Readiness>();

export function registerReadable(owner: object, readiness: Readiness): void {
  readables.set(owner, readiness);
}

export function registerWritable(owner: object, readiness: Readiness): void {
  writables.set(owner, readiness);
}

export function readableReadiness(owner: unknown): Readiness | undefined {
  return typeof owner === "object" && owner !== null ? readables.get(owner) : undefined;
}

export function writableReadiness(owner: unknown): Readiness | undefined {
  return typeof owner === "object" && owner !== null ? writables.get(owner) : undefined;
}
