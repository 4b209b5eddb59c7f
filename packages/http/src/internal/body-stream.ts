// The request body as a web ReadableStream, for fetchHandler(): a pull
// stream over request.streamRequestBody(), begun at the first read (an
// application that never reads the body leaves it unread, and the server
// drops it as for any callback), one chunk handed over per read (the next
// is read from the client only once the stream wants it: backpressure).
// Cancelled, it reads the rest of the body and drops it, so the response
// never waits for a body nobody reads.

import type { Request } from "../request";

export interface BodyStream {
  stream: ReadableStream<Uint8Array>;
  /** The application is done with the request: a body it began and left is dropped. */
  release(): void;
}

export function bodyStream(request: Request): BodyStream {
  /** Resolves the wait of the chunk the stream holds: the next one may be read. */
  let wanted: (() => void) | undefined;
  let cancelled = false;
  let started = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (started) {
          wanted?.();
          wanted = undefined;
          return;
        }
        started = true;
        request
          .streamRequestBody((chunk) => {
            if (cancelled) return;
            // A copy: the chunk is the server's until this callback's promise settles.
            controller.enqueue(new Uint8Array(chunk));
            if (controller.desiredSize !== null && controller.desiredSize > 0) return;
            return new Promise<void>((resolve) => {
              wanted = resolve;
            });
          })
          .then(
            () => {
              if (!cancelled) controller.close();
            },
            (error: unknown) => {
              if (!cancelled) controller.error(error);
            },
          );
      },
      cancel() {
        cancelled = true;
        wanted?.();
        wanted = undefined;
      },
    },
    { highWaterMark: 1 },
  );
  return {
    stream,
    release() {
      if (!started || cancelled) return;
      cancelled = true;
      wanted?.();
      wanted = undefined;
    },
  };
}
