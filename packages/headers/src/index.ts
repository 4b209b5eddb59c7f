// Public surface of @moonbridge/headers.
export { parseCookies } from "./cookies";
export { HeadersError, type HeadersErrorCode } from "./errors";
export { type HeaderView, HeaderViews } from "./header-views";
export { type CookieOptions, serializeCookie } from "./set-cookie";
