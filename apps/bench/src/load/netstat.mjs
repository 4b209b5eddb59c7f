// The kernel's TCP counters from /proc/net/netstat, for what a server's
// clients cannot see: ListenOverflows counts connections the kernel dropped
// because a listening socket's accept queue was full (a server that accepts
// too slowly for a burst). The counters are the whole machine's (every
// network namespace's own, in fact): a bench reads them before and after and
// says so. Linux only.
import { readFileSync } from "node:fs";

/**
 * One counter from the text of /proc/net/netstat: pairs of lines, "Group:
 * names..." then "Group: values...".
 * @param {string} text
 * @param {string} group e.g. "TcpExt"
 * @param {string} name e.g. "ListenOverflows"
 * @returns {number | undefined} undefined when the kernel does not have it.
 * @example
 * netstatCounter("TcpExt: A B\nTcpExt: 1 2\n", "TcpExt", "B"); // 2
 */
export function netstatCounter(text, group, name) {
  const lines = text.split("\n");
  for (let i = 0; i + 1 < lines.length; i++) {
    const names = /** @type {string} */ (lines[i]).split(" ");
    const values = /** @type {string} */ (lines[i + 1]).split(" ");
    if (names[0] !== `${group}:` || values[0] !== `${group}:`) continue;
    const at = names.indexOf(name);
    if (at < 1) return undefined;
    const value = Number(values[at]);
    return Number.isInteger(value) ? value : undefined;
  }
  return undefined;
}

/** TcpExt ListenOverflows of the machine now, or undefined where it cannot be read. */
export function listenOverflows() {
  try {
    return netstatCounter(readFileSync("/proc/net/netstat", "utf8"), "TcpExt", "ListenOverflows");
  } catch {
    return undefined;
  }
}
