// The request callback's result: exactly true keeps the worker for more
// connections (Moonbridge's rule). The type asks for a boolean, so a callback
// that forgets `return true` (and costs a fork per connection) fails to
// compile: the @ts-expect-error lines below are checked by the package's
// typecheck, which includes test/. At run time, JavaScript callers that
// return anything else still get a handler that resolves false.

import { afterEach, describe, expect, it } from "vitest";
import { generateHandler, type Request, type RequestCallback } from "../src/index";
import { RawClient } from "./helpers/client";
import { startServer, stopServers } from "./helpers/server";

afterEach(stopServers);

async function answer(request: Request): Promise<void> {
  request.sendStatus(200);
  await request.finish();
}

// What compiles: a boolean, or a promise of one, returned sync or async.
const typed: RequestCallback[] = [
  () => true,
  (request) => request.method === "GET",
  async (request) => {
    await answer(request);
    return true;
  },
  async () => {
    throw new Error("a callback that only throws is fine too");
  },
];

// What does not: the callback that forgets its result, and other results.
const untyped: RequestCallback[] = [
  // @ts-expect-error a callback without `return true` would cost a fork per connection
  async (request) => {
    await answer(request);
  },
  // @ts-expect-error the same, synchronous
  (request) => {
    request.sendStatus(200);
  },
  // @ts-expect-error a string is not a boolean (only exactly true keeps the worker)
  async () => "yes",
  // @ts-expect-error neither is a number
  () => 1,
];

describe("the callback's result", () => {
  it("is typed: boolean or Promise<boolean> (checked by the typecheck)", () => {
    expect(typed.every((callback) => typeof generateHandler(callback) === "function")).toBe(true);
    expect(untyped).toHaveLength(4);
  });

  const results: Array<{ what: string; result: unknown; survives: boolean }> = [
    { what: "true", result: true, survives: true },
    { what: "false", result: false, survives: false },
    { what: "nothing (a forgotten return)", result: undefined, survives: false },
    { what: 'a truthy non-boolean ("yes")', result: "yes", survives: false },
    { what: "1", result: 1, survives: false },
  ];
  for (const { what, result, survives } of results) {
    it(`${what} from untyped code: the handler resolves ${survives}`, async () => {
      const server = await startServer((async (request: Request) => {
        await answer(request);
        return result;
      }) as unknown as RequestCallback);
      const client = await RawClient.open(server.port);
      await client.send("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
      expect((await client.response()).status).toBe(200);
      expect(await server.handled(1)).toEqual([survives]);
    });
  }
});
