// poll(): Moonbridge's io.poll. Waits until one of the readables has data or
// end of stream, or one of the writables has room, or the time runs out.
// Nothing is read or written: it only says that a next call will not wait.

import { MoonSocketError } from "./errors";
import { checkSeconds } from "./internal/options";
import { type Readiness, readableReadiness, writableReadiness } from "./internal/readiness";
import type { MoonListener } from "./listener";
import type { MoonSocket } from "./moon-socket";
import type { MoonInput, MoonOutput } from "./streams";

/** What poll() can wait to read from: a socket (its input), an input stream, a listener. */
export type PollReadable = MoonSocket | MoonInput | MoonListener;
/** What poll() can wait to write to: a socket (its output), an output stream. */
export type PollWritable = MoonSocket | MoonOutput;

function collect(
  items: Iterable<unknown> | null | undefined,
  lookup: (item: unknown) => Readiness | undefined,
  what: string,
): Readiness[] {
  const found: Readiness[] = [];
  if (items === null || items === undefined) return found;
  for (const item of items) {
    const readiness = lookup(item);
    if (readiness === undefined) {
      throw new MoonSocketError(
        "INVALID_ARGUMENT",
        `poll: ${what} must hold MoonSockets, their streams or listeners`,
      );
    }
    found.push(readiness);
  }
  return found;
}

/**
 * Resolves `true` as soon as one of `readables` has data or end of stream (a
 * listener: a connection waiting) or one of `writables` can take data (or has
 * failed, so that the next call reports it); `false` when `timeoutSeconds` pass
 * first. A timeout of 0 or none waits without limit, as in Moonbridge.
 *
 * @param timeoutSeconds seconds; @default no limit
 * @example
 * ```ts
 * let rest = socket.writeNb(data);
 * while (rest.length > 0) {
 *   if (!(await poll(null, [socket], 30))) throw new Error("peer stopped reading");
 *   rest = socket.writeNb(rest);
 * }
 * ```
 */
export function poll(
  readables?: Iterable<PollReadable> | null,
  writables?: Iterable<PollWritable> | null,
  timeoutSeconds?: number | null,
): Promise<boolean> {
  let waits: Readiness[];
  let seconds: number;
  try {
    waits = [
      ...collect(readables, readableReadiness, "readables"),
      ...collect(writables, writableReadiness, "writables"),
    ];
    seconds =
      timeoutSeconds === undefined || timeoutSeconds === null
        ? 0
        : checkSeconds("timeoutSeconds", timeoutSeconds);
    if (waits.length === 0 && seconds === 0) {
      throw new MoonSocketError(
        "INVALID_ARGUMENT",
        "poll: nothing to wait for and no timeout would wait forever",
      );
    }
  } catch (error) {
    return Promise.reject(error);
  }
  if (waits.some((readiness) => readiness.ready())) return Promise.resolve(true);
  return new Promise<boolean>((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (result: boolean): void => {
      if (timer !== undefined) clearTimeout(timer);
      for (const readiness of waits) readiness.signal.remove(check);
      resolve(result);
    };
    const check = (): void => {
      if (waits.some((readiness) => readiness.ready())) finish(true);
    };
    for (const readiness of waits) readiness.signal.add(check);
    if (seconds > 0) timer = setTimeout(finish, seconds * 1000, false);
  });
}
