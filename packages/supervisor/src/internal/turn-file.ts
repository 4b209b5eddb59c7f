// The turn file: how a supervisor learns, after a worker died, which of the
// connections it holds copies of (connection-copies.ts) was running a request
// then. That one is closed (its request is lost with the worker); the others
// wait for their next request, which another worker serves. The supervisor
// makes a file per worker, unlinked at once, and passes it as a descriptor;
// the first 4 bytes hold the copy id of the connection whose request runs
// (little-endian; 0: none). The worker keeps them in memory at every turn
// and writes them only when it matters: a turn that has lasted
// SLOT_RELEASE_MS (a request that waits on I/O; the worker's slow-turn timer
// calls flush()), when the process exits (a crash), and, through
// @moonbridge/timeout's last words, when a timer kills it (a blocked loop).
// A worker killed from outside (kill -9, the memory watch) during a
// synchronous request, or in the first milliseconds of an asynchronous one,
// leaves no record: a pwrite per request (or a setImmediate to look) cost a
// keep-alive request 5-7% of its CPU. That connection then waits for a next
// request as the others do, and its client for its answer until the idle
// timeout.

import { closeSync, existsSync, openSync, readSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lastWords } from "@moonbridge/timeout";

/** Bytes of the record. */
const RECORD_BYTES = 4;

let made = 0;

/** A new, unlinked turn file for a worker about to be forked: its descriptor (undefined if none can be made). */
export function openTurnFile(): number | undefined {
  // In memory where the system has it: the worker writes there mid-request.
  const dir = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
  const path = join(dir, `moonbridge-turn-${process.pid}-${++made}`);
  try {
    const fd = openSync(path, "w+", 0o600);
    unlinkSync(path);
    return fd;
  } catch {
    return undefined;
  }
}

/** The copy id whose request ran when the worker died (0: none known); closes the file. */
export function readTurnFile(fd: number): number {
  const record = Buffer.alloc(RECORD_BYTES);
  let id = 0;
  try {
    if (readSync(fd, record, 0, RECORD_BYTES, 0) === RECORD_BYTES) id = record.readUInt32LE(0);
  } catch {}
  closeTurnFile(fd);
  return id;
}

export function closeTurnFile(fd: number): void {
  try {
    closeSync(fd);
  } catch {}
}

/** The worker's side: notes whose request runs, and writes it when it matters. */
export class TurnRecord {
  readonly #fd: number;
  /** The record in memory, shared with the timeout watchdog (its last words). */
  readonly #words: DataView;
  readonly #bytes = Buffer.alloc(RECORD_BYTES);
  #running = 0;
  /** What the file holds. */
  #written = 0;

  /** The record in file descriptor `fd`, or undefined without one (a worker forked without it). */
  static open(fd: number | undefined): TurnRecord | undefined {
    return fd === undefined || !Number.isInteger(fd) || fd < 0 ? undefined : new TurnRecord(fd);
  }

  private constructor(fd: number) {
    this.#fd = fd;
    const words = lastWords(fd);
    this.#words = new DataView(words.buffer, words.byteOffset, RECORD_BYTES);
    // A crash (an uncaught exception) ends here too: the record goes out as it stands.
    process.on("exit", () => this.#write(this.#running));
  }

  /** The turn now belongs to the connection with copy `id` (0: to none, or to one without a copy). */
  running(id: number): void {
    if (id === this.#running) return;
    this.#running = id;
    this.#words.setUint32(0, id, true);
    // A stale record would close an idle connection if the worker died: it goes at once.
    if (this.#written !== 0) this.#write(id);
  }

  /** The turn has lasted a while: the file says whose it is. */
  flush(): void {
    this.#write(this.#running);
  }

  #write(id: number): void {
    if (id === this.#written) return;
    this.#bytes.writeUInt32LE(id, 0);
    try {
      writeSync(this.#fd, this.#bytes, 0, RECORD_BYTES, 0);
      this.#written = id;
    } catch {}
  }
}
