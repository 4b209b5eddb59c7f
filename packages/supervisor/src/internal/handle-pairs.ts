// A handle that travels in a frame (handle-channel.ts) and the message that
// says what it is for (its bytes, its timeout) take two paths through one
// pipe and reach JavaScript in either order; they are matched by id here.

import type { NativeHandle } from "./native-handles";

export class HandlePairs<M> {
  readonly #messages = new Map<number, M>();
  readonly #handles = new Map<number, NativeHandle>();
  readonly #onPair: (message: M, handle: NativeHandle) => void;

  /** `onPair` gets each message with its handle, once both have come. */
  constructor(onPair: (message: M, handle: NativeHandle) => void) {
    this.#onPair = onPair;
  }

  message(id: number, message: M): void {
    const handle = this.#handles.get(id);
    if (handle === undefined) this.#messages.set(id, message);
    else {
      this.#handles.delete(id);
      this.#onPair(message, handle);
    }
  }

  handle(id: number, handle: NativeHandle): void {
    const message = this.#messages.get(id);
    if (message === undefined) this.#handles.set(id, handle);
    else {
      this.#messages.delete(id);
      this.#onPair(message, handle);
    }
  }

  /** Forgets every half still alone, closing the handles among them (the other end is gone). */
  clear(): void {
    for (const handle of this.#handles.values()) handle.close();
    this.#handles.clear();
    this.#messages.clear();
  }
}
