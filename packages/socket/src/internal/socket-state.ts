// What the two halves of a MoonSocket share: whether the whole socket has been
// closed, cancelled or detached, after which every method throws SOCKET_CLOSED.

export interface SocketState {
  closed: boolean;
}
