// The PROXY protocol (HAProxy's, versions 1 and 2) on a connection: a proxy
// in front (HAProxy, nginx's stream module, a cloud load balancer) sends a
// header with the client's address before anything of the client's. Reading
// it takes exactly the header's bytes, never one of the client's, so the
// next reader finds the client's data first.

import { MoonSocketError } from "./errors";
import { type ProxiedAddresses, parseProxyHeader } from "./internal/proxy-header";
import type { MoonInput } from "./streams";

export type { ProxiedAddresses, ProxiedEndpoint } from "./internal/proxy-header";

/** What a connection's PROXY header said (`socket.proxyHeader`). */
export interface ProxyHeaderInfo {
  /**
   * The client's address (`remote`) and the one it reached the proxy at
   * (`local`); undefined for a header that gives none (v2 LOCAL, as the
   * proxy's own health checks send, or v1 UNKNOWN): the connection's own
   * addresses stand then.
   */
  addresses: ProxiedAddresses | undefined;
}

/** Bytes of a v1 header at least ("PROXY UNKNOWN\r\n"); a v2 one has 16: so many are always the header's. */
const SURELY_HEADER = 15;

/** A v1 header is a line: its last byte. */
const LF = 0x0a;

/**
 * Reads a PROXY protocol header off `input`, byte-exact: what follows it is
 * left for the next read. Rejects with MoonSocketError `PROXY_HEADER_INVALID`
 * for bytes that are not one (checked as they come: a client's request fails
 * with its first bytes) or an end of stream before its end, and like
 * `input.xread` on an I/O error.
 */
export async function readProxyHeader(input: MoonInput): Promise<ProxyHeaderInfo> {
  let bytes: Buffer = Buffer.alloc(0);
  for (;;) {
    let header: ReturnType<typeof parseProxyHeader>;
    try {
      header = parseProxyHeader(bytes);
    } catch (error) {
      throw new MoonSocketError(
        "PROXY_HEADER_INVALID",
        `@moonbridge/socket: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (header.complete) return { addresses: header.addresses };
    // What has come, within the header's bounds: a client that is no proxy fails at its first bytes.
    const more = (await input.readable()) ? input.xreadNb(...nextRead(bytes)) : null;
    if (more === null || more.length === 0) {
      throw new MoonSocketError(
        "PROXY_HEADER_INVALID",
        `@moonbridge/socket: the connection ended ${bytes.length === 0 ? "before" : "inside"} its PROXY protocol header`,
      );
    }
    bytes = bytes.length === 0 ? more : Buffer.concat([bytes, more]);
  }
}

/** The next read's bound (and terminator), which cannot pass the end of the header begun with `bytes`. */
function nextRead(bytes: Buffer): [number] | [number, number] {
  if (bytes.length < SURELY_HEADER) return [SURELY_HEADER - bytes.length];
  // v1: a line, at most 107 bytes with its CRLF (the parser rejects longer).
  if (bytes[0] === 0x50) return [108 - bytes.length, LF];
  // v2: 16 bytes, then as many as its length field says.
  if (bytes.length < 16) return [16 - bytes.length];
  return [16 + bytes.readUInt16BE(14) - bytes.length];
}
