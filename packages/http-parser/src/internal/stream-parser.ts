// The public face both parsers share: execute, finish and pause, handed to
// their MessageStream. RequestParser and ResponseParser extend it and add
// only what is theirs (the handler they take, responseTo).

import type { MessageStream } from "./message-stream";

export class StreamParser {
  readonly #stream: MessageStream;
  readonly #name: string;

  /** `name`: the public class, for a misuse message. */
  constructor(stream: MessageStream, name: string) {
    this.#stream = stream;
    this.#name = name;
  }

  /**
   * Feeds bytes as they arrive, split anywhere. Returns how many bytes of
   * `data` were consumed: all of them, except after a message that switches
   * protocols (an upgrade or CONNECT request; a 101 or a 2xx to CONNECT),
   * where the rest belongs to the caller, or when a callback called
   * {@link pause}. Throws {@link HttpParserError}.
   */
  execute(data: Uint8Array): number {
    return this.#stream.execute(data, this.#name);
  }

  /**
   * The peer closed its side. Completes a response whose body runs until the
   * close; throws HttpParserError if a message is unfinished.
   */
  finish(): void {
    this.#stream.finish();
  }

  /**
   * Called from a handler callback: `execute` returns right after the bytes
   * that produced the event. Feed the rest (`data.subarray(consumed)`) to go on.
   */
  pause(): void {
    this.#stream.pause();
  }
}
