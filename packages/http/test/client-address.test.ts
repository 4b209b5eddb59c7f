// request.clientAddress and request.secure behind proxies (trustProxy,
// proxyHeaders): a proxy's forwarding headers count only when the peer is
// one that trustProxy names, and then only up to the first hop that is not.

import { afterEach, describe, expect, it } from "vitest";
import { HttpError } from "../src/index";
import { clientView, forwardedHops } from "../src/internal/client-address";
import { TrustedProxies } from "../src/internal/trusted-proxies";
import { resolveOptions } from "../src/options";
import { exchange } from "./helpers/client";
import { startServer, stopServers } from "./helpers/server";

afterEach(stopServers);

/** clientView with the headers of `given` (lower-case names). */
function view(
  peer: string | undefined,
  trust: string[] | undefined,
  given: Record<string, string>,
  headers: "x-forwarded" | "forwarded" = "x-forwarded",
) {
  const trusted = trust === undefined ? undefined : new TrustedProxies(trust);
  return clientView(peer, trusted, headers, (name) => given[name] ?? "");
}

describe("trusted proxies", () => {
  it("match addresses, CIDR ranges (IPv4 and IPv6) and the named ranges; IPv4-mapped as IPv4", () => {
    const trusted = new TrustedProxies(["192.0.2.7", "10.0.0.0/8", "2001:db8::/32", "loopback"]);
    expect(trusted.trusts("192.0.2.7")).toBe(true);
    expect(trusted.trusts("192.0.2.8")).toBe(false);
    expect(trusted.trusts("10.200.3.4")).toBe(true);
    expect(trusted.trusts("11.0.0.1")).toBe(false);
    expect(trusted.trusts("2001:db8:1::5")).toBe(true);
    expect(trusted.trusts("2001:db9::5")).toBe(false);
    expect(trusted.trusts("127.0.0.1")).toBe(true);
    expect(trusted.trusts("::1")).toBe(true);
    expect(trusted.trusts("::ffff:10.1.2.3")).toBe(true);
    expect(trusted.trusts("[2001:db8::1]:443")).toBe(true);
    expect(trusted.trusts("unknown")).toBe(false);
    expect(trusted.trusts("")).toBe(false);
    expect(new TrustedProxies(["private"]).trusts("172.31.0.1")).toBe(true);
    expect(new TrustedProxies(["private"]).trusts("172.32.0.1")).toBe(false);
    expect(new TrustedProxies(["linklocal"]).trusts("fe80::1%eth0")).toBe(true);
  });

  it("refuse what is neither an address, a range nor a name", () => {
    for (const entry of ["10.0.0.0/33", "::/129", "10.0.0.0/x", "proxy.example", "everything"])
      expect(() => new TrustedProxies([entry])).toThrow(/is not an IP address, a CIDR range/);
  });
});

describe("the client behind proxies", () => {
  it("is the peer when it is not a trusted proxy, whatever the headers say", () => {
    const spoof = { "x-forwarded-for": "203.0.113.9", "x-forwarded-proto": "https" };
    expect(view("198.51.100.4", undefined, spoof)).toEqual({
      address: "198.51.100.4",
      secure: false,
    });
    expect(view("198.51.100.4", ["10.0.0.0/8"], spoof)).toEqual({
      address: "198.51.100.4",
      secure: false,
    });
    expect(view("::ffff:198.51.100.4", undefined, {})).toEqual({
      address: "198.51.100.4",
      secure: false,
    });
    expect(view(undefined, ["loopback"], spoof)).toEqual({ address: undefined, secure: false });
  });

  it("is the rightmost untrusted hop of X-Forwarded-For behind trusted ones; a client's own entries do not count", () => {
    // A client sent its own X-Forwarded-For; the edge proxy appended the client's real address.
    const headers = { "x-forwarded-for": "1.2.3.4, 203.0.113.9, 10.0.0.2" };
    expect(view("10.0.0.1", ["10.0.0.0/8"], headers).address).toBe("203.0.113.9");
    // Every hop trusted: the leftmost is the client.
    expect(view("10.0.0.1", ["10.0.0.0/8"], { "x-forwarded-for": "10.0.0.9" }).address).toBe(
      "10.0.0.9",
    );
    // A trusted peer that says nothing: it is the client.
    expect(view("10.0.0.1", ["10.0.0.0/8"], {}).address).toBe("10.0.0.1");
    // Behind a Unix socket, when "unix" is trusted.
    expect(view(undefined, ["unix"], { "x-forwarded-for": "203.0.113.9" }).address).toBe(
      "203.0.113.9",
    );
  });

  it("is secure as X-Forwarded-Proto says of its hop: lined up with X-Forwarded-For, or the nearest proxy's value", () => {
    const trust = ["10.0.0.0/8"];
    // Appended hop by hop: the client's hop came in over http, whatever the client wrote before it.
    expect(
      view("10.0.0.1", trust, {
        "x-forwarded-for": "1.2.3.4, 203.0.113.9",
        "x-forwarded-proto": "https, http",
      }).secure,
    ).toBe(false);
    expect(
      view("10.0.0.1", trust, {
        "x-forwarded-for": "203.0.113.9, 10.0.0.2",
        "x-forwarded-proto": "https, http",
      }).secure,
    ).toBe(true);
    // Set by the nearest proxy alone (nginx's $scheme).
    expect(
      view("10.0.0.1", trust, {
        "x-forwarded-for": "203.0.113.9, 10.0.0.2",
        "x-forwarded-proto": "HTTPS",
      }).secure,
    ).toBe(true);
  });

  it("reads RFC 7239's Forwarded instead when told to, and only then", () => {
    const headers = {
      forwarded:
        'for=1.2.3.4;proto=https, for="[2001:db8:cafe::17]:4711";proto=https;by=_edge, for=10.0.0.2;proto=http',
      "x-forwarded-for": "198.51.100.1",
    };
    expect(view("10.0.0.1", ["10.0.0.0/8"], headers, "forwarded")).toEqual({
      address: "2001:db8:cafe::17",
      secure: true,
    });
    expect(view("10.0.0.1", ["10.0.0.0/8"], headers).address).toBe("198.51.100.1");
    expect(forwardedHops('for=unknown, proto=https;by="a;b,c"')).toEqual([
      { address: "unknown", proto: undefined },
      { address: "unknown", proto: "https" },
    ]);
    expect(view("10.0.0.1", ["10.0.0.0/8"], { forwarded: "for=_hidden" }, "forwarded")).toEqual({
      address: "_hidden",
      secure: false,
    });
  });
});

describe("trustProxy and proxyHeaders, as options", () => {
  it("are checked when the handler is made", () => {
    expect(() => resolveOptions({ trustProxy: "10.0.0.0/40" })).toThrow(HttpError);
    expect(() => resolveOptions({ trustProxy: "10.0.0.0/40" })).toThrow(
      /trustProxy: "10.0.0.0\/40" is not an IP address/,
    );
    expect(() => resolveOptions({ trustProxy: [1] as unknown as string[] })).toThrow(
      /trustProxy must be a string or a list of strings/,
    );
    expect(() => resolveOptions({ proxyHeaders: "x-real-ip" as "forwarded" })).toThrow(
      /proxyHeaders must be "x-forwarded" or "forwarded"/,
    );
    expect(resolveOptions({}).trustProxy).toBeUndefined();
    expect(resolveOptions({ trustProxy: [] }).trustProxy).toBeUndefined();
    expect(resolveOptions({}).proxyHeaders).toBe("x-forwarded");
  });

  it("give the request its client's address over a real connection", async () => {
    const answer = (request: import("../src/index").Request) => {
      request.sendStatus(200);
      request.sendHeader("Content-Type", "text/plain");
      request.sendData(`${request.clientAddress} ${request.secure}\n`);
      return true;
    };
    const request =
      "GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\nConnection: close\r\n\r\n";
    const trusting = await startServer(answer, { trustProxy: "loopback" });
    expect((await exchange(trusting.port, request)).body.toString()).toBe("203.0.113.9 true\n");
    const plain = await startServer(answer);
    expect((await exchange(plain.port, request)).body.toString()).toBe("127.0.0.1 false\n");
  });
});
