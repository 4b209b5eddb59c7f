// Public surface of moonbridge: the packages' main names under one roof.

export {
  BodyParserError,
  getBoundary,
  MultipartParser,
  parseUrlencoded,
} from "@moonbridge/body-parser";
export {
  type CookieOptions,
  HeadersError,
  HeaderViews,
  parseCookies,
  serializeCookie,
} from "@moonbridge/headers";
export * as http from "@moonbridge/http";
export {
  fetchHandler,
  generateHandler,
  HttpError,
  type HttpOptions,
  HttpRequest,
  Request,
} from "@moonbridge/http";
export { HttpParserError, RequestParser } from "@moonbridge/http-parser";
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
export { resetTimeouts, TimeoutError, timeout } from "@moonbridge/timeout";
