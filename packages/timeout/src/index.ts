// Public surface of @moonbridge/timeout.
export { resetTimeouts, timeout } from "./timeout";
