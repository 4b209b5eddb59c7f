// Closing with a TCP RST where the handle supports one; Unix sockets have no
// reset, so they get a plain close.

import type { Socket } from "node:net";

export function reset(socket: Socket): void {
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}
