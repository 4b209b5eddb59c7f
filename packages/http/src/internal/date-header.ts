// The Date header (RFC 9110 section 6.6.1), made once per second rather than
// once per response. Whether the second has changed is told by the monotonic
// clock (a fast call), not by Date.now() (a call into V8's runtime); the wall
// clock is read only to make the next second's line, so a clock that is set
// shows within a second. The cache is module state: an app that loads the
// package twice (import and require) has one per copy, each right on its
// own, so it need not be shared per process (unlike unhandled-rejections.ts).

import { performance } from "node:perf_hooks";

let line = "";
/** When (performance.now() ms) the current line's second ends. */
let validUntil = Number.NEGATIVE_INFINITY;

/** `Date: <IMF-fixdate>\r\n` for the current second. */
export function dateLine(): string {
  const tick = performance.now();
  if (tick < validUntil) return line;
  const now = Date.now();
  line = `Date: ${new Date(now).toUTCString()}\r\n`;
  // Date.now() drops the fraction of its millisecond: the second may end up to
  // 1 ms sooner than 1000 - now % 1000 says, so the line is remade early, not late.
  validUntil = tick + (999 - (now % 1000));
  return line;
}
