// Public surface of @moonbridge/timeout.
export { TimeoutError, type TimeoutErrorCode } from "./errors";
export { resetTimeouts, timeout } from "./timeout";
