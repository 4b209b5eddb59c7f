// Public surface of @moonbridge/timeout.
export { TimeoutError, type TimeoutErrorCode } from "./errors";
export { lastWords, resetTimeouts, timeout } from "./timeout";
