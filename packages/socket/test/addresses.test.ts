// Addresses as raw bytes, as Moonbridge gives them (and the connection's
// descriptor): checked on a real 127.0.0.1 connection, and for IPv6 and
// IPv4-mapped text forms directly.

import { writeSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { Endpoint } from "../src/internal/addresses";
import { cleanup, connect } from "./helpers/connect";

afterEach(cleanup);

describe.each([
  ["tcp", "unix"],
  ["tcp, bare handle", "unix, bare handle"],
] as const)("addresses of a connection (%s)", (tcp, unix) => {
  it("a TCP connection over IPv4 has 4-byte addresses, ports, and text forms", async () => {
    const { moon, client } = await connect(tcp);
    expect([...(moon.localIp4 as Buffer)]).toEqual([127, 0, 0, 1]);
    expect([...(moon.remoteIp4 as Buffer)]).toEqual([127, 0, 0, 1]);
    expect(moon.localIp6).toBeUndefined();
    expect(moon.remoteIp6).toBeUndefined();
    expect(moon.localTcpPort).toBe(client.remotePort);
    expect(moon.remoteTcpPort).toBe(client.localPort);
    expect(moon.localAddress).toBe("127.0.0.1");
    expect(moon.remoteAddress).toBe("127.0.0.1");
  });

  it("addresses read while the socket was open stay readable after it is closed", async () => {
    const { moon, client } = await connect(tcp);
    expect(moon.remoteTcpPort).toBe(client.localPort);
    moon.cancel();
    expect(moon.remoteTcpPort).toBe(client.localPort);
    expect([...(moon.remoteIp4 as Buffer)]).toEqual([127, 0, 0, 1]);
  });

  it("the bytes handed out are copies: changing them changes nothing", async () => {
    const { moon } = await connect(tcp);
    (moon.localIp4 as Buffer)[0] = 1;
    expect([...(moon.localIp4 as Buffer)]).toEqual([127, 0, 0, 1]);
  });

  it.each([tcp, unix])(
    "fd is the connection's descriptor (%s): what is written there reaches the client; -1 once closed",
    async (kind) => {
      const { moon, client } = await connect(kind);
      const received = new Promise<string>((resolve) =>
        client.once("data", (chunk) => resolve(chunk.toString())),
      );
      expect(moon.fd).toBeGreaterThan(2);
      writeSync(moon.fd, "written to the descriptor");
      expect(await received).toBe("written to the descriptor");
      moon.cancel();
      expect(moon.fd).toBe(-1);
    },
  );

  it("a Unix socket has no IP addresses or ports", async () => {
    const { moon } = await connect(unix);
    expect(moon.localIp4).toBeUndefined();
    expect(moon.remoteIp6).toBeUndefined();
    expect(moon.localTcpPort).toBeUndefined();
    expect(moon.remoteAddress).toBeUndefined();
  });
});

describe("raw forms of address text", () => {
  const hex = (buffer: Buffer | undefined) => buffer?.toString("hex");
  const cases = [
    { what: "IPv4", text: "192.168.0.254", ip4: "c0a800fe", ip6: undefined },
    { what: "IPv6 loopback", text: "::1", ip4: undefined, ip6: "00000000000000000000000000000001" },
    {
      what: "IPv6 in full",
      text: "2001:db8:0:0:1:0:0:1",
      ip4: undefined,
      ip6: "20010db8000000000001000000000001",
    },
    {
      what: "IPv6 with a gap in the middle",
      text: "2001:db8::8:800:200c:417a",
      ip4: undefined,
      ip6: "20010db80000000000080800200c417a",
    },
    {
      what: "IPv6 with a trailing gap",
      text: "fe80::",
      ip4: undefined,
      ip6: "fe800000000000000000000000000000",
    },
    { what: "IPv6 all zero", text: "::", ip4: undefined, ip6: "00000000000000000000000000000000" },
    {
      what: "IPv6 with a zone",
      text: "fe80::1%eth0",
      ip4: undefined,
      ip6: "fe800000000000000000000000000001",
    },
    {
      what: "IPv4-mapped IPv6 has both forms",
      text: "::ffff:127.0.0.1",
      ip4: "7f000001",
      ip6: "00000000000000000000ffff7f000001",
    },
    {
      what: "IPv4-mapped IPv6 in hex",
      text: "::ffff:7f00:1",
      ip4: "7f000001",
      ip6: "00000000000000000000ffff7f000001",
    },
    {
      what: "IPv4-compatible (not mapped) has only IPv6",
      text: "::127.0.0.1",
      ip4: undefined,
      ip6: "0000000000000000000000007f000001",
    },
    { what: "not an address", text: "/tmp/x.sock", ip4: undefined, ip6: undefined },
  ];
  it.each(cases)("$what", ({ text, ip4, ip6 }) => {
    const endpoint = new Endpoint(text, 80);
    expect(hex(endpoint.ip4())).toBe(ip4);
    expect(hex(endpoint.ip6())).toBe(ip6);
  });
});
