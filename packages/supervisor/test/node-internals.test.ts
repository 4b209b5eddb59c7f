// The Node internals @moonbridge/supervisor relies on
// (src/internal/node-internals.ts, the one file that reaches them): each
// exists with the expected shape on the running Node, or the test fails with
// a message naming the internal and process.version; and a stand-in lacking
// one makes the checks throw that message, as the pool would at first use on
// such a Node. What the internals do is tested in native-handles.test.ts.

import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer, type Socket as NetSocket, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  checkChannel,
  checkHandleBindings,
  checkNetSocket,
  checkStreamWrap,
  handleClasses,
  ipcChannel,
  socketHandle,
  streamWrap,
} from "../src/internal/node-internals";

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  vi.restoreAllMocks();
  vi.resetModules();
});

/** The message of an unsupported internal, as a pattern: the package, this Node's version, `what`. */
function loud(what: string): RegExp {
  const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(
    `^@moonbridge/supervisor: Node ${literal(process.version)}'s ${literal(what)}; this Node version is not supported$`,
  );
}

/** What the running Node's process.binding gives, without its type. */
function binding(name: string): Record<string, unknown> {
  return (process as unknown as { binding(name: string): Record<string, unknown> }).binding(name);
}

/**
 * A child with an IPC channel that runs our node-internals.ts (transpiled to
 * CommonJS in a temporary directory) on its own end of the channel, and
 * sends back what the check said.
 */
function childCheckingItsChannel(): ChildProcess {
  const dir = mkdtempSync(join(tmpdir(), "moon-internals-"));
  dirs.push(dir);
  const source = readFileSync(
    join(import.meta.dirname, "..", "src", "internal", "node-internals.ts"),
    "utf8",
  );
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  });
  writeFileSync(join(dir, "node-internals.js"), outputText);
  writeFileSync(
    join(dir, "child.js"),
    `const { ipcChannel } = require("./node-internals.js");
let outcome;
try { ipcChannel(process); outcome = "ok"; } catch (error) { outcome = error.message; }
process.send({ outcome });
process.on("message", () => process.exit(0));
`,
  );
  const child = fork(join(dir, "child.js"), { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  children.push(child);
  return child;
}

describe(`the internals on the running Node (${process.version})`, () => {
  it("process.binding('tcp_wrap') and ('pipe_wrap'): TCP and Pipe with every method used, and constants.SERVER", () => {
    // On failure the thrown message names the internal and process.version.
    expect(() => handleClasses()).not.toThrow();
    const { TCP, Pipe, tcpServer, pipeServer } = handleClasses();
    expect(TCP).toBe(binding("tcp_wrap").TCP);
    expect(Pipe).toBe(binding("pipe_wrap").Pipe);
    expect(tcpServer).toBe((binding("tcp_wrap").constants as { SERVER: number }).SERVER);
    expect(pipeServer).toBe((binding("pipe_wrap").constants as { SERVER: number }).SERVER);
  });

  it("process.binding('stream_wrap'): streamBaseState, kReadBytesOrError, kArrayBufferOffset, WriteWrap", () => {
    expect(() => streamWrap()).not.toThrow();
    expect(streamWrap()).toBe(binding("stream_wrap"));
  });

  it("net.Socket's _handle: null on a fresh socket, a TCP handle on an accepted one", async () => {
    expect(() => checkNetSocket(new Socket())).not.toThrow();
    expect(socketHandle(new Socket())).toBeNull();
    const server = createServer({ pauseOnConnect: true });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const accepted = new Promise<NetSocket>((resolve) => server.once("connection", resolve));
    const address = server.address() as { port: number };
    const client = createConnection({ host: "127.0.0.1", port: address.port });
    const socket = await accepted;
    try {
      expect(
        socketHandle(socket),
        `Node ${process.version}: an accepted net.Socket's _handle`,
      ).toBeInstanceOf(handleClasses().TCP);
    } finally {
      client.destroy();
      socket.destroy();
      server.close();
    }
  });

  it("child_process's IPC channel (kChannelHandle): writeUtf8String, onread, pendingHandle, buffering; in the parent and in the child", async () => {
    const child = childCheckingItsChannel();
    const first = await new Promise<unknown>((resolve, reject) => {
      child.once("message", resolve);
      child.once("exit", (code) => reject(new Error(`the child exited (${code})`)));
    });
    // In the parent: the ChildProcess's channel, once it has read a message.
    expect(() => ipcChannel(child)).not.toThrow();
    const channel = ipcChannel(child);
    expect(
      typeof channel.buffering,
      `Node ${process.version}: child_process's channel.buffering after a message`,
    ).toBe("boolean");
    // In the child: `process`'s channel.
    expect(first).toEqual({ outcome: "ok" });
    child.send("bye");
  });
});

/** A stand-in handle class named `name`, whose prototype has `methods` (and onread unless `onread` is false). */
function handleClass(name: string, methods: readonly string[], onread = true) {
  const made = { [name]: class {} }[name] as unknown as { prototype: Record<string, unknown> };
  for (const method of methods) made.prototype[method] = () => 0;
  if (onread)
    Object.defineProperty(made.prototype, "onread", {
      get() {
        throw new TypeError("Illegal invocation"); // as Node's are, read on the prototype
      },
    });
  return made;
}

const TCP_METHODS = [
  "bind",
  "bind6",
  "open",
  "listen",
  "getsockname",
  "setNoDelay",
  "close",
  "readStart",
  "readStop",
];
const PIPE_METHODS = [
  "bind",
  "open",
  "listen",
  "close",
  "readStart",
  "readStop",
  "writeUtf8String",
];
const tcpWrap = (changes: Record<string, unknown> = {}) => ({
  TCP: handleClass("TCP", TCP_METHODS),
  constants: { SERVER: 1 },
  ...changes,
});
const pipeWrap = (changes: Record<string, unknown> = {}) => ({
  Pipe: handleClass("Pipe", PIPE_METHODS),
  constants: { SERVER: 1 },
  ...changes,
});
/** The running Node's stream_wrap, with `changes` (undefined: the internal is gone). */
const streamWrapWith = (changes: Record<string, unknown>) => ({
  ...binding("stream_wrap"),
  ...changes,
});
/** A stand-in channel as child_process leaves it, with `changes`. */
const channelWith = (changes: Record<string, unknown>) => ({
  writeUtf8String: () => 0,
  onread: () => {},
  pendingHandle: null,
  ...changes,
});

describe("a Node whose internals changed: the checks throw, naming the internal and the version", () => {
  const cases: Array<{ what: string; check: () => unknown; expected: string }> = [
    {
      what: "tcp_wrap without TCP",
      check: () => checkHandleBindings(tcpWrap({ TCP: undefined }), pipeWrap()),
      expected: "tcp_wrap has no TCP (a class)",
    },
    {
      what: "TCP handles without bind6()",
      check: () =>
        checkHandleBindings(
          tcpWrap({
            TCP: handleClass(
              "TCP",
              TCP_METHODS.filter((m) => m !== "bind6"),
            ),
          }),
          pipeWrap(),
        ),
      expected: "TCP handles have no bind6()",
    },
    {
      what: "TCP handles without onread",
      check: () =>
        checkHandleBindings(tcpWrap({ TCP: handleClass("TCP", TCP_METHODS, false) }), pipeWrap()),
      expected: "TCP handles have no onread",
    },
    {
      what: "tcp_wrap without constants.SERVER",
      check: () => checkHandleBindings(tcpWrap({ constants: {} }), pipeWrap()),
      expected: "tcp_wrap has no constants.SERVER (a number)",
    },
    {
      what: "pipe_wrap without Pipe",
      check: () => checkHandleBindings(tcpWrap(), pipeWrap({ Pipe: undefined })),
      expected: "pipe_wrap has no Pipe (a class)",
    },
    {
      what: "Pipe handles without writeUtf8String() (the channel's)",
      check: () =>
        checkHandleBindings(
          tcpWrap(),
          pipeWrap({
            Pipe: handleClass(
              "Pipe",
              PIPE_METHODS.filter((m) => m !== "writeUtf8String"),
            ),
          }),
        ),
      expected: "Pipe handles have no writeUtf8String()",
    },
    {
      what: "no pipe_wrap at all",
      check: () => checkHandleBindings(tcpWrap(), undefined),
      expected: "pipe_wrap is missing",
    },
    {
      what: "stream_wrap without WriteWrap",
      check: () => checkStreamWrap(streamWrapWith({ WriteWrap: undefined })),
      expected: "stream_wrap has no WriteWrap (a class)",
    },
    {
      what: "stream_wrap without kArrayBufferOffset",
      check: () => checkStreamWrap(streamWrapWith({ kArrayBufferOffset: undefined })),
      expected: "stream_wrap has no kArrayBufferOffset (an index of streamBaseState)",
    },
    {
      what: "stream_wrap whose streamBaseState is a plain array",
      check: () => checkStreamWrap(streamWrapWith({ streamBaseState: [0, 0, 0, 0] })),
      expected: "stream_wrap has no streamBaseState (an Int32Array)",
    },
    {
      what: "net.Socket without _handle",
      check: () => checkNetSocket({}),
      expected: "net.Socket has no _handle",
    },
    {
      what: "a ChildProcess without kChannelHandle",
      check: () => ipcChannel({ channel: {} }),
      expected: "child_process has no channel handle (kChannelHandle)",
    },
    {
      what: "a channel without writeUtf8String()",
      check: () => checkChannel(channelWith({ writeUtf8String: undefined })),
      expected: "child_process's channel has no writeUtf8String()",
    },
    {
      what: "a channel without onread",
      check: () => checkChannel(channelWith({ onread: null })),
      expected: "child_process's channel has no onread (its parser)",
    },
    {
      what: "a channel without pendingHandle",
      check: () => {
        const { pendingHandle: _, ...rest } = channelWith({});
        return checkChannel(rest);
      },
      expected: "child_process's channel has no pendingHandle",
    },
    {
      what: "a channel whose buffering flag is not a boolean",
      check: () => checkChannel(channelWith({ buffering: 0 })),
      expected: "child_process's channel has a buffering flag that is not a boolean",
    },
  ];

  it("the stand-ins pass as they are (so each case below fails for its one change)", () => {
    expect(() => checkHandleBindings(tcpWrap(), pipeWrap())).not.toThrow();
    expect(() => checkChannel(channelWith({}))).not.toThrow();
  });

  it.each(cases)("$what", ({ check, expected }) => {
    expect(check).toThrow(loud(expected));
  });

  it("the pool's own functions throw it at first use, and the same Error after", async () => {
    const real = (process as unknown as { binding(name: string): unknown }).binding;
    const realBinding = (name: string) => real.call(process, name);
    vi.spyOn(
      process as unknown as { binding(name: string): unknown },
      "binding",
    ).mockImplementation((name) =>
      name === "tcp_wrap" ? tcpWrap({ TCP: undefined }) : realBinding(name),
    );
    vi.resetModules();
    const fresh = await import("../src/internal/native-handles");
    let first: unknown;
    try {
      fresh.bindTcp("127.0.0.1", 0, false);
    } catch (error) {
      first = error;
    }
    expect(first).toBeInstanceOf(Error);
    expect((first as Error).message).toMatch(loud("tcp_wrap has no TCP (a class)"));
    expect(() => fresh.bindPipe("/nonexistent/x.sock")).toThrow(first as Error);
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
      `@moonbridge/supervisor: process.binding("stream_wrap") failed on Node ${process.version}: Access to this API has been restricted`,
    );
  });
});
