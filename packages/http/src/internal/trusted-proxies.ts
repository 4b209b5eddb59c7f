// The proxies generateHandler's `trustProxy` names: addresses, CIDR ranges
// and a few named ranges, checked once, then asked per peer address. Only a
// trusted peer's forwarding headers are believed (client-address.ts).

import { BlockList, isIP } from "node:net";

type Family = "ipv4" | "ipv6";

/** The named ranges, as proxy-addr (Express) names them, and "unix". */
const NAMED: Record<string, ReadonlyArray<readonly [string, number, Family]>> = {
  loopback: [
    ["127.0.0.0", 8, "ipv4"],
    ["::1", 128, "ipv6"],
  ],
  private: [
    ["10.0.0.0", 8, "ipv4"],
    ["172.16.0.0", 12, "ipv4"],
    ["192.168.0.0", 16, "ipv4"],
    ["fc00::", 7, "ipv6"],
  ],
  linklocal: [
    ["169.254.0.0", 16, "ipv4"],
    ["fe80::", 10, "ipv6"],
  ],
};

/**
 * An address as compared: without the brackets and port a header may give
 * it ("[::1]:80", "192.0.2.1:80") or an IPv6 zone ("fe80::1%eth0"), and an
 * IPv4-mapped IPv6 address as its IPv4 one. Anything that is no address
 * comes back as it was given (trimmed).
 */
export function plainAddress(text: string): string {
  let address = text.trim();
  if (address.startsWith("[")) {
    const end = address.indexOf("]");
    if (end > 0) address = address.slice(1, end);
  } else if (address.indexOf(":") === address.lastIndexOf(":") && address.includes(".")) {
    // IPv4 with a port: one colon, and dots.
    const colon = address.indexOf(":");
    if (colon > 0) address = address.slice(0, colon);
  }
  const zone = address.indexOf("%");
  if (zone > 0 && isIP(address.slice(0, zone)) === 6) address = address.slice(0, zone);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped !== null && isIP(mapped[1] as string) === 4) return mapped[1] as string;
  return address;
}

export class TrustedProxies {
  readonly #list = new BlockList();
  /** A peer without an address (a Unix socket) is trusted: "unix" was named. */
  readonly unix: boolean;

  /** Throws an Error whose message names the entry that is not an address, a range or a name. */
  constructor(entries: readonly string[]) {
    let unix = false;
    for (const entry of entries) {
      if (entry === "unix") {
        unix = true;
        continue;
      }
      const named = NAMED[entry];
      if (named !== undefined) {
        for (const [network, prefix, family] of named)
          this.#list.addSubnet(network, prefix, family);
        continue;
      }
      const slash = entry.indexOf("/");
      const address = plainAddress(slash === -1 ? entry : entry.slice(0, slash));
      const version = isIP(address);
      const bits = version === 4 ? 32 : 128;
      const prefix = slash === -1 ? bits : Number(entry.slice(slash + 1));
      if (version === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > bits) {
        throw new Error(
          `${JSON.stringify(entry)} is not an IP address, a CIDR range, "loopback", "private", "linklocal" or "unix"`,
        );
      }
      this.#list.addSubnet(address, prefix, version === 4 ? "ipv4" : "ipv6");
    }
    this.unix = unix;
  }

  /** The peer at `address` (as a socket or a header gives it) is a trusted proxy. */
  trusts(address: string): boolean {
    const plain = plainAddress(address);
    const version = isIP(plain);
    if (version === 0) return false;
    return this.#list.check(plain, version === 4 ? "ipv4" : "ipv6");
  }
}
