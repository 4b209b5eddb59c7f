// A part's file name as a server may use it: the base name of whatever path
// the client sent (RFC 7578 section 4.2: "do not use directory path
// information that may be present"). Old Internet Explorer sends the whole
// Windows path, `C:\files\a.txt`, its backslashes unescaped; busboy keeps
// what follows the last `/` or `\`, and so do we.

const SLASH = 0x2f;
const BACKSLASH = 0x5c;

/**
 * What follows the last `/` or `\` of `path` (all of it without one); `.`
 * and `..` become `""`, as a path ending in a separator does: a name that
 * names no file (busboy's rule).
 */
export function baseName(path: string): string {
  let i = path.length;
  while (i > 0) {
    const c = path.charCodeAt(i - 1);
    if (c === SLASH || c === BACKSLASH) break;
    i--;
  }
  const base = i === 0 ? path : path.slice(i);
  return base === "." || base === ".." ? "" : base;
}
