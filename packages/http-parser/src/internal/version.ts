// The HTTP-version of a start line, `HTTP/DIGIT.DIGIT` (RFC 9112 section 2.3),
// as both parsers read it: a whole-token check for the usual 1.0 and 1.1, and
// the byte-by-byte rule for everything else.

/** Whether `data` holds "HTTP/1.1" or "HTTP/1.0" at `i` (8 bytes must be there). */
export function isHttp1Version(data: Uint8Array, i: number): boolean {
  return (
    data[i] === 0x48 &&
    data[i + 1] === 0x54 &&
    data[i + 2] === 0x54 &&
    data[i + 3] === 0x50 &&
    data[i + 4] === 0x2f &&
    data[i + 5] === 0x31 &&
    data[i + 6] === 0x2e &&
    (data[i + 7] === 0x31 || data[i + 7] === 0x30)
  );
}

const PREFIX = "HTTP/";

/** Whether byte `c` may be byte `k` (0 to 7) of `HTTP/DIGIT.DIGIT`. */
export function isVersionByte(c: number, k: number): boolean {
  return k < 5 ? c === PREFIX.charCodeAt(k) : k === 6 ? c === 0x2e : c >= 0x30 && c <= 0x39;
}
