// A socket's turn (the TurnKeeper a pool's worker gives it): yieldTurn()
// tells the keeper whether the connection waits idle, and a connection the
// keeper says another process holds a copy of is closed with a FIN of its
// own (closing one copy sends none: the client would wait for the end).

import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { MoonSocket, type TurnKeeper } from "../src/index";
import { cleanup, collect, pair, takeHandle } from "./helpers/connect";

afterEach(cleanup);

/** A keeper that records what the socket tells it, and says whether the connection is copied. */
function keeper(copied: boolean): TurnKeeper & { given: boolean[] } {
  let holder: object | undefined;
  const given: boolean[] = [];
  return {
    given,
    take(h) {
      if (holder !== undefined && holder !== h) return false;
      holder = h;
      return true;
    },
    wait: async (h) => {
      holder = h;
    },
    give(h, idle) {
      if (holder === h) holder = undefined;
      given.push(idle === true);
    },
    copied: () => copied,
  };
}

describe("yieldTurn()", () => {
  it("tells the keeper whether the connection waits idle", async () => {
    const { raw } = await pair("tcp");
    const turns = keeper(false);
    const moon = MoonSocket.fromHandle(takeHandle(raw), { turns });
    expect(moon.takeTurn()).toBe(true);
    moon.yieldTurn();
    expect(moon.takeTurn()).toBe(true);
    moon.yieldTurn({ idle: true });
    expect(turns.given).toEqual([false, true]);
    await moon.close();
  });
});

describe("a connection another process holds a copy of", () => {
  it("is closed with its FIN: the client reads to the end", async () => {
    const { raw, client } = await pair("tcp");
    const holder = fork(fileURLToPath(new URL("./fixtures/copy-holder.cjs", import.meta.url)));
    try {
      const held = new Promise((resolve) => holder.once("message", resolve));
      holder.send("hold", raw, { keepOpen: true });
      expect(await held).toBe("held");
      const moon = MoonSocket.fromHandle(takeHandle(raw), { turns: keeper(true) });
      const received = collect(client);
      await moon.write("bye\n").flush();
      await moon.close();
      const { data, error } = await received;
      expect(error).toBeUndefined();
      expect(data.toString()).toBe("bye\n");
    } finally {
      holder.disconnect();
    }
  });
});
