// What the pool does with Node internals (src/internal/native-handles.ts and
// src/internal/handle-channel.ts, which get them from node-internals.ts): if
// a Node release changes what they do, these tests fail, naming what broke;
// node-internals.test.ts checks that each is there with its expected shape.

import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import {
  type AddressInfo,
  createConnection,
  createServer,
  Socket as NetSocket,
  type Socket,
} from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { afterEach, describe, expect, it } from "vitest";
import { handleSender, receiveHandles } from "../src/internal/handle-channel";
import {
  acceptSome,
  bindTcp,
  isNativeHandle,
  type NativeHandle,
  readOnce,
  releaseHandle,
} from "../src/internal/native-handles";

const SRC = join(import.meta.dirname, "..", "src", "internal");

/**
 * A worker stand-in running our real handle-channel.ts (transpiled to CommonJS
 * in a temporary directory): it reports each listener copy it receives and
 * each message child_process delivers, and serves one connection on the
 * first copy, answering "copy <id>". A connection it receives (a "conn"
 * frame) it answers what it read first, then sends back as frame id + 1.
 */
const CHILD = `
const { handleSender, receiveHandles } = require("./handle-channel.js");
const { Socket } = require("node:net");
const { acceptSome, releaseHandle } = require("./native-handles.js");
/** A connection's handle as a net.Socket, paused (as net.Server makes them). */
const wrap = (handle) => new Socket({ handle, allowHalfOpen: true, readable: true, writable: true, pauseOnCreate: true });
let listening = false;
receiveHandles(process, (kind, id, handle) => {
  if (kind === "conn") {
    const socket = wrap(handle);
    socket.once("data", (chunk) => {
      socket.pause();
      socket.write("child read " + chunk + "\\n", () => {
        const raw = releaseHandle(socket);
        handleSender(process, () => process.exit(4)).send("conn", id + 1, raw, () => raw.close());
      });
    });
    socket.resume();
    return;
  }
  process.send({ copy: id });
  if (listening) return handle.close();
  listening = true;
  acceptSome([handle], 1, (client) => wrap(client).end("copy " + id + "\\n"), () => process.exit(3));
});
process.on("message", (message) => process.send({ echo: message }));
process.send({ ready: true });
`;

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function startChild(): ChildProcess {
  const dir = mkdtempSync(join(tmpdir(), "moon-channel-"));
  dirs.push(dir);
  for (const name of ["handle-channel", "native-handles", "node-internals"]) {
    const source = readFileSync(join(SRC, `${name}.ts`), "utf8");
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    });
    writeFileSync(join(dir, `${name}.js`), outputText);
  }
  writeFileSync(join(dir, "child.js"), CHILD);
  const child = fork(join(dir, "child.js"), { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  children.push(child);
  return child;
}

function nextMessage(child: ChildProcess): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    child.once("message", resolve);
    child.once("exit", (code) => reject(new Error(`the child exited (${code})`)));
  });
}

describe("Node internals used by the pool", () => {
  it("process.binding('tcp_wrap') binds without listening: connections are refused until a worker listens", async () => {
    const { handle, port } = bindTcp("127.0.0.1", 0, false);
    expect(isNativeHandle(handle)).toBe(true);
    expect(port).toBeGreaterThan(0);
    const refused = await new Promise<string>((resolve) => {
      const probe = createConnection({ host: "127.0.0.1", port });
      probe.once("connect", () => resolve("connected"));
      probe.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
    });
    expect(refused).toBe("ECONNREFUSED");
    handle.close();
  });

  // In the pool the supervisor holds another copy, so the second connection waits in
  // the backlog (the pool tests show it served); here this is the only copy, so it is reset.
  it("closing the handle inside the accept callback takes exactly one connection", async () => {
    const { handle, port } = bindTcp("127.0.0.1", 0, false);
    const accepted: Socket[] = [];
    acceptSome(
      [handle],
      1,
      (client) =>
        accepted.push(
          new NetSocket({
            handle: client,
            readable: true,
            writable: true,
            pauseOnCreate: true,
          } as never),
        ),
      (error) => {
        throw error;
      },
    );
    const clients = [
      createConnection({ host: "127.0.0.1", port }),
      createConnection({ host: "127.0.0.1", port }),
    ];
    for (const client of clients) client.on("error", () => {});
    // Each client ends up connected or reset; neither can be accepted a second time.
    await Promise.all(
      clients.map(
        (client) =>
          new Promise((resolve) => {
            client.once("connect", resolve);
            client.once("close", resolve);
          }),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(accepted).toHaveLength(1);
    const socket = accepted[0] as Socket;
    const echoed = new Promise<string>((resolve) =>
      socket.once("data", (chunk) => resolve(chunk.toString())),
    );
    socket.resume();
    clients[0]?.write("one");
    clients[1]?.write("two");
    expect(["one", "two"]).toContain(await echoed);
    for (const client of clients) client.destroy();
    socket.destroy();
  });

  it("a listen for several connections takes them one per poll, at most that many, and closes after a poll that brings none", async () => {
    /** Connects `count` clients at once, then listens for `most`; what was taken, and how the clients ended. */
    async function listenFor(count: number, most: number) {
      const { handle, port } = bindTcp("127.0.0.1", 0, false);
      const taken: boolean[] = [];
      let closed = 0;
      acceptSome(
        [handle],
        most,
        (client, last) => {
          taken.push(last);
          client.close();
        },
        (error) => {
          throw error;
        },
        () => closed++,
      );
      const clients = Array.from({ length: count }, () =>
        createConnection({ host: "127.0.0.1", port }),
      );
      // The connects go out in the next ticks; the kernel completes them while this thread
      // sleeps before its poll, so that one poll finds them all in the backlog.
      process.nextTick(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100));
      const ends = await Promise.all(
        clients.map(
          (client) =>
            new Promise<string>((resolve) => {
              client.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
              client.on("close", () => resolve("closed"));
            }),
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      // The listener is gone: a later connection is refused.
      const late = await new Promise<string>((resolve) => {
        const client = createConnection({ host: "127.0.0.1", port });
        client.once("connect", () => resolve("connected"));
        client.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
      });
      return { taken, closed, ends, late };
    }
    // The connects land in the backlog before the first poll: it takes 3 of 5, the third the last.
    const some = await listenFor(5, 3);
    expect(some.taken).toEqual([false, false, true]);
    expect(some.closed).toBe(0);
    expect(some.late).toBe("ECONNREFUSED");
    // Fewer than it may take: all of them, none the last, and the close comes after a poll without.
    const all = await listenFor(4, 32);
    expect(all.taken).toEqual([false, false, false, false]);
    expect(all.closed).toBe(1);
    expect(all.ends.every((end) => end === "closed")).toBe(true);
    expect(all.late).toBe("ECONNREFUSED");
  });

  it("child_process's IPC pipe carries our own frames with handles, besides its messages (kChannelHandle, writeUtf8String, onread, pendingHandle)", async () => {
    const child = startChild();
    expect(await nextMessage(child)).toEqual({ ready: true });
    const { handle, port } = bindTcp("127.0.0.1", 0, false);
    const sender = handleSender(child, () => {
      throw new Error("a copy could not be written");
    });
    const received: Record<string, unknown>[] = [];
    const allReceived = new Promise<void>((resolve) => {
      child.on("message", (message: Record<string, unknown>) => {
        received.push(message);
        if (received.length === 4) resolve();
      });
    });
    expect(sender.send("copy", 3, handle)).toBe(true);
    child.send({ between: 1 });
    expect(sender.send("copy", 3, handle)).toBe(true);
    expect(sender.send("copy", 12, handle)).toBe(true);
    await allReceived;
    // Copies in order; child_process's message intact; our frames are never a "message".
    expect(received.filter((message) => "copy" in message)).toEqual([
      { copy: 3 },
      { copy: 3 },
      { copy: 12 },
    ]);
    expect(received.filter((message) => "echo" in message)).toEqual([{ echo: { between: 1 } }]);
    // The copy is a working listener in the child.
    const answer = await new Promise<string>((resolve, reject) => {
      const client = createConnection({ host: "127.0.0.1", port });
      let text = "";
      client.setEncoding("utf8").on("data", (chunk) => {
        text += chunk;
      });
      client.on("end", () => resolve(text));
      client.on("error", reject);
    });
    expect(answer).toBe("copy 3\n");
    handle.close();
  });

  it("a connection's raw handle travels both ways and is read once where it waits (releaseHandle, readOnce)", async () => {
    const child = startChild();
    expect(await nextMessage(child)).toEqual({ ready: true });
    const server = createServer({ pauseOnConnect: true });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const accepted = new Promise<Socket>((resolve) => server.once("connection", resolve));
    const address = server.address() as AddressInfo;
    const client = createConnection({ host: "127.0.0.1", port: address.port });
    let answer = "";
    client.setEncoding("utf8").on("data", (chunk) => {
      answer += chunk;
    });
    const back = new Promise<{ id: number; handle: NativeHandle }>((resolve) =>
      receiveHandles(child, (kind, id, handle) => {
        if (kind === "conn") resolve({ id, handle });
      }),
    );
    // Here, the connection is made, then given away before a byte is read.
    const socket = await accepted;
    const raw = releaseHandle(socket);
    await new Promise<void>((resolve, reject) =>
      handleSender(child, reject).send("conn", 7, raw, (ok) => {
        raw.close();
        if (ok) resolve();
        else reject(new Error("the connection could not be sent"));
      }),
    );
    client.write("one");
    const returned = await back;
    expect(returned.id).toBe(8);
    expect(answer).toBe("child read one\n");
    // Back here: the next bytes are read once from the raw handle, then reading stops.
    const read = new Promise<Buffer | null>((resolve) => readOnce(returned.handle, resolve));
    client.write("two");
    expect((await read)?.toString()).toBe("two");
    const ended = new Promise<Buffer | null>((resolve) => readOnce(returned.handle, resolve));
    client.end();
    expect(await ended).toBe(null);
    returned.handle.close();
    client.destroy();
    server.close();
  });
});
