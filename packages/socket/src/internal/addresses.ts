// Addresses as Moonbridge gives them: raw bytes, 4 for IPv4 and 16 for IPv6.
// An IPv6 socket talking to an IPv4 peer (::ffff:a.b.c.d) has both forms.

import { isIPv4, isIPv6 } from "node:net";

interface RawAddress {
  ip4: Buffer | undefined;
  ip6: Buffer | undefined;
}

function ipv4Bytes(text: string, out: Buffer, at: number): void {
  let part = 0;
  let value = 0;
  for (let i = 0; i <= text.length; i++) {
    const code = i < text.length ? text.charCodeAt(i) : 0x2e;
    if (code === 0x2e) {
      out[at + part++] = value;
      value = 0;
    } else value = value * 10 + code - 0x30;
  }
}

function ipv6Bytes(address: string): Buffer {
  const text = address.includes("%") ? address.slice(0, address.indexOf("%")) : address;
  const out = Buffer.alloc(16);
  const gap = text.indexOf("::");
  const head = gap === -1 ? text : text.slice(0, gap);
  const tail = gap === -1 ? "" : text.slice(gap + 2);
  const groups = (part: string): string[] => (part === "" ? [] : part.split(":"));
  const fill = (parts: string[], start: number): void => {
    let at = start;
    for (const part of parts) {
      if (part.includes(".")) {
        ipv4Bytes(part, out, at);
        at += 4;
      } else {
        out.writeUInt16BE(Number.parseInt(part, 16), at);
        at += 2;
      }
    }
  };
  const tailParts = groups(tail);
  fill(groups(head), 0);
  const tailBytes = tailParts.reduce((sum, part) => sum + (part.includes(".") ? 4 : 2), 0);
  fill(tailParts, 16 - tailBytes);
  return out;
}

const MAPPED_PREFIX = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]);

/** Raw forms of an address string from Node (`socket.localAddress` and the like). */
function rawAddress(address: string | undefined): RawAddress {
  if (address === undefined) return { ip4: undefined, ip6: undefined };
  if (isIPv4(address)) {
    const ip4 = Buffer.alloc(4);
    ipv4Bytes(address, ip4, 0);
    return { ip4, ip6: undefined };
  }
  if (isIPv6(address)) {
    const ip6 = ipv6Bytes(address);
    const mapped = ip6.subarray(0, 12).equals(MAPPED_PREFIX);
    return { ip4: mapped ? Buffer.from(ip6.subarray(12)) : undefined, ip6 };
  }
  return { ip4: undefined, ip6: undefined };
}

/** One end of a connection: the text and port Node gives, the raw bytes when asked. */
export class Endpoint {
  readonly text: string | undefined;
  readonly port: number | undefined;
  #raw: RawAddress | undefined;

  constructor(text: string | undefined, port: number | undefined) {
    this.text = text;
    this.port = port;
  }

  /** A fresh copy each time: callers may change what they get. */
  ip4(): Buffer | undefined {
    const ip4 = this.#rawAddress().ip4;
    return ip4 === undefined ? undefined : Buffer.from(ip4);
  }

  ip6(): Buffer | undefined {
    const ip6 = this.#rawAddress().ip6;
    return ip6 === undefined ? undefined : Buffer.from(ip6);
  }

  #rawAddress(): RawAddress {
    if (this.#raw === undefined) this.#raw = rawAddress(this.text);
    return this.#raw;
  }
}
