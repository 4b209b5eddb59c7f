// The PROXY protocol header parser: v1 and v2 headers accepted, with their
// addresses in Node's form, whatever the bytes after them and at every split
// point; each rule of the spec rejected as soon as the bytes break it; IPv6
// text checked against Node's own formatting.
// Fixed seed under CI; FUZZ_SEED replays a run.

import { SocketAddress } from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  MAX_PROXY_HEADER,
  type ProxiedAddresses,
  type ProxyHeader,
  ProxyHeaderError,
  parseProxyHeader,
} from "../src/internal/proxy-header";

const SEED = Number(process.env.FUZZ_SEED ?? (process.env.CI ? 20261124 : Date.now() % 2 ** 31));

/** Bytes of a string, one per character (latin1), so tests can write any byte. */
const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));

const SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];

/** A v2 header; `length` (the length field) defaults to the body's. */
function v2(versionCommand: number, family: number, body: number[], length = body.length) {
  return Uint8Array.from([
    ...SIGNATURE,
    versionCommand,
    family,
    length >> 8,
    length & 0xff,
    ...body,
  ]);
}

const port = (n: number) => [n >> 8, n & 0xff];
/** The 16 bytes of an IPv6 address written as eight hex groups. */
const ip6 = (full: string) => full.split(":").flatMap((group) => port(Number.parseInt(group, 16)));
const IP4_BLOCK = [192, 0, 2, 1, 198, 51, 100, 7, ...port(50000), ...port(443)];
const IP6_BLOCK = [
  ...ip6("2001:db8:0:0:0:0:0:1"),
  ...ip6("0:0:0:0:0:ffff:c633:6407"),
  ...port(50000),
  ...port(443),
];

function addresses(remote: string, remotePort: number, local: string, localPort: number) {
  return {
    remote: { address: remote, port: remotePort },
    local: { address: local, port: localPort },
  };
}

const complete = (length: number, proxied: ProxiedAddresses | undefined): ProxyHeader => ({
  complete: true,
  length,
  addresses: proxied,
});

/** Node's text for an IPv6 address: what socket.remoteAddress shows. */
const nodeForm = (address: string) => new SocketAddress({ address, family: "ipv6" }).address;

const MAX_V1 =
  "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";

const valid: { what: string; bytes: Uint8Array; expected: ProxyHeader }[] = [
  {
    what: "v1 TCP4",
    bytes: ascii("PROXY TCP4 192.0.2.1 198.51.100.7 50000 443\r\n"),
    expected: complete(45, addresses("192.0.2.1", 50000, "198.51.100.7", 443)),
  },
  {
    what: "v1 TCP4 at the limits of octets and ports",
    bytes: ascii("PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\n"),
    expected: complete(44, addresses("0.0.0.0", 0, "255.255.255.255", 65535)),
  },
  {
    what: "v1 TCP6, normalized",
    bytes: ascii("PROXY TCP6 2001:0DB8:0:0:0:0:0:1 ::FFFF:198.51.100.7 50000 443\r\n"),
    expected: complete(64, addresses("2001:db8::1", 50000, "::ffff:198.51.100.7", 443)),
  },
  {
    what: "v1 UNKNOWN alone",
    bytes: ascii("PROXY UNKNOWN\r\n"),
    expected: complete(15, undefined),
  },
  {
    what: "v1 UNKNOWN with the rest of the line ignored, at the 107-byte maximum",
    bytes: ascii(MAX_V1),
    expected: complete(107, undefined),
  },
  {
    what: "v1 UNKNOWN with anything before CRLF",
    bytes: ascii("PROXY UNKNOWN  not\taddresses \0 at all\r\n"),
    expected: complete(39, undefined),
  },
  {
    what: "v2 PROXY TCP4",
    bytes: v2(0x21, 0x11, IP4_BLOCK),
    expected: complete(28, addresses("192.0.2.1", 50000, "198.51.100.7", 443)),
  },
  {
    what: "v2 PROXY TCP6",
    bytes: v2(0x21, 0x21, IP6_BLOCK),
    expected: complete(52, addresses("2001:db8::1", 50000, "::ffff:198.51.100.7", 443)),
  },
  {
    what: "v2 PROXY TCP4 with TLVs (ALPN h2, an empty NOOP)",
    bytes: v2(0x21, 0x11, [...IP4_BLOCK, 0x01, 0, 2, 0x68, 0x32, 0x04, 0, 0]),
    expected: complete(36, addresses("192.0.2.1", 50000, "198.51.100.7", 443)),
  },
  {
    what: "v2 PROXY TCP6 with a TLV",
    bytes: v2(0x21, 0x21, [...IP6_BLOCK, 0x02, 0, 3, 0x61, 0x2e, 0x62]),
    expected: complete(58, addresses("2001:db8::1", 50000, "::ffff:198.51.100.7", 443)),
  },
  {
    what: "v2 LOCAL, UNSPEC, no block",
    bytes: v2(0x20, 0x00, []),
    expected: complete(16, undefined),
  },
  {
    what: "v2 LOCAL with a TCP4 block: skipped, not used",
    bytes: v2(0x20, 0x11, IP4_BLOCK),
    expected: complete(28, undefined),
  },
  {
    what: "v2 PROXY UNSPEC with a TLV",
    bytes: v2(0x21, 0x00, [0x04, 0, 1, 0]),
    expected: complete(20, undefined),
  },
  {
    what: "v2 PROXY UNIX stream",
    bytes: v2(0x21, 0x31, [
      ...ascii("/run/client.sock".padEnd(108, "\0")),
      ...new Array(108).fill(0),
    ]),
    expected: complete(232, undefined),
  },
  {
    what: "v2 of exactly MAX_PROXY_HEADER bytes",
    bytes: v2(0x21, 0x11, [
      ...IP4_BLOCK,
      0x04,
      ...port(MAX_PROXY_HEADER - 31),
      ...new Array(MAX_PROXY_HEADER - 31).fill(0xaa),
    ]),
    expected: complete(MAX_PROXY_HEADER, addresses("192.0.2.1", 50000, "198.51.100.7", 443)),
  },
];

describe("valid headers", () => {
  it.each(valid)("$what", ({ bytes, expected }) => {
    expect(parseProxyHeader(bytes)).toEqual(expected);
  });

  // The data may look like anything, a header's start included: it is never read.
  it.each(valid)("$what, followed by the connection's data", ({ bytes, expected }) => {
    for (const data of ["GET / HTTP/1.1\r\n", "\n", "\r", "\0\xff", "PROXY TCP4 x"]) {
      expect(parseProxyHeader(Buffer.concat([bytes, ascii(data)]))).toEqual(expected);
    }
  });

  it.each(valid)("$what, at every split point", ({ bytes, expected }) => {
    for (let n = 0; n < bytes.length; n++) {
      expect(parseProxyHeader(bytes.subarray(0, n)), `${n} bytes`).toEqual({ complete: false });
    }
    expect(parseProxyHeader(bytes)).toEqual(expected);
  });

  it("reads a header at a view's offset, not its buffer's", () => {
    const buffer = Buffer.concat([
      ascii("junk"),
      ascii("PROXY TCP4 192.0.2.1 198.51.100.7 1 2\r\n"),
    ]);
    expect(parseProxyHeader(buffer.subarray(4))).toEqual(
      complete(39, addresses("192.0.2.1", 1, "198.51.100.7", 2)),
    );
  });
});

/** Parses, expecting a ProxyHeaderError; gives it back. */
function rejection(bytes: Uint8Array): ProxyHeaderError {
  try {
    parseProxyHeader(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(ProxyHeaderError);
    return error as ProxyHeaderError;
  }
  throw new Error(`accepted ${JSON.stringify(String.fromCharCode(...bytes))}`);
}

interface Rejected {
  what: string;
  bytes: Uint8Array;
  /** How many bytes first show the fault: fewer are a valid prefix. */
  at: number;
  message: RegExp;
}

/** A v1 case; `shownBy` is the prefix of `line` that first shows the fault. */
function v1(what: string, line: string, shownBy: string, message: RegExp): Rejected {
  if (!line.startsWith(shownBy))
    throw new Error(`${what}: ${JSON.stringify(shownBy)} does not start the line`);
  return { what, bytes: ascii(line), at: shownBy.length, message };
}

const TCP4 = "PROXY TCP4 192.0.2.1 198.51.100.7";
const TCP6 = "PROXY TCP6 2001:db8::1 ::1";

const rejected: Rejected[] = [
  v1("plain HTTP", "GET / HTTP/1.1\r\n", "G", /no PROXY protocol header/),
  v1("lowercase proxy", "proxy TCP4 192.0.2.1 198.51.100.7 1 2\r\n", "p", /no PROXY protocol/),
  v1("no space after PROXY", "PROXYTCP4", "PROXYT", /no PROXY protocol header/),
  v1("two spaces after PROXY", "PROXY  TCP4 1.2.3.4", "PROXY  ", /unknown v1 protocol ""/),
  v1(
    "lowercase protocol",
    `${TCP4.replace("TCP4", "tcp4")} 1 2\r\n`,
    "PROXY t",
    /unknown v1 protocol "t/,
  ),
  v1("unknown protocol", "PROXY TCP5 192.0.2.1", "PROXY TCP5", /unknown v1 protocol "TCP5"/),
  v1("UNKNOWN run on", "PROXY UNKNOWNX\r\n", "PROXY UNKNOWNX", /unknown v1 protocol "UNKNOWNX"/),
  v1("no protocol", "PROXY \r\n", "PROXY \r", /unknown v1 protocol ""/),
  v1(
    "two spaces between addresses",
    "PROXY TCP4 192.0.2.1  198.51.100.7 1 2\r\n",
    "PROXY TCP4 192.0.2.1  ",
    /destination address is empty/,
  ),
  v1("a space before CRLF", `${TCP4} 1 2 \r\n`, `${TCP4} 1 2 `, /more than 4 fields after TCP4/),
  v1("a fifth field", `${TCP4} 1 2 3\r\n`, `${TCP4} 1 2 `, /more than 4 fields/),
  v1("a field missing", `${TCP4} 50000\r\n`, `${TCP4} 50000\r`, /destination port missing/),
  v1("no fields", "PROXY TCP6\r\n", "PROXY TCP6\r", /source address missing/),
  v1("bare LF", `${TCP4} 1 2\n`, `${TCP4} 1 2\n`, /bare LF/),
  v1("CR alone inside", "PROXY UNKNOWN \rx\r\n", "PROXY UNKNOWN \rx", /CR not followed by LF/),
  v1("CR alone after the fields", `${TCP4} 1 2\rx\r\n`, `${TCP4} 1 2\rx`, /CR not followed/),
  v1(
    "a 108-byte line",
    MAX_V1.replace("65535\r", "655350\r"),
    `${MAX_V1.slice(0, 105)}0\r`,
    /longer than 107 bytes/,
  ),
  v1(
    "108 bytes without CRLF",
    `PROXY UNKNOWN ${"x".repeat(200)}`,
    `PROXY UNKNOWN ${"x".repeat(93)}`,
    /longer than 107 bytes/,
  ),
  v1(
    "octet 256",
    "PROXY TCP4 192.0.2.256 1.1.1.1 1 2\r\n",
    "PROXY TCP4 192.0.2.256",
    /"192.0.2.256" is not an IPv4/,
  ),
  v1("octet with a leading zero", "PROXY TCP4 192.0.2.01 ", "PROXY TCP4 192.0.2.01", /not an IPv4/),
  v1(
    "three octets",
    "PROXY TCP4 192.0.2 1.1.1.1 1 2\r\n",
    "PROXY TCP4 192.0.2 ",
    /"192.0.2" is not/,
  ),
  v1("five octets", "PROXY TCP4 1.2.3.4.5 ", "PROXY TCP4 1.2.3.4.", /not an IPv4 address/),
  v1(
    "TCP4 with an IPv6 address",
    "PROXY TCP4 ::1 ::1 1 2\r\n",
    "PROXY TCP4 :",
    /not an IPv4 address/,
  ),
  v1(
    "TCP6 with an IPv4 address",
    "PROXY TCP6 192.0.2.1 ::1 1 2\r\n",
    "PROXY TCP6 192.",
    /not an IPv6/,
  ),
  v1(
    "TCP6 with a zone",
    "PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n",
    "PROXY TCP6 fe80::1%",
    /not an IPv6/,
  ),
  v1("TCP6 with two gaps", "PROXY TCP6 1::2::3 ::1 1 2\r\n", "PROXY TCP6 1::2::", /not an IPv6/),
  v1(
    "TCP6 with nine groups",
    "PROXY TCP6 1:2:3:4:5:6:7:8:9 ",
    "PROXY TCP6 1:2:3:4:5:6:7:8:",
    /IPv6/,
  ),
  v1("port 65536", `${TCP4} 65536 443\r\n`, `${TCP4} 65536`, /source port "65536" is not a port/),
  v1(
    "port with a leading zero",
    `${TCP4} 50000 080\r\n`,
    `${TCP4} 50000 08`,
    /destination port "080?" is not a port/,
  ),
  v1("port with a sign", `${TCP4} +80 443\r\n`, `${TCP4} +`, /source port "\+(80)?" is not a port/),
  v1("TCP6 port 65536", `${TCP6} 1 65536\r\n`, `${TCP6} 1 65536`, /destination port "65536"/),
  {
    what: "not the v2 signature",
    bytes: ascii("\r\n\r\n\0\r\nQUIT\r"),
    at: 12,
    message: /no PROXY protocol header/,
  },
  { what: "CRLF then HTTP", bytes: ascii("\r\nGET"), at: 3, message: /no PROXY protocol header/ },
  { what: "v2 version 1", bytes: v2(0x11, 0x11, IP4_BLOCK), at: 13, message: /version 1 / },
  { what: "v2 version 3", bytes: v2(0x31, 0x11, IP4_BLOCK), at: 13, message: /version 3 / },
  { what: "v2 command 2", bytes: v2(0x22, 0x11, IP4_BLOCK), at: 13, message: /command 2/ },
  { what: "v2 command 15", bytes: v2(0x2f, 0x11, IP4_BLOCK), at: 13, message: /command 15/ },
  {
    what: "v2 UDP over IPv4",
    bytes: v2(0x21, 0x12, IP4_BLOCK),
    at: 14,
    message: /0x12 \(datagrams/,
  },
  {
    what: "v2 UDP over IPv6",
    bytes: v2(0x21, 0x22, IP6_BLOCK),
    at: 14,
    message: /0x22 \(datagrams/,
  },
  { what: "v2 UNIX datagram", bytes: v2(0x21, 0x32, []), at: 14, message: /0x32 \(datagrams/ },
  { what: "v2 LOCAL over UDP", bytes: v2(0x20, 0x12, IP4_BLOCK), at: 14, message: /0x12/ },
  { what: "v2 IPv4, no protocol", bytes: v2(0x21, 0x10, IP4_BLOCK), at: 14, message: /0x10$/ },
  { what: "v2 family 4", bytes: v2(0x21, 0x41, IP4_BLOCK), at: 14, message: /0x41/ },
  {
    what: "v2 length short of the IPv4 block",
    bytes: v2(0x21, 0x11, IP4_BLOCK.slice(0, 11)),
    at: 16,
    message: /length 11, short of its 12-byte address block/,
  },
  {
    what: "v2 length short of the IPv6 block",
    bytes: v2(0x21, 0x21, IP4_BLOCK),
    at: 16,
    message: /length 12, short of its 36-byte/,
  },
  {
    what: "v2 length short of the UNIX block",
    bytes: v2(0x20, 0x31, new Array(215).fill(0)),
    at: 16,
    message: /short of its 216-byte/,
  },
  {
    what: "v2 TLV running past the end",
    bytes: v2(0x21, 0x11, [...IP4_BLOCK, 0x04, 0, 5, 1, 2, 3]),
    at: 31,
    message: /TLV at byte 28 runs past the header's end/,
  },
  {
    what: "v2 second TLV running past the end",
    bytes: v2(0x21, 0x11, [...IP4_BLOCK, 0x04, 0, 1, 9, 0x04, 1, 0]),
    at: 35,
    message: /TLV at byte 32 runs past/,
  },
  {
    what: "v2 room for no TLV header",
    bytes: v2(0x21, 0x11, [...IP4_BLOCK, 0x04, 0]),
    at: 16,
    message: /TLV at byte 28 runs past/,
  },
  {
    what: "v2 UNSPEC with bytes that are no TLV",
    bytes: v2(0x21, 0x00, [1]),
    at: 16,
    message: /TLV at byte 16 runs past/,
  },
  {
    what: "v2 over MAX_PROXY_HEADER",
    bytes: v2(0x21, 0x11, IP4_BLOCK, MAX_PROXY_HEADER - 15),
    at: 16,
    message: new RegExp(
      `header of ${MAX_PROXY_HEADER + 1} bytes, more than the ${MAX_PROXY_HEADER}`,
    ),
  },
  {
    what: "v2 of the largest length field",
    bytes: v2(0x21, 0x11, IP4_BLOCK, 0xffff),
    at: 16,
    message: /header of 65551 bytes/,
  },
];

describe("rejected headers", () => {
  it.each(rejected)("$what: thrown as soon as the bytes show it", ({ bytes, at, message }) => {
    for (let n = 0; n < at; n++) {
      expect(parseProxyHeader(bytes.subarray(0, n)), `${n} bytes`).toEqual({ complete: false });
    }
    for (const n of [at, bytes.length]) {
      const error = rejection(bytes.subarray(0, n));
      expect(error.code).toBe("PROXY_HEADER_INVALID");
      expect(error.message).toMatch(message);
    }
  });

  it("errors are ProxyHeaderErrors with the code PROXY_HEADER_INVALID", () => {
    const error = rejection(ascii("G"));
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("ProxyHeaderError");
    expect(error.code).toBe("PROXY_HEADER_INVALID");
    expect(error.message).toBe("invalid PROXY header: no PROXY protocol header");
  });
});

describe("IPv6 addresses in Node's form", () => {
  const cases: [full: string, text: string][] = [
    ["0:0:0:0:0:0:0:0", "::"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["1:0:0:0:0:0:0:0", "1::"],
    ["2001:0DB8:0:0:0:0:0:1", "2001:db8::1"],
    ["1:0:0:1:0:0:0:1", "1:0:0:1::1"],
    ["1:0:0:1:0:0:1:1", "1::1:0:0:1:1"],
    ["1:0:1:1:1:1:1:1", "1:0:1:1:1:1:1:1"],
    ["0:1:1:1:1:1:1:1", "0:1:1:1:1:1:1:1"],
    ["1:1:1:1:1:1:1:0", "1:1:1:1:1:1:1:0"],
    ["ABCD:EF01:0023:0456:7890:000a:0b0c:d00d", "abcd:ef01:23:456:7890:a:b0c:d00d"],
    ["0:0:0:0:0:ffff:c000:201", "::ffff:192.0.2.1"],
    ["0:0:0:0:0:ffff:0:0", "::ffff:0.0.0.0"],
    ["0:0:0:0:0:0:c000:201", "::192.0.2.1"], // IPv4-compatible: libuv writes it dotted too
    ["0:0:0:0:0:0:0:ffff", "::ffff"],
    ["0:0:0:0:1:ffff:c000:201", "::1:ffff:c000:201"],
    ["0:0:0:0:0:fffe:c000:201", "::fffe:c000:201"],
    ["1:0:0:0:0:ffff:c000:201", "1::ffff:c000:201"],
  ];

  it.each(cases)("%s is %s, as Node writes it", (full, text) => {
    expect(nodeForm(full)).toBe(text);
    const fromText = parseProxyHeader(ascii(`PROXY TCP6 ${full} ::1 1 2\r\n`));
    expect(fromText).toMatchObject({ addresses: { remote: { address: text } } });
    const fromBytes = parseProxyHeader(
      v2(0x21, 0x21, [...ip6(full), ...ip6("0:0:0:0:0:0:0:1"), 0, 1, 0, 2]),
    );
    expect(fromBytes).toMatchObject({ addresses: { remote: { address: text } } });
  });

  it.each([
    ["::FFFF:192.0.2.1", "::ffff:192.0.2.1"],
    ["::ffff:c000:0201", "::ffff:192.0.2.1"],
    ["0000:0000::0001", "::1"],
    ["2001:db8::0:1", "2001:db8::1"],
    ["1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"],
    ["::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"],
    ["1:2:3:4:5:6:192.0.2.1", "1:2:3:4:5:6:c000:201"],
  ])("v1 spelling %s is %s", (spelled, text) => {
    expect(nodeForm(spelled)).toBe(text);
    const parsed = parseProxyHeader(ascii(`PROXY TCP6 ::1 ${spelled} 1 2\r\n`));
    expect(parsed).toMatchObject({ addresses: { local: { address: text } } });
  });

  // Zero groups and ffff common, so runs, ties and mapped addresses come up often.
  const word = fc.oneof(
    { weight: 3, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.constant(0xffff) },
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
  );
  const words = fc.oneof(
    fc.array(word, { minLength: 8, maxLength: 8 }),
    fc.tuple(word, word).map(([a, b]) => [0, 0, 0, 0, 0, 0xffff, a, b]),
    fc.tuple(word, word).map(([a, b]) => [0, 0, 0, 0, 0, 0, a, b]),
  );

  it("random addresses in bytes come out as Node writes them", () => {
    fc.assert(
      fc.property(words, fc.nat(0xffff), (groups, n) => {
        const text = nodeForm(groups.map((group) => group.toString(16)).join(":"));
        const body = [...groups.flatMap(port), ...ip6("0:0:0:0:0:0:0:1"), ...port(n), 0, 2];
        expect(parseProxyHeader(v2(0x21, 0x21, body))).toEqual(
          complete(52, addresses(text, n, "::1", 2)),
        );
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it("random addresses in text, however spelled, come out so too, at every split point", () => {
    const spellings = (groups: number[]): string[] => {
      const hex = groups.map((group) => group.toString(16));
      const dottedTail = groups.slice(6).flatMap(port).join(".");
      return [
        nodeForm(hex.join(":")),
        hex.join(":"),
        groups.map((group) => group.toString(16).padStart(4, "0").toUpperCase()).join(":"),
        `${hex.slice(0, 6).join(":")}:${dottedTail}`,
      ];
    };
    fc.assert(
      fc.property(words, fc.nat(3), fc.nat(0xffff), (groups, which, n) => {
        const spelled = spellings(groups)[which] ?? "";
        const header = ascii(`PROXY TCP6 ${spelled} ::1 ${n} 2\r\n`);
        for (let i = 0; i < header.length; i++) {
          expect(parseProxyHeader(header.subarray(0, i))).toEqual({ complete: false });
        }
        const text = nodeForm(groups.map((group) => group.toString(16)).join(":"));
        expect(parseProxyHeader(header)).toEqual(
          complete(header.length, addresses(text, n, "::1", 2)),
        );
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });
});
