// Parking through a real supervisor: a handler parks its connection
// (socket.park), the supervisor holds it without a worker, and the peer's
// next bytes bring it back to a worker, with nothing lost or reordered
// whether they arrive before, during or after the hand-over.

import { createConnection, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type App, startApp, stopAll } from "./helpers/run-app";

afterEach(stopAll);

/** One client connection that sends lines and reads the answers one line at a time. */
interface Conversation {
  socket: Socket;
  send(text: string): void;
  line(): Promise<string>;
  /** Resolves when the server has closed the connection. */
  closed: Promise<void>;
}

function converse(app: App): Promise<Conversation> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: "127.0.0.1", port: app.port });
    let buffered = "";
    const waiting: Array<(line: string) => void> = [];
    const deliver = () => {
      for (;;) {
        const at = buffered.indexOf("\n");
        if (at === -1 || waiting.length === 0) return;
        const line = buffered.slice(0, at);
        buffered = buffered.slice(at + 1);
        waiting.shift()?.(line);
      }
    };
    socket.setEncoding("utf8").on("data", (chunk: string) => {
      buffered += chunk;
      deliver();
    });
    const closed = new Promise<void>((done) => socket.once("close", () => done()));
    socket.once("error", reject);
    socket.once("connect", () =>
      resolve({
        socket,
        send: (text) => socket.write(text),
        line: () =>
          new Promise<string>((take, fail) => {
            waiting.push(take);
            deliver();
            const timer = setTimeout(() => fail(new Error("no answer within 10 s")), 10_000);
            timer.unref();
          }),
        closed,
      }),
    );
  });
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const small = { options: { minFork: 2, maxFork: 2, preFork: 1 } };

describe("a parked connection", () => {
  it("is held by the supervisor, without a worker, and its next bytes bring it back, marked resumed", async () => {
    const app = await startApp(small);
    const client = await converse(app);
    client.send("PARK\n");
    const parkedBy = Number(await client.line());
    // The parked connection and the worker's "idle" travel separately: wait for both.
    await until("the connection to be parked and its worker idle", async () => {
      const stats = await app.stats();
      return stats.parked === 1 && stats.busy === 0; // no worker holds it
    });
    expect((await app.stats()).parks).toBe(1);
    client.send("RESUMED\n");
    const [resumed, pid] = (await client.line()).split(" ");
    expect(resumed).toBe("true");
    expect(Number(pid)).toBeGreaterThan(0);
    await client.closed; // the handler returned: the connection ends as any does
    const after = await app.stats();
    expect(after).toMatchObject({ parked: 0, parks: 1, resumes: 1, parkedMax: 1 });
    expect(parkedBy).toBeGreaterThan(0);
  });

  it("comes back with the note it was parked with", async () => {
    const app = await startApp(small);
    const client = await converse(app);
    client.send("PARKNOTE\n");
    const pid = await client.line();
    await until("it to be parked", async () => (await app.stats()).parked === 1);
    client.send("NOTE\n");
    expect(await client.line()).toBe(`parked by ${pid}`);
    await app.stop();
  });

  it("parked with resumeOnTimeout, it comes back to a worker when its timeout runs out, not closed", async () => {
    const app = await startApp(small);
    const client = await converse(app);
    client.send("PARKWAKE 0.3\n");
    expect(Number(await client.line())).toBeGreaterThan(0);
    expect((await client.line()).split(" ").slice(0, 2)).toEqual(["woke", "true"]);
    expect(await app.stats()).toMatchObject({ parks: 1, resumes: 1, parked: 0 });
    await app.stop();
  });

  it("bytes that came before the park (unread) bring it back at once", async () => {
    const app = await startApp(small);
    const client = await converse(app);
    client.send("PARK\nRESUMED\n");
    await client.line();
    expect((await client.line()).split(" ")[0]).toBe("true");
    expect(await app.stats()).toMatchObject({ parks: 1, resumes: 1, parked: 0 });
  });

  it("bytes that come while it is handed over wait in the kernel and come with it", async () => {
    const app = await startApp(small);
    const client = await converse(app);
    client.send("PARKBLOCK 300\n");
    await client.line();
    // The worker's event loop is blocked: these bytes reach the kernel, not the worker.
    client.send("RESUMED\n");
    expect((await client.line()).split(" ")[0]).toBe("true");
  });

  it("a command split across the hand-back to a worker: the rest waits in the kernel for the worker", async () => {
    const app = await startApp(small);
    const client = await converse(app);
    client.send("PARK\n");
    await client.line();
    await until("the connection to be parked", async () => (await app.stats()).parked === 1);
    client.send("RESU"); // the supervisor reads this much, and hands the connection on
    await new Promise((resolve) => setTimeout(resolve, 50));
    client.send("MED\n");
    expect((await client.line()).split(" ")[0]).toBe("true");
  });

  it("pipelined commands straddling several parks are answered in order", async () => {
    const app = await startApp(small);
    const client = await converse(app);
    client.send("PARK\nPARK\nPARK\nRESUMED\n");
    for (let i = 0; i < 3; i++) expect(Number(await client.line())).toBeGreaterThan(0);
    expect((await client.line()).split(" ")[0]).toBe("true");
    expect(await app.stats()).toMatchObject({ parks: 3, resumes: 3, parked: 0 });
  });

  it("a client that closes while parked is forgotten; one that stays silent is closed after the timeout", async () => {
    const app = await startApp(small);
    const leaving = await converse(app);
    leaving.send("PARK\n");
    await leaving.line();
    const silent = await converse(app);
    silent.send("PARK 0.5\n");
    await silent.line();
    await until("both to be parked", async () => (await app.stats()).parked === 2);
    leaving.socket.end();
    await until("the closed one to go", async () => (await app.stats()).parked === 1);
    await silent.closed; // the supervisor closed it after 0.5 s
    expect(await app.stats()).toMatchObject({ parked: 0, resumes: 0, parkedMax: 2 });
  });

  it("outlives the worker that parked it", async () => {
    const app = await startApp(small);
    const client = await converse(app);
    client.send("PARK\n");
    const parkedBy = Number(await client.line());
    await until("the connection to be parked", async () => (await app.stats()).parked === 1);
    process.kill(parkedBy, "SIGKILL");
    await until(
      "the worker to be replaced",
      async () => ((await app.stats()).exits.killed ?? 0) === 1,
    );
    client.send("RESUMED\n");
    const [resumed, pid] = (await client.line()).split(" ");
    expect(resumed).toBe("true");
    expect(Number(pid)).not.toBe(parkedBy);
  });

  it("many parked connections wait for few workers and each is served when it speaks", async () => {
    const app = await startApp({ options: { minFork: 1, maxFork: 1, preFork: 0 } });
    const clients: Conversation[] = [];
    for (let i = 0; i < 20; i++) {
      const client = await converse(app);
      client.send("PARK\n");
      await client.line(); // one worker serves them all, one after another
      clients.push(client);
    }
    await until("all to be parked", async () => (await app.stats()).parked === 20);
    for (const client of clients) client.send("RESUMED\n");
    const answers = await Promise.all(clients.map((client) => client.line()));
    expect(answers.every((answer) => answer.startsWith("true "))).toBe(true);
    expect(await app.stats()).toMatchObject({ parked: 0, parks: 20, resumes: 20, workers: 1 });
  });

  it("is closed when the pool stops, and the supervisor still exits 0", async () => {
    const app = await startApp(small);
    const client = await converse(app);
    client.send("PARK\n");
    await client.line();
    await until("the connection to be parked", async () => (await app.stats()).parked === 1);
    expect(await app.stop("SIGTERM")).toBe(0);
    await client.closed;
  });
});

describe("maxParked", () => {
  it("0 turns parking off: park() throws PARK_UNAVAILABLE in the handler", async () => {
    const app = await startApp({ options: { ...small.options, maxParked: 0 } });
    const client = await converse(app);
    client.send("PARK\n");
    await client.line();
    expect(await client.line()).toBe("PARK_UNAVAILABLE");
    await client.closed;
    expect(await app.stats()).toMatchObject({ parks: 0, parked: 0 });
  });

  it("a full lot takes no more: the next park() is refused", async () => {
    const app = await startApp({ options: { ...small.options, maxParked: 1 } });
    const first = await converse(app);
    first.send("PARK\n");
    await first.line();
    await until("the first to be parked", async () => (await app.stats()).parked === 1);
    const second = await converse(app);
    second.send("PARK\n");
    await second.line();
    expect(await second.line()).toBe("PARK_UNAVAILABLE");
    first.send("RESUMED\n");
    expect((await first.line()).split(" ")[0]).toBe("true");
  });
});
