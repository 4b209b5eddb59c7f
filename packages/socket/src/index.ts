// Public surface of @moonbridge/socket.
export { MoonSocketError, type MoonSocketErrorCode, type MoonSocketUsageCode } from "./errors";
export { MoonListener, type MoonListenerOptions } from "./listener";
export { type DetachedSocket, MoonSocket, type MoonSocketOptions } from "./moon-socket";
export {
  DEFAULT_PARK_TIMEOUT,
  type ParkedSocket,
  type ParkingLot,
  type ParkOptions,
} from "./parking";
export { type PollReadable, type PollWritable, poll } from "./poll";
export {
  type ProxiedAddresses,
  type ProxiedEndpoint,
  type ProxyHeaderInfo,
  readProxyHeader,
} from "./proxy";
export type { MoonInput, MoonOutput, OutputData, ReadFormat } from "./streams";
export type { TurnKeeper } from "./turns";
