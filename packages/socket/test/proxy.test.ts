// MoonSocket.readProxyHeader over real connections: the header is read
// byte-exact (the client's data after it intact, however it is split), the
// socket's addresses become the header's, a connection that is not a
// proxy's fails with PROXY_HEADER_INVALID at once, and what the header said
// goes with a parked connection to the socket that resumes it.

import { createConnection, createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  MoonSocket,
  MoonSocketError,
  type MoonSocketOptions,
  type ParkedSocket,
  type ParkingLot,
} from "../src/index";

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** A server whose one connection goes to `handle`; the client sends `pieces`, 20 ms apart, then ends. */
async function withConnection<T>(
  pieces: Array<string | Buffer>,
  handle: (socket: MoonSocket) => Promise<T>,
  options: MoonSocketOptions = {},
): Promise<T> {
  let client: Socket | undefined;
  const result = new Promise<T>((resolve, reject) => {
    const server = createServer({ allowHalfOpen: true }, (conn) => {
      handle(new MoonSocket(conn, options)).then(resolve, reject);
    });
    servers.push(server);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      client = createConnection({ host: "127.0.0.1", port }, async () => {
        for (const piece of pieces) {
          client?.write(piece);
          await new Promise((r) => setTimeout(r, 20));
        }
        client?.end();
      });
      client.on("error", () => {});
    });
  });
  try {
    return await result;
  } finally {
    client?.destroy();
  }
}

const V1 = "PROXY TCP6 2001:DB8::7 2001:db8::1 51234 443\r\n";

describe("readProxyHeader", () => {
  it("reads a v1 header split anywhere, leaves the data after it, and gives its addresses", async () => {
    const text = `${V1}hello\n`;
    for (const at of [1, 6, 20, V1.length - 1, V1.length]) {
      const seen = await withConnection([text.slice(0, at), text.slice(at)], async (socket) => {
        const header = await socket.readProxyHeader();
        return {
          header,
          line: await socket.read(),
          remote: [socket.remoteAddress, socket.remoteTcpPort],
          local: [socket.localAddress, socket.localTcpPort],
          remoteIp6: socket.remoteIp6?.toString("hex"),
          proxyHeader: socket.proxyHeader,
        };
      });
      expect(seen.line).toBe("hello");
      expect(seen.remote).toEqual(["2001:db8::7", 51234]);
      expect(seen.local).toEqual(["2001:db8::1", 443]);
      expect(seen.remoteIp6).toBe("20010db8000000000000000000000007");
      expect(seen.proxyHeader).toEqual(seen.header);
    }
  });

  it("rejects a client that is no proxy at its first bytes, and one that ends inside the header", async () => {
    for (const pieces of [["GET / HTTP/1.1\r\n"], ["PROXY TCP4 1.2.3.4"], []]) {
      const error = await withConnection(pieces, (socket) =>
        socket.readProxyHeader().then(
          () => undefined,
          (e: unknown) => e,
        ),
      );
      expect(error).toBeInstanceOf(MoonSocketError);
      expect((error as MoonSocketError).code).toBe("PROXY_HEADER_INVALID");
    }
  });

  it("gives what the header said to the parking lot, and a socket made with it has its addresses", async () => {
    let parked: ParkedSocket | undefined;
    const lot: ParkingLot = {
      open: true,
      wanted: false,
      leaving: false,
      onWanted: () => () => {},
      take: (connection) => {
        parked = connection;
      },
    };
    await withConnection(
      [V1],
      async (socket) => {
        await socket.readProxyHeader();
        await socket.park();
      },
      { parking: lot },
    );
    expect(parked?.proxyHeader?.addresses?.remote).toEqual({ address: "2001:db8::7", port: 51234 });
    parked?.socket?.destroy();
    const resumed = new MoonSocket(null, { proxyHeader: parked?.proxyHeader });
    expect(resumed.remoteAddress).toBe("2001:db8::7");
    expect(resumed.localTcpPort).toBe(443);
  });
});
