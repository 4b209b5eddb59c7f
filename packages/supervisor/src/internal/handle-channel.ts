// The fast lane for listener copies, and the second (and last) file that uses
// Node internals. child_process.send() with a handle costs a JSON message, a
// NODE_HANDLE_ACK back from the receiver, and one handle in flight at a time;
// here the supervisor writes its own tiny frame with the handle straight onto
// the IPC pipe child_process already opened (one sendmsg each, no ACK, many
// in one go), and the worker takes those frames and their handles out of the
// pipe before child_process parses what it reads (one recvmsg each). Other
// messages still go through child_process on the same pipe.
//
// Why it works: the kernel never merges a read past a message that carries a
// file descriptor, so a handle always comes with the last bytes of the chunk
// it arrives in: a chunk that ends with our frame carries our handle.
// A frame is a line of JSON, so that child_process, if it ever parses one (a
// chunk that also holds its own messages), sees an internal message nobody
// listens to. An extra stdio pipe would need both ends opened as IPC pipes,
// and the supervisor's end is owned (and read) by a net.Socket that
// child_process made for it. test/native-handles.test.ts fails loudly if
// these internals change.

import type { ChildProcess } from "node:child_process";
import { isNativeHandle, type NativeHandle } from "./native-handles";

/** child_process's raw IPC pipe (pipe_wrap's Pipe with the IPC flag). */
interface RawChannel {
  writeUtf8String(req: WriteRequest, data: string, handle?: NativeHandle): number;
  onread: ((this: RawChannel, arrayBuffer: ArrayBuffer | undefined) => void) | null;
  pendingHandle: unknown;
  /** True while child_process holds a partial message from an earlier chunk. */
  buffering?: boolean;
}

interface WriteRequest {
  oncomplete: (status: number) => void;
}

interface StreamInternals {
  WriteWrap: new () => WriteRequest;
  streamBaseState: Int32Array;
  kReadBytesOrError: number;
  kArrayBufferOffset: number;
}

const PREFIX = '{"cmd":"NODE_MOONBRIDGE_COPY","id":';
const PREFIX_BYTES = Buffer.from(PREFIX, "latin1");
const BRACE = 0x7d;
const NEWLINE = 0x0a;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

let internals: StreamInternals | undefined;

function unsupported(what: string): Error {
  return new Error(
    `@moonbridge/supervisor: this Node version's child_process IPC channel is not supported (${what})`,
  );
}

function streams(): StreamInternals {
  if (internals !== undefined) return internals;
  const binding = (process as unknown as { binding(name: string): Record<string, unknown> })
    .binding;
  const wrap = binding("stream_wrap") as Partial<StreamInternals>;
  if (
    typeof wrap.WriteWrap !== "function" ||
    !(wrap.streamBaseState instanceof Int32Array) ||
    typeof wrap.kReadBytesOrError !== "number" ||
    typeof wrap.kArrayBufferOffset !== "number"
  ) {
    throw unsupported("stream_wrap");
  }
  internals = wrap as StreamInternals;
  return internals;
}

/** The raw pipe under child_process's channel of `owner` (a ChildProcess, or `process` in a child). */
function rawChannel(owner: object): RawChannel {
  const key = Object.getOwnPropertySymbols(owner).find((s) => s.description === "kChannelHandle");
  const channel = key === undefined ? undefined : (owner as Record<symbol, unknown>)[key];
  if (
    typeof channel !== "object" ||
    channel === null ||
    typeof (channel as RawChannel).writeUtf8String !== "function" ||
    typeof (channel as RawChannel).onread !== "function"
  ) {
    throw unsupported("kChannelHandle");
  }
  return channel as RawChannel;
}

/** The frame the chunk ends with: its listener id and whether the chunk holds nothing else. */
function trailingFrame(bytes: Uint8Array): { id: number; alone: boolean } | undefined {
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
  if (digits === 0 || digits > 6) return undefined;
  const start = end + 1 - PREFIX_BYTES.length;
  if (start < 0) return undefined;
  for (let i = 0; i < PREFIX_BYTES.length; i++)
    if (bytes[start + i] !== PREFIX_BYTES[i]) return undefined;
  return { id, alone: start === 0 };
}

/** Supervisor side: sends listener copies to one worker. */
export interface CopySender {
  /**
   * Sends a copy of `handle` (listener `id`) in one write. Returns false if the
   * write failed at once; `onError` gets a failure reported later. Check that
   * the child is connected first.
   */
  send(id: number, handle: NativeHandle): boolean;
}

/** The sender of listener copies to `child` (forked with an IPC channel). Throws if Node's internals changed. */
export function copySender(child: ChildProcess, onError: () => void): CopySender {
  const { WriteWrap } = streams();
  const channel = rawChannel(child);
  const done = (status: number): void => {
    if (status < 0) onError();
  };
  return {
    send(id, handle) {
      const req = new WriteWrap();
      req.oncomplete = done;
      return channel.writeUtf8String(req, `${PREFIX}${id}}\n`, handle) === 0;
    },
  };
}

/**
 * Worker side: from now on, listener copies the supervisor sends go to
 * `onCopy` (listener id, handle) and never reach child_process.
 * Throws if Node's internals changed.
 */
export function receiveCopies(onCopy: (id: number, handle: NativeHandle) => void): void {
  const state = streams();
  const channel = rawChannel(process);
  const parse = channel.onread as NonNullable<RawChannel["onread"]>;
  channel.onread = function onread(arrayBuffer) {
    const handle = channel.pendingHandle;
    if (arrayBuffer !== undefined && handle != null && isNativeHandle(handle)) {
      const length = state.streamBaseState[state.kReadBytesOrError] as number;
      const offset = state.streamBaseState[state.kArrayBufferOffset] as number;
      const frame = trailingFrame(new Uint8Array(arrayBuffer, offset, length));
      if (frame !== undefined) {
        channel.pendingHandle = null;
        onCopy(frame.id, handle);
        // A chunk that is our frame alone is not child_process's business.
        if (frame.alone && channel.buffering !== true) return;
      }
    }
    parse.call(this, arrayBuffer);
  };
}
