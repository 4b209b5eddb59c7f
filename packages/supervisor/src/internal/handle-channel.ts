// The fast lane for handles, on child_process's raw IPC pipe (a Node
// internal, as is all this relies on: node-internals.ts).
// child_process.send() with a handle costs a JSON message, a
// NODE_HANDLE_ACK back from the receiver, and one handle in flight at a time;
// here the sender writes its own tiny frame with the handle straight onto
// the IPC pipe child_process already opened (one sendmsg each, no ACK, many
// in one go), and the receiver takes those frames and their handles out of
// the pipe before child_process parses what it reads (one recvmsg each).
// Three kinds travel so: listener copies (supervisor to worker), parked
// connections (both ways; what goes with one, its bytes, is an ordinary
// message, matched by id), and copies of the connections a worker serves
// (worker to supervisor, the id alone). Other messages still go through child_process on
// the same pipe.
//
// Why it works: the kernel never merges a read past a message that carries a
// file descriptor, so a handle always comes with the last bytes of the chunk
// it arrives in: a chunk that ends with our frame carries our handle (frames
// are short, so one never spans two reads).
// A frame is a line of JSON, so that child_process, if it ever parses one (a
// chunk that also holds its own messages), sees an internal message nobody
// listens to.

import type { ChildProcess } from "node:child_process";
import { isNativeHandle } from "./native-handles";
import { ipcChannel, type NativeHandle, type RawChannel, streamWrap } from "./node-internals";

/**
 * What a frame carries: a listener copy (to a worker), a connection (parked,
 * or resumed), or a copy of a connection a worker keeps serving, which the
 * supervisor holds so that the connection outlives the worker.
 */
export type HandleKind = "copy" | "conn" | "held";

/** A frame is its kind's prefix (all as long as each other), the id in decimal, and `}\n`. */
const PREFIX_TEXT: Record<HandleKind, string> = {
  copy: '{"cmd":"NODE_MOONBRIDGE_COPY","id":',
  conn: '{"cmd":"NODE_MOONBRIDGE_CONN","id":',
  held: '{"cmd":"NODE_MOONBRIDGE_HELD","id":',
};
const KINDS = Object.keys(PREFIX_TEXT) as HandleKind[];
const PREFIXES = KINDS.map((kind) => ({ kind, bytes: Buffer.from(PREFIX_TEXT[kind], "latin1") }));
const PREFIX_LENGTH = PREFIX_TEXT.copy.length;
const BRACE = 0x7d;
const NEWLINE = 0x0a;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const MAX_ID_DIGITS = 15;

/** The frame the chunk ends with: its kind, id, and whether the chunk holds nothing else. */
function trailingFrame(
  bytes: Uint8Array,
): { kind: HandleKind; id: number; alone: boolean } | undefined {
  let end = bytes.length - 1;
  if (end < 1 || bytes[end] !== NEWLINE || bytes[end - 1] !== BRACE) return undefined;
  end -= 2;
  let id = 0;
  let scale = 1;
  let digits = 0;
  for (; end >= 0; end--) {
    const byte = bytes[end] as number;
    if (byte < DIGIT_0 || byte > DIGIT_9) break;
    id += (byte - DIGIT_0) * scale;
    scale *= 10;
    digits++;
  }
  if (digits === 0 || digits > MAX_ID_DIGITS) return undefined;
  const start = end + 1 - PREFIX_LENGTH;
  if (start < 0) return undefined;
  for (const { kind, bytes: prefix } of PREFIXES) {
    let same = true;
    for (let i = 0; i < PREFIX_LENGTH && same; i++) same = bytes[start + i] === prefix[i];
    if (same) return { kind, id, alone: start === 0 };
  }
  return undefined;
}

/** Sends handles to the other end of one IPC channel. */
export interface HandleSender {
  /**
   * Sends `handle` as a frame of `kind` with `id`, in one write. Returns false
   * if the write failed at once; otherwise `done` (if given) learns, once the
   * write is over, whether it succeeded (then the handle may be closed here).
   * Check that the channel is connected first.
   */
  send(kind: HandleKind, id: number, handle: NativeHandle, done?: (ok: boolean) => void): boolean;
}

/**
 * The sender of handles over `owner`'s channel: a ChildProcess (forked with
 * an IPC channel) or, in a worker, `process`. `onError` gets a write that
 * failed later without a `done` of its own. Throws if Node's internals changed.
 */
export function handleSender(
  owner: ChildProcess | NodeJS.Process,
  onError: () => void,
): HandleSender {
  const { WriteWrap } = streamWrap();
  const channel = ipcChannel(owner);
  const failed = (status: number): void => {
    if (status < 0) onError();
  };
  return {
    send(kind, id, handle, done) {
      const req = new WriteWrap();
      req.oncomplete = done === undefined ? failed : (status) => done(status >= 0);
      return channel.writeUtf8String(req, `${PREFIX_TEXT[kind]}${id}}\n`, handle) === 0;
    },
  };
}

/**
 * From now on, handles sent in frames over `owner`'s channel (a ChildProcess,
 * or `process` in a worker) go to `onHandle` and never reach child_process.
 * Throws if Node's internals changed.
 */
export function receiveHandles(
  owner: ChildProcess | NodeJS.Process,
  onHandle: (kind: HandleKind, id: number, handle: NativeHandle) => void,
): void {
  const { streamBaseState, kReadBytesOrError, kArrayBufferOffset } = streamWrap();
  const channel = ipcChannel(owner);
  const parse = channel.onread as NonNullable<RawChannel["onread"]>;
  channel.onread = function onread(arrayBuffer) {
    const handle = channel.pendingHandle;
    if (arrayBuffer !== undefined && handle != null && isNativeHandle(handle)) {
      const length = streamBaseState[kReadBytesOrError] as number;
      const offset = streamBaseState[kArrayBufferOffset] as number;
      const frame = trailingFrame(new Uint8Array(arrayBuffer, offset, length));
      if (frame !== undefined) {
        channel.pendingHandle = null;
        onHandle(frame.kind, frame.id, handle);
        // A chunk that is our frame alone is not child_process's business.
        if (frame.alone && channel.buffering !== true) return;
      }
    }
    parse.call(this, arrayBuffer);
  };
}
