// Header lines as sent ("Name: value\r\n"), remembered per name with the last
// value: most responses of a worker repeat theirs (Content-Type, Cache-Control),
// and a repeat is the same string again, not three joins on the heap.
// Module state: a package loaded twice (import and require) has a table per
// copy, which is only a duplicate cache; nothing needs it once per process.

/** Names remembered at most; past it the table starts afresh (an app that makes up names). */
const MAX_NAMES = 64;
/** Longer values are not kept: the table holds little, whatever the app sends. */
const MAX_VALUE_LENGTH = 256;

const lines = new Map<string, { value: string; line: string }>();

/** `${name}: ${value}\r\n`, for a name and value already checked. */
export function headerLine(name: string, value: string): string {
  const known = lines.get(name);
  if (known !== undefined && known.value === value) return known.line;
  const line = `${name}: ${value}\r\n`;
  if (value.length > MAX_VALUE_LENGTH) return line;
  if (known !== undefined) {
    known.value = value;
    known.line = line;
  } else {
    if (lines.size >= MAX_NAMES) lines.clear();
    lines.set(name, { value, line });
  }
  return line;
}
