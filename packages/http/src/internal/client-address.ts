// Who the client is when the server sits behind proxies: the peer's address,
// unless the peer is a proxy that trustProxy names; then the forwarding
// header that proxies append to (X-Forwarded-For with X-Forwarded-Proto, or
// RFC 7239's Forwarded) is read from the right, past every trusted proxy,
// and the first address that is not one is the client's (all trusted: the
// leftmost). A client can write anything into these headers, but only on
// its own side of the first trusted proxy, which is where the walk stops.

import { plainAddress, type TrustedProxies } from "./trusted-proxies";

/** The client as request.clientAddress and request.secure give it. */
export interface ClientView {
  address: string | undefined;
  secure: boolean;
}

/** A hop a forwarding header names (leftmost: the client's side), and the protocol it came in with, if said. */
interface Hop {
  address: string;
  proto: string | undefined;
}

/**
 * The client behind `peer` (undefined: a Unix socket). `header(name)`
 * gives a request header's lines joined with ", " ("" when absent).
 */
export function clientView(
  peer: string | undefined,
  trusted: TrustedProxies | undefined,
  headers: "x-forwarded" | "forwarded",
  header: (name: string) => string,
): ClientView {
  const direct = { address: peer === undefined ? undefined : plainAddress(peer), secure: false };
  if (trusted === undefined || !(peer === undefined ? trusted.unix : trusted.trusts(peer)))
    return direct;
  let hops: Hop[];
  // X-Forwarded-Proto is either appended to, hop by hop, as X-Forwarded-For is (then it
  // lines up with it), or set by the nearest proxy alone: then its last value is that proxy's.
  let nearestProto: string | undefined;
  if (headers === "forwarded") hops = forwardedHops(header("forwarded"));
  else {
    const addresses = listOf(header("x-forwarded-for"));
    const protos = listOf(header("x-forwarded-proto"));
    const aligned = protos.length === addresses.length;
    hops = addresses.map((address, i) => ({ address, proto: aligned ? protos[i] : undefined }));
    nearestProto = protos.at(-1);
  }
  let i = hops.length - 1;
  while (i > 0 && trusted.trusts((hops[i] as Hop).address)) i--;
  const hop = hops[i];
  const proto = hop?.proto ?? nearestProto;
  return {
    address: hop === undefined ? direct.address : plainAddress(hop.address),
    secure: proto?.toLowerCase() === "https",
  };
}

/** The comma-separated elements of a header's value, trimmed, empty ones left out. */
function listOf(value: string): string[] {
  const list: string[] = [];
  for (const element of value.split(",")) {
    const trimmed = element.trim();
    if (trimmed !== "") list.push(trimmed);
  }
  return list;
}

/**
 * RFC 7239's Forwarded: elements separated by commas, pairs by semicolons,
 * values tokens or quoted strings (`for="[2001:db8::1]:4711"`). An element
 * without `for` names an unknown hop ("unknown": no address, never trusted).
 */
export function forwardedHops(value: string): Hop[] {
  const hops: Hop[] = [];
  for (const element of splitOutsideQuotes(value, ",")) {
    let address = "unknown";
    let proto: string | undefined;
    for (const pair of splitOutsideQuotes(element, ";")) {
      const equals = pair.indexOf("=");
      if (equals < 1) continue;
      const name = pair.slice(0, equals).trim().toLowerCase();
      const text = unquote(pair.slice(equals + 1).trim());
      if (name === "for") address = text;
      else if (name === "proto") proto = text;
    }
    if (element.trim() !== "") hops.push({ address, proto });
  }
  return hops;
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\\" && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (c === separator && !quoted) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function unquote(text: string): string {
  if (text.length < 2 || !text.startsWith('"') || !text.endsWith('"')) return text;
  return text.slice(1, -1).replace(/\\(.)/g, "$1");
}
