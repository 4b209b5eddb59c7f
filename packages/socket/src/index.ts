// Public surface of @moonbridge/socket.
export { MoonSocketError, type MoonSocketErrorCode, type MoonSocketUsageCode } from "./errors";
export { MoonListener, type MoonListenerOptions } from "./listener";
export { type DetachedSocket, MoonSocket, type MoonSocketOptions } from "./moon-socket";
export { type PollReadable, type PollWritable, poll } from "./poll";
export type { MoonInput, MoonOutput, OutputData, ReadFormat } from "./streams";
