// A promise the request callback leaves rejected and unhandled (a
// Promise.reject not awaited, an async function called without await that
// throws) is the callback's error: the client gets 500 (or the connection
// ends, once the response went out), and the handler rejects with the error,
// so the worker exits as for a thrown error, instead of dying mid-request
// with an empty reply. What happens outside any request (Node's own way),
// also to a rejection reported after its callback's request ended, is tested
// in a child process, in dual.test.ts.

import { afterEach, describe, expect, it } from "vitest";
import type { HttpError, Request } from "../src/index";
import { RawClient } from "./helpers/client";
import { startServer, stopServers, type TestServer } from "./helpers/server";

afterEach(stopServers);

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Leaves a promise rejected with `error`, unhandled, the way each case says. */
const ways: Array<{ what: string; leave: (error: Error) => void }> = [
  {
    what: "Promise.reject() not awaited",
    leave: (error) => {
      Promise.reject(error);
    },
  },
  {
    what: "an async function that throws at once, called without await",
    leave: (error) => {
      const save = async () => {
        throw error;
      };
      save();
    },
  },
  {
    what: "an async function that throws after an await, called without await",
    leave: (error) => {
      const save = async () => {
        await nextTurn();
        throw error;
      };
      save();
    },
  },
];

describe("an unhandled rejection in a request callback", () => {
  for (const { what, leave } of ways) {
    it(`${what}: 500, the connection closes, the handler rejects with it`, async () => {
      let server: TestServer | undefined;
      const late: string[] = [];
      server = await startServer(async (request: Request) => {
        leave(new Error(what));
        // The callback goes on waiting; its connection is answered meanwhile.
        await (server as TestServer).handled(1);
        try {
          request.sendStatus(200); // too late: the request failed
        } catch (error) {
          late.push((error as HttpError).code);
        }
        return true;
      });
      const client = await RawClient.open(server.port);
      await client.send("GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /never HTTP/1.1\r\nHost: a\r\n\r\n");
      const response = await client.response();
      expect(response.status).toBe(500);
      expect(response.headers.connection).toEqual(["close"]);
      expect(await client.closed()).toEqual({ how: "end", rest: "" });
      const [result] = await server.handled(1);
      expect(result).toBeInstanceOf(Error);
      expect((result as Error).message).toBe(what);
      await nextTurn();
      expect(late).toEqual(["REQUEST_FAULTY"]);
    });
  }

  it("fails only the connections running a callback, not the idle ones", async () => {
    const server = await startServer(async (request) => {
      if (request.path === "fail") {
        Promise.reject(new Error("fail"));
        await nextTurn();
      }
      request.sendStatus(200);
      request.sendData(request.path ?? "");
      await request.finish();
      return true;
    });
    const idle = await RawClient.open(server.port);
    await idle.send("GET /idle HTTP/1.1\r\nHost: a\r\n\r\n");
    expect((await idle.response()).body.toString()).toBe("idle");
    const failing = await RawClient.open(server.port);
    await failing.send("GET /fail HTTP/1.1\r\nHost: a\r\n\r\n");
    expect((await failing.response()).status).toBe(500);
    expect(((await server.handled(1))[0] as Error).message).toBe("fail");
    // The idle keep-alive connection was not running a callback: it serves on.
    await idle.send("GET /again HTTP/1.1\r\nHost: a\r\n\r\n");
    expect((await idle.response()).body.toString()).toBe("again");
    idle.close();
  });
});
