// Which of three ways a MoonSocket reaches its connection: through a
// net.Socket (`new MoonSocket(socket)`), straight on a bare libuv handle
// (`MoonSocket.fromHandle`, what the pool's workers use: bare-connection.ts),
// or not at all (an interval or main handler's socket). Decided here, once,
// where the socket is made; the socket and its two streams take the decision
// as it is.

import type { Socket } from "node:net";
import { BareConnection } from "./bare-connection";

export type Transport =
  | { readonly kind: "net"; readonly socket: Socket }
  | { readonly kind: "bare"; readonly bare: BareConnection }
  | { readonly kind: "none" };

const NONE: Transport = { kind: "none" };

/** The transport of what a MoonSocket was made over. */
export function transportOf(connection: Socket | BareConnection | null): Transport {
  if (connection === null) return NONE;
  if (connection instanceof BareConnection) return { kind: "bare", bare: connection };
  return { kind: "net", socket: connection };
}
