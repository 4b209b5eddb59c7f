// Stopping a net.Socket's reads in the kernel, which no public API does:
// pause() only stops delivering data, and libuv goes on reading into the
// stream's buffer. Before a connection moves to another process (detach),
// reading must stop here, or bytes read in between would reach nobody.
// The handle's readStop() is what net.Socket itself calls under backpressure.
// The internals it takes (net.Socket's handle and Readable state) come from
// node-internals.ts; test/park.test.ts fails (a resumed read hangs, or bytes
// go missing) if what they do changes.

import type { Socket } from "node:net";
import { readingState } from "./node-internals";

/**
 * Stops libuv reading `socket`; what it read before is in the socket's buffer.
 * Reading starts again as usual when the socket is next read (resume(), read()).
 */
export function stopReading(socket: Socket): void {
  const internals = readingState(socket);
  if (internals === undefined) return; // closed: nothing more can come
  const { handle, state } = internals;
  handle.readStop();
  // net.Socket starts the handle again when asked to read and it sees reading false;
  // the stream asks only when no read is under way, and the one it asked for last never comes.
  handle.reading = false;
  state.reading = false;
}
