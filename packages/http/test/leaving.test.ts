// A worker that is leaving (retired, reloaded, or the server stops) closes
// each connection after the response it is giving: from the moment its
// parking lot says `leaving`, every response the module starts says
// `Connection: close`, so a keep-alive client does not send its next request
// into a connection that is about to close. The lot here is a stand-in for
// the supervisor's: it only answers `leaving` (and takes no connections).

import type { ParkingLot } from "@moonbridge/socket";
import { afterEach, describe, expect, it } from "vitest";
import type { Request } from "../src/index";
import { RawClient } from "./helpers/client";
import { startServer, stopServers } from "./helpers/server";

interface FakeLot extends ParkingLot {
  leaving: boolean;
  wanted: boolean;
}

afterEach(stopServers);

/** A server whose connections share `lot`; the callback may flip it (path "flip") before answering. */
function startLeavingServer(lot: FakeLot) {
  const callback = async (request: Request): Promise<boolean> => {
    if (request.path === "flip") lot.leaving = true;
    request.sendStatus(200);
    request.sendData(request.path ?? "");
    await request.finish();
    return true;
  };
  return startServer(callback, { parkAfter: 60 }, { parking: lot });
}

function fakeLot(leaving: boolean): FakeLot {
  return {
    open: false, // a lot that takes nothing: the connection could only be closed when idle
    wanted: leaving,
    leaving,
    onWanted: () => () => {},
    take() {
      throw new Error("this lot takes no connections");
    },
  };
}

const cases: Array<{
  what: string;
  leaving: boolean;
  request: string;
  /** The Connection header of each response, in order. */
  expected: Array<string[] | undefined>;
}> = [
  {
    what: "a keep-alive request to a worker that is leaving",
    leaving: true,
    request: "GET /a HTTP/1.1\r\nHost: a\r\n\r\n",
    expected: [["close"]],
  },
  {
    what: "an HTTP/1.0 request that asks for keep-alive",
    leaving: true,
    request: "GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    expected: [["close"]],
  },
  {
    what: "a worker that starts leaving during the second request (pipelined: the third is not served)",
    leaving: false,
    request:
      "GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /flip HTTP/1.1\r\nHost: a\r\n\r\nGET /never HTTP/1.1\r\nHost: a\r\n\r\n",
    expected: [undefined, ["close"]],
  },
];

describe("a leaving worker", () => {
  for (const { what, leaving, request, expected } of cases) {
    it(`says Connection: close and closes after the response: ${what}`, async () => {
      const lot = fakeLot(leaving);
      const server = await startLeavingServer(lot);
      const client = await RawClient.open(server.port);
      await client.send(request);
      const connection: Array<string[] | undefined> = [];
      for (let i = 0; i < expected.length; i++) {
        connection.push((await client.response()).headers.connection);
      }
      expect(connection).toEqual(expected);
      // Nothing after the last response, and the server ends the connection by itself.
      expect(await client.closed()).toEqual({ how: "end", rest: "" });
      expect(await server.handled(1)).toEqual([true]);
    });
  }

  it("keeps the connection open while the lot does not say leaving", async () => {
    const server = await startLeavingServer(fakeLot(false));
    const client = await RawClient.open(server.port);
    await client.send("GET /a HTTP/1.1\r\nHost: a\r\n\r\n");
    expect((await client.response()).headers.connection).toBeUndefined();
    await client.send("GET /b HTTP/1.1\r\nHost: a\r\n\r\n");
    expect((await client.response()).body.toString()).toBe("b");
    expect(client.ended).toBe(false);
    client.close();
  });
});
