// The PROXY protocol header (HAProxy's doc/proxy-protocol.txt, versions 1 and
// 2) that a proxy sends before the client's bytes: a strict parser of it, fed
// the bytes received so far, and the formatting of its addresses as Node
// writes them. Pure: no sockets here.

import { isIPv6 } from "node:net";

/** One end of a proxied connection, as Node writes addresses ("192.0.2.1", "2001:db8::1"). */
export interface ProxiedEndpoint {
  address: string;
  port: number;
}

/** The client's and the proxy's-listener addresses a PROXY header gives. */
export interface ProxiedAddresses {
  remote: ProxiedEndpoint;
  local: ProxiedEndpoint;
}

/**
 * `complete: false`: every byte so far is a valid prefix of a header; wait for
 * more. Else `length` is the bytes the header takes (the connection's data
 * begins after them), and `addresses` is undefined for "PROXY UNKNOWN" (v1),
 * the v2 LOCAL command, or the v2 families AF_UNSPEC and AF_UNIX: use the
 * connection's own addresses then.
 */
export type ProxyHeader =
  | { complete: false }
  | { complete: true; length: number; addresses: ProxiedAddresses | undefined };

/**
 * The longest header accepted, in bytes. v1's maximum is 107; v2's is 16 plus
 * its length field, up to 65551, but real proxies' TLVs are small, and a peer
 * must not make us buffer 64 KiB before the first byte of data.
 */
export const MAX_PROXY_HEADER = 4096;

/** A header that breaks the spec, or bytes that are no PROXY header at all. */
export class ProxyHeaderError extends Error {
  override readonly name = "ProxyHeaderError";
  readonly code = "PROXY_HEADER_INVALID";
}

const INCOMPLETE: ProxyHeader = Object.freeze({ complete: false });
const V1_START = new TextEncoder().encode("PROXY ");
const V1_MAX = 107;
const V2_SIGNATURE = new TextEncoder().encode("\r\n\r\n\0\r\nQUIT\n");
const CR = 0x0d;
const LF = 0x0a;

/** Parses the header at the start of `bytes`; throws a ProxyHeaderError as soon as the bytes break it. */
export function parseProxyHeader(bytes: Uint8Array): ProxyHeader {
  if (matchesSoFar(bytes, V1_START)) {
    return bytes.length < V1_START.length ? INCOMPLETE : parseV1(bytes);
  }
  if (matchesSoFar(bytes, V2_SIGNATURE)) {
    return bytes.length < V2_SIGNATURE.length ? INCOMPLETE : parseV2(bytes);
  }
  throw invalid("no PROXY protocol header");
}

function invalid(problem: string): ProxyHeaderError {
  return new ProxyHeaderError(`invalid PROXY header: ${problem}`);
}

function matchesSoFar(bytes: Uint8Array, expected: Uint8Array): boolean {
  const n = Math.min(bytes.length, expected.length);
  for (let i = 0; i < n; i++) if (bytes[i] !== expected[i]) return false;
  return true;
}

// Version 1: one text line.

const V1_FIELDS = ["source address", "destination address", "source port", "destination port"];
const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)"; // 0-255, no leading zero
const IPV4_TEXT = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);
const IPV6_CHARS = /^[0-9A-Fa-f:.]+$/; // isIPv6 alone would take a zone ("%eth0")
const PORT_TEXT = /^(?:0|[1-9]\d{0,4})$/;
/** Endings that make a valid prefix of an address or port whole; no ending, no valid field. */
const ENDINGS = ["", "0", ":", "::", ".0", "0.0", ".0.0", "0.0.0", ".0.0.0", "0.0.0.0"];

const isIPv4Text = (text: string): boolean => IPV4_TEXT.test(text);
const isIPv6Text = (text: string): boolean => IPV6_CHARS.test(text) && isIPv6(text);
const isPortText = (text: string): boolean => PORT_TEXT.test(text) && Number(text) <= 65535;

function parseV1(bytes: Uint8Array): ProxyHeader {
  const scan = Math.min(bytes.length, V1_MAX);
  const lf = bytes.subarray(0, scan).indexOf(LF);
  if (lf === -1 && bytes.length >= V1_MAX) throw invalid(`v1 line longer than ${V1_MAX} bytes`);
  if (lf !== -1 && bytes[lf - 1] !== CR) throw invalid("v1 line ends in a bare LF, not CRLF");
  // A final CR (its LF still to come) ends the fields as much as CRLF does.
  const end = lf !== -1 ? lf - 1 : bytes[bytes.length - 1] === CR ? bytes.length - 1 : -1;
  const line = String.fromCharCode(...bytes.subarray(0, end === -1 ? bytes.length : end));
  if (line.includes("\r")) throw invalid("v1 line has a CR not followed by LF");
  const addresses = v1Addresses(line.split(" "), end !== -1);
  return lf === -1 ? INCOMPLETE : { complete: true, length: lf + 1, addresses };
}

/** Checks the fields so far (`whole`: the line is ended); the addresses once they are all there. */
function v1Addresses(fields: string[], whole: boolean): ProxiedAddresses | undefined {
  const protocol = fields[1] ?? "";
  if (!whole && fields.length === 2) {
    if (!["TCP4", "TCP6", "UNKNOWN"].some((name) => name.startsWith(protocol))) {
      throw invalid(`unknown v1 protocol ${JSON.stringify(protocol)}`);
    }
    return undefined;
  }
  if (protocol === "UNKNOWN") return undefined; // the rest of the line is to be ignored
  if (protocol !== "TCP4" && protocol !== "TCP6") {
    throw invalid(`unknown v1 protocol ${JSON.stringify(protocol)}`);
  }
  const isAddress = protocol === "TCP4" ? isIPv4Text : isIPv6Text;
  for (let i = 2; i < Math.min(fields.length, 6); i++) {
    const text = fields[i] ?? "";
    const valid = i < 4 ? isAddress : isPortText;
    const last = !whole && i === fields.length - 1;
    // An unfinished field need only be the start of a valid one.
    if (last ? !ENDINGS.some((ending) => valid(text + ending)) : !valid(text)) {
      const kind = i >= 4 ? "a port" : protocol === "TCP4" ? "an IPv4 address" : "an IPv6 address";
      const problem =
        text === ""
          ? "is empty (fields are one space apart)"
          : `${JSON.stringify(text)} is not ${kind}`;
      throw invalid(`v1 ${V1_FIELDS[i - 2]} ${problem}`);
    }
  }
  if (fields.length > 6) throw invalid(`more than 4 fields after ${protocol} (one space apart)`);
  if (whole && fields.length < 6) throw invalid(`v1 ${V1_FIELDS[fields.length - 2]} missing`);
  if (!whole) return undefined;
  const [, , source = "", destination = "", sourcePort, destinationPort] = fields;
  const address = (text: string) => (protocol === "TCP4" ? text : formatIPv6(ipv6Bytes(text)));
  return {
    remote: { address: address(source), port: Number(sourcePort) },
    local: { address: address(destination), port: Number(destinationPort) },
  };
}

// Version 2: binary.

const FAMILIES = new Map([
  [0x00, 0], // AF_UNSPEC
  [0x11, 12], // TCP over IPv4: two addresses of 4 bytes, two ports
  [0x21, 36], // TCP over IPv6: of 16 bytes
  [0x31, 216], // Unix stream: two paths of 108 bytes
]);

function parseV2(bytes: Uint8Array): ProxyHeader {
  const versionCommand = bytes[12];
  if (versionCommand === undefined) return INCOMPLETE;
  const version = versionCommand >> 4;
  if (version !== 2) throw invalid(`version ${version} after the v2 signature`);
  const command = versionCommand & 0x0f;
  if (command > 1) throw invalid(`v2 command ${command} (0 LOCAL and 1 PROXY are known)`);
  const family = bytes[13];
  if (family === undefined) return INCOMPLETE;
  const block = FAMILIES.get(family);
  if (block === undefined) {
    const datagram = (family & 0x0f) === 2 ? " (datagrams, on a TCP listener)" : "";
    throw invalid(`v2 family/protocol 0x${family.toString(16).padStart(2, "0")}${datagram}`);
  }
  if (bytes.length < 16) return INCOMPLETE;
  const total = 16 + readUint16(bytes, 14);
  if (total > MAX_PROXY_HEADER) {
    throw invalid(`v2 header of ${total} bytes, more than the ${MAX_PROXY_HEADER} accepted`);
  }
  if (total < 16 + block) {
    throw invalid(`v2 length ${total - 16}, short of its ${block}-byte address block`);
  }
  // TLVs are skipped, but must fill the rest exactly: checked as far as they have come.
  for (let at = 16 + block; at < total; ) {
    if (total - at < 3 || (at + 3 <= bytes.length && at + 3 + readUint16(bytes, at + 1) > total)) {
      throw invalid(`v2 TLV at byte ${at} runs past the header's end`);
    }
    if (at + 3 > bytes.length) break;
    at += 3 + readUint16(bytes, at + 1);
  }
  if (bytes.length < total) return INCOMPLETE;
  const ip = command === 1 && family === 0x11 ? 4 : command === 1 && family === 0x21 ? 16 : 0;
  if (ip === 0) return { complete: true, length: total, addresses: undefined };
  const address = (at: number) => {
    const raw = bytes.subarray(at, at + ip);
    return ip === 4 ? raw.join(".") : formatIPv6(raw);
  };
  const ports = 16 + 2 * ip;
  return {
    complete: true,
    length: total,
    addresses: {
      remote: { address: address(16), port: readUint16(bytes, ports) },
      local: { address: address(16 + ip), port: readUint16(bytes, ports + 2) },
    },
  };
}

function readUint16(bytes: Uint8Array, at: number): number {
  return ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0);
}

// IPv6 text.

/** The 16 bytes of an address isIPv6Text accepts. */
function ipv6Bytes(text: string): Uint8Array {
  const words = (part: string | undefined): number[] =>
    part === undefined || part === ""
      ? []
      : part.split(":").flatMap((group) => {
          if (!group.includes(".")) return [Number.parseInt(group, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = group.split(".").map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const [head, tail] = text.split("::");
  const front = words(head);
  const back = words(tail);
  const all = [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  const out = new Uint8Array(16);
  all.forEach((word, i) => {
    out[2 * i] = word >> 8;
    out[2 * i + 1] = word & 0xff;
  });
  return out;
}

/**
 * The text Node (libuv) gives for 16 bytes: RFC 5952 (lowercase, no leading
 * zeros, the longest run of two or more zero groups as "::", the first on
 * ties), with a dotted IPv4 tail for ::ffff:a.b.c.d and, as libuv also does,
 * for the IPv4-compatible ::a.b.c.d (six zero groups, then a non-zero one).
 */
function formatIPv6(bytes: Uint8Array): string {
  const words = Array.from({ length: 8 }, (_, i) => readUint16(bytes, 2 * i));
  let best = -1;
  let bestLength = 1; // a lone zero group stays "0"
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength) [best, bestLength] = [i, j - i];
    i = j;
  }
  const ipv4 = bytes.subarray(12, 16).join(".");
  if (best === 0 && bestLength === 6) return `::${ipv4}`;
  if (best === 0 && bestLength === 5 && words[5] === 0xffff) return `::ffff:${ipv4}`;
  const hex = (from: number, to: number) => words.slice(from, to).map((w) => w.toString(16));
  if (best === -1) return hex(0, 8).join(":");
  return `${hex(0, best).join(":")}::${hex(best + bestLength, 8).join(":")}`;
}
