// The Node internals @moonbridge/socket relies on (src/internal/node-internals.ts,
// the one file that reaches them): each exists with the expected shape on the
// running Node, or the test fails with a message naming the internal and
// process.version; and a stand-in lacking one makes the checks throw that
// message, as the package would at first use on such a Node.

import { Socket } from "node:net";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  asConnectionHandle,
  checkHandlePrototype,
  checkNetSocket,
  checkStreamWrap,
  connectionHandleOf,
  readingState,
  socketHandle,
  socketOverHandle,
  streamWrap,
} from "../src/internal/node-internals";
import { cleanup, pair, takeHandle, until } from "./helpers/connect";

afterEach(cleanup);
afterEach(() => {
  vi.restoreAllMocks();
  vi.resetModules();
});

/** The message of an unsupported internal, as a pattern: the package, this Node's version, `what`. */
function loud(what: string): RegExp {
  const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(
    `^@moonbridge/socket: Node ${literal(process.version)}'s ${literal(what)}; this Node version is not supported$`,
  );
}

/** What the running Node's process.binding gives, without its type. */
function binding(name: string): Record<string, unknown> {
  return (process as unknown as { binding(name: string): Record<string, unknown> }).binding(name);
}

describe(`the internals on the running Node (${process.version})`, () => {
  it("process.binding('stream_wrap'): streamBaseState, kReadBytesOrError, kLastWriteWasAsync, WriteWrap, ShutdownWrap", () => {
    // On failure the thrown message names the internal and process.version.
    expect(() => streamWrap()).not.toThrow();
    expect(streamWrap()).toBe(binding("stream_wrap"));
  });

  it.each(["tcp", "unix"] as const)(
    "net.Socket's _handle and _readableState.reading; the connection's handle class (%s) has every method used",
    async (transport) => {
      const { raw } = await pair(transport);
      expect(() => checkNetSocket(raw)).not.toThrow();
      const handle = connectionHandleOf(raw);
      const name = transport === "tcp" ? "TCP" : "Pipe";
      expect(
        handle,
        `Node ${process.version}: a ${transport} connection's net.Socket has no ${name} handle`,
      ).toBeDefined();
      expect(() => checkHandlePrototype(Object.getPrototypeOf(handle))).not.toThrow();
      expect(socketHandle(raw)).toBe(handle);
    },
  );

  it("a fresh net.Socket has them too (they are the class's, not only a connection's)", () => {
    expect(() => checkNetSocket(new Socket())).not.toThrow();
  });

  it("net.Socket keeps `reading` on its handle: false while paused on creation, true once read", async () => {
    const { raw } = await pair("tcp");
    const handle = connectionHandleOf(raw);
    expect(handle?.reading, `Node ${process.version}: a paused socket's handle.reading`).toBe(
      false,
    );
    raw.resume();
    await until(() => handle?.reading === true, `Node ${process.version}: handle.reading true`);
    const internals = readingState(raw);
    expect(internals?.handle).toBe(handle);
    expect(internals?.state.reading).toBe(true);
  });

  it("net.Socket's handle and pauseOnCreate options: a socket over a handle it did not make", async () => {
    const { raw } = await pair("tcp");
    const handle = asConnectionHandle(takeHandle(raw));
    if (handle === undefined) throw new Error(`Node ${process.version}: no TCP handle`);
    const socket = socketOverHandle(handle);
    try {
      expect(socketHandle(socket)).toBe(handle);
      expect(socket.isPaused()).toBe(true);
      expect(handle.reading).toBe(false);
    } finally {
      socket.destroy();
    }
  });
});

/** The running Node's stream_wrap, with `changes` (undefined: the internal is gone). */
function streamWrapWith(changes: Record<string, unknown>): Record<string, unknown> {
  return { ...binding("stream_wrap"), ...changes };
}

/** A stand-in handle class: its prototype has `methods` and `accessors`, and the class `name`. */
function handleClass(name: string, methods: readonly string[], accessors: readonly string[]) {
  const prototype: Record<string, unknown> = {};
  for (const method of methods) prototype[method] = () => 0;
  for (const accessor of accessors)
    Object.defineProperty(prototype, accessor, {
      get() {
        throw new TypeError("Illegal invocation"); // as Node's are, read on the prototype
      },
    });
  // A function named `name`, as the class's constructor.
  Object.defineProperty(prototype, "constructor", { value: { [name]: () => {} }[name] });
  return prototype;
}

const CONNECTION = [
  "readStart",
  "readStop",
  "writeBuffer",
  "writeUtf8String",
  "useUserBuffer",
  "shutdown",
  "close",
];
const TCP_ONLY = ["reset", "getsockname", "getpeername", "setNoDelay"];
const ACCESSORS = ["onread", "writeQueueSize"];

describe("a Node whose internals changed: the checks throw, naming the internal and the version", () => {
  const cases: Array<{ what: string; check: () => unknown; expected: string }> = [
    {
      what: "stream_wrap without WriteWrap",
      check: () => checkStreamWrap(streamWrapWith({ WriteWrap: undefined })),
      expected: "stream_wrap has no WriteWrap (a class)",
    },
    {
      what: "stream_wrap without ShutdownWrap",
      check: () => checkStreamWrap(streamWrapWith({ ShutdownWrap: undefined })),
      expected: "stream_wrap has no ShutdownWrap (a class)",
    },
    {
      what: "stream_wrap whose streamBaseState is a plain array",
      check: () => checkStreamWrap(streamWrapWith({ streamBaseState: [0, 0, 0, 0] })),
      expected: "stream_wrap has no streamBaseState (an Int32Array)",
    },
    {
      what: "stream_wrap without kReadBytesOrError",
      check: () => checkStreamWrap(streamWrapWith({ kReadBytesOrError: undefined })),
      expected: "stream_wrap has no kReadBytesOrError (an index of streamBaseState)",
    },
    {
      what: "stream_wrap whose kLastWriteWasAsync is past streamBaseState's end",
      check: () => checkStreamWrap(streamWrapWith({ kLastWriteWasAsync: 1 << 20 })),
      expected: "stream_wrap has no kLastWriteWasAsync (an index of streamBaseState)",
    },
    {
      what: "no stream_wrap at all",
      check: () => checkStreamWrap(undefined),
      expected: "stream_wrap is missing",
    },
    {
      what: "TCP handles without useUserBuffer()",
      check: () =>
        checkHandlePrototype(
          handleClass(
            "TCP",
            [...CONNECTION, ...TCP_ONLY].filter((m) => m !== "useUserBuffer"),
            ACCESSORS,
          ),
        ),
      expected: "TCP handles have no useUserBuffer()",
    },
    {
      what: "TCP handles without reset()",
      check: () => checkHandlePrototype(handleClass("TCP", CONNECTION, ACCESSORS)),
      expected: "TCP handles have no reset()",
    },
    {
      what: "Pipe handles without writeQueueSize",
      check: () => checkHandlePrototype(handleClass("Pipe", CONNECTION, ["onread"])),
      expected: "Pipe handles have no writeQueueSize",
    },
    {
      what: "a TCP handle (not its class) without onread",
      check: () =>
        asConnectionHandle(
          Object.create(handleClass("TCP", [...CONNECTION, ...TCP_ONLY], ["writeQueueSize"])),
        ),
      expected: "TCP handles have no onread",
    },
    {
      what: "net.Socket without _handle",
      check: () => checkNetSocket({ _readableState: { reading: false } }),
      expected: "net.Socket has no _handle",
    },
    {
      what: "net.Socket without _readableState",
      check: () => checkNetSocket({ _handle: null }),
      expected: "net.Socket has no _readableState",
    },
    {
      what: "net.Socket whose _readableState has no reading flag",
      check: () => checkNetSocket({ _handle: null, _readableState: {} }),
      expected: "net.Socket's _readableState has no reading flag (a boolean)",
    },
  ];

  it.each(cases)("$what", ({ check, expected }) => {
    expect(check).toThrow(loud(expected));
  });

  it("the stand-in classes pass with every method (so each case above fails for its one change)", () => {
    expect(checkHandlePrototype(handleClass("TCP", [...CONNECTION, ...TCP_ONLY], ACCESSORS))).toBe(
      true,
    );
    expect(checkHandlePrototype(handleClass("Pipe", CONNECTION, ACCESSORS))).toBe(true);
  });

  it("a handle of another class, or a stream that is no net.Socket, has no connection handle (no error: it is read as a stream)", () => {
    expect(checkHandlePrototype(handleClass("TLSWrap", [], []))).toBe(false);
    expect(connectionHandleOf(new PassThrough() as unknown as Socket)).toBeUndefined();
    expect(readingState(new PassThrough() as unknown as Socket)).toBeUndefined();
    expect(asConnectionHandle({})).toBeUndefined();
    expect(asConnectionHandle(null)).toBeUndefined();
  });

  it("the handle path throws it at first use instead of falling back to the stream path", async () => {
    vi.spyOn(
      process as unknown as { binding(name: string): unknown },
      "binding",
    ).mockImplementation(() => ({}));
    vi.resetModules();
    const fresh = await import("../src/internal/handle-io");
    const { raw } = await pair("tcp");
    const loudly = loud("stream_wrap has no streamBaseState (an Int32Array)");
    expect(() => fresh.HandleWriter.of(raw)).toThrow(loudly);
    // Checked once: the same Error every time after.
    expect(() => fresh.HandleReader.of(raw, { bytesCame: () => {} })).toThrow(loudly);
  });

  it("a process.binding that throws (as under --permission) is named with its reason", async () => {
    vi.spyOn(
      process as unknown as { binding(name: string): unknown },
      "binding",
    ).mockImplementation(() => {
      throw new Error("Access to this API has been restricted");
    });
    vi.resetModules();
    const fresh = await import("../src/internal/node-internals");
    expect(() => fresh.streamWrap()).toThrow(
      `@moonbridge/socket: process.binding("stream_wrap") failed on Node ${process.version}: Access to this API has been restricted`,
    );
  });
});
