// Public surface of @moonbridge/timeout.
export { TimeoutError, type TimeoutErrorCode } from "./errors";
export { lastReply, lastWords, resetTimeouts, timeout } from "./timeout";
