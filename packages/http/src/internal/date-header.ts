// The Date header (RFC 9110 section 6.6.1), made once per second rather than
// once per response.

let second = -1;
let line = "";

/** `Date: <IMF-fixdate>\r\n` for the current second. */
export function dateLine(): string {
  const now = Date.now();
  const current = Math.floor(now / 1000);
  if (current !== second) {
    second = current;
    line = `Date: ${new Date(now).toUTCString()}\r\n`;
  }
  return line;
}
