// Public surface of moonbridge: the packages' main names under one roof.
export {
  MoonListener,
  MoonSocket,
  MoonSocketError,
  type MoonSocketOptions,
  poll,
} from "@moonbridge/socket";
export {
  type BoundAddress,
  type Listener,
  type ListenOptions,
  listen,
  Pool,
  type PoolStats,
  SupervisorError,
} from "@moonbridge/supervisor";
export { resetTimeouts, timeout } from "@moonbridge/timeout";
