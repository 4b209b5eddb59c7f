// Hostile variants of generated multipart bodies: bytes flipped, inserted
// (delimiters, CRLFs, header fragments, huge headers) and deleted, bodies
// truncated, delimiters duplicated and dropped, CRLFs broken. Each result
// says what was done to it, for failure messages.

import fc from "fast-check";
import { bytesOf, latin1, utf8 } from "./bytes";
import {
  type BodyOptions,
  type GeneratedBody,
  type HostileBody,
  multipartBodies,
  printable,
} from "./generate";

/** One hostile change to a body. Positions are drawn as naturals and taken modulo the length. */
export type Mutation =
  | { kind: "flip"; at: number; byte: number }
  | { kind: "insert"; at: number; what: number }
  | { kind: "delete"; at: number; count: number }
  | { kind: "truncate"; at: number }
  | { kind: "duplicateDelimiter"; occurrence: number; at: number; close: boolean }
  | { kind: "breakCrlf"; occurrence: number; how: number }
  | { kind: "dropDelimiter"; occurrence: number }
  | { kind: "headerLine"; occurrence: number; what: number };

/** What `insert` and `headerLine` put in: bytes that matter to a multipart parser. */
function insertion(what: number, b: string): string {
  const all = [
    "\r\n",
    "\r",
    "\n",
    "--",
    "-",
    ":",
    ";",
    '"',
    "\\",
    " ",
    "\t",
    "\x00",
    "\xff",
    `--${b}`,
    `\r\n--${b}`,
    `\r\n--${b}\r\n`,
    `\r\n--${b}--`,
    `\r\n--${b}--\r\n`,
    `\r\n--${b} \r\n`,
    `\r\n--${b}x\r\n`,
    "\r\n\r\n",
    'Content-Disposition: form-data; name="a"\r\n',
    'Content-Disposition: form-data; filename="b"\r\n',
    "Content-Disposition: attachment\r\n",
    "Content-Type: text/plain\r\n",
    "Content-Transfer-Encoding: base64\r\n",
    "Content-Transfer-Encoding: quoted-printable\r\n",
    "Content-Transfer-Encoding: BINARY\r\n",
    " folded\r\n",
    "NoColon\r\n",
    ": no name\r\n",
    "Bad Name: x\r\n",
    `X-Big: ${"a".repeat(17000)}\r\n`,
    "filename*=UTF-8''%E2%82%AC",
    "filename*=UTF-8''%zz",
    "filename*=ISO-8859-1''%E9",
    "name*=UTF-8''n",
    'name="dup"',
  ];
  return all[what % all.length] as string;
}

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), byte: fc.nat(255) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), what: fc.nat() }),
  fc.record({
    kind: fc.constant("delete" as const),
    at: fc.nat(),
    count: fc.integer({ min: 1, max: 8 }),
  }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("duplicateDelimiter" as const),
    occurrence: fc.nat(),
    at: fc.nat(),
    close: fc.boolean(),
  }),
  fc.record({ kind: fc.constant("breakCrlf" as const), occurrence: fc.nat(), how: fc.nat(5) }),
  fc.record({ kind: fc.constant("dropDelimiter" as const), occurrence: fc.nat() }),
  fc.record({ kind: fc.constant("headerLine" as const), occurrence: fc.nat(), what: fc.nat() }),
);

/** Offsets of every occurrence of `needle` in `s`. */
function occurrences(s: string, needle: string): number[] {
  const found: number[] = [];
  for (let i = s.indexOf(needle); i !== -1; i = s.indexOf(needle, i + 1)) found.push(i);
  return found;
}

const show = (s: string) => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}...` : s);

/** Applies one mutation to a latin1 string; returns the result and what was done. */
function applyMutation(s: string, b: string, m: Mutation): [string, string] {
  const at = (n: number) => (s.length === 0 ? 0 : n % (s.length + 1));
  const dashBoundary = `--${b}`;
  switch (m.kind) {
    case "flip": {
      const i = s.length === 0 ? 0 : m.at % s.length;
      if (s.length === 0) return [s, "flip (empty)"];
      return [
        s.slice(0, i) + String.fromCharCode(m.byte) + s.slice(i + 1),
        `flip ${i} to ${m.byte}`,
      ];
    }
    case "insert": {
      const i = at(m.at);
      const text = latin1(utf8(insertion(m.what, b)));
      return [s.slice(0, i) + text + s.slice(i), `insert ${show(text)} at ${i}`];
    }
    case "delete": {
      const i = at(m.at);
      return [s.slice(0, i) + s.slice(i + m.count), `delete ${m.count} at ${i}`];
    }
    case "truncate": {
      const i = at(m.at);
      return [s.slice(0, i), `truncate at ${i}`];
    }
    case "duplicateDelimiter": {
      const found = occurrences(s, dashBoundary);
      const text = m.close ? `\r\n${dashBoundary}--\r\n` : `\r\n${dashBoundary}\r\n`;
      if (found.length === 0) {
        const i = at(m.at);
        return [s.slice(0, i) + text + s.slice(i), `insert delimiter at ${i}`];
      }
      // Copy a delimiter line (to its LF) right after itself, or put one at a random place.
      const start = found[m.occurrence % found.length] as number;
      if (m.at % 2 === 0) {
        const lf = s.indexOf("\n", start);
        const end = lf === -1 ? s.length : lf + 1;
        const line = s.slice(start, end);
        return [s.slice(0, end) + line + s.slice(end), `duplicate delimiter line at ${start}`];
      }
      const i = at(m.at);
      return [
        s.slice(0, i) + text + s.slice(i),
        `insert ${m.close ? "close " : ""}delimiter at ${i}`,
      ];
    }
    case "dropDelimiter": {
      const found = occurrences(s, dashBoundary);
      if (found.length === 0) return [s, "drop delimiter (none)"];
      const start = found[m.occurrence % found.length] as number;
      return [
        s.slice(0, start) + s.slice(start + dashBoundary.length),
        `drop delimiter at ${start}`,
      ];
    }
    case "breakCrlf": {
      const found = occurrences(s, "\r\n");
      if (found.length === 0) return [s, "break CRLF (none)"];
      const i = found[m.occurrence % found.length] as number;
      const into = ["\n", "\r", "\n\r", "\r\r\n", "", "\r\n\r\n"][m.how] as string;
      return [s.slice(0, i) + into + s.slice(i + 2), `CRLF at ${i} -> ${show(into)}`];
    }
    case "headerLine": {
      // Put a header line (or a fragment) right after a delimiter line.
      const found = occurrences(s, dashBoundary);
      if (found.length === 0) return [s, "header line (no delimiter)"];
      const start = found[m.occurrence % found.length] as number;
      const lf = s.indexOf("\n", start);
      const i = lf === -1 ? s.length : lf + 1;
      const text = latin1(utf8(insertion(m.what, b)));
      return [s.slice(0, i) + text + s.slice(i), `header line ${show(text)} at ${i}`];
    }
  }
}

/** Applies `mutations` in order to a body. */
export function mutate(input: GeneratedBody, mutations: readonly Mutation[]): HostileBody {
  let s = latin1(input.body);
  const done: string[] = [];
  for (const m of mutations) {
    const [next, what] = applyMutation(s, input.boundary, m);
    s = next;
    done.push(what);
  }
  return printable({
    body: bytesOf(s),
    boundary: input.boundary,
    description: `${input.description} || mutated: ${done.join("; ")}`,
  });
}

/** Well-formed bodies with 1-4 hostile mutations. */
export function hostileBodies(options: BodyOptions = {}): fc.Arbitrary<HostileBody> {
  return fc
    .tuple(multipartBodies(options), fc.array(mutation, { minLength: 1, maxLength: 4 }))
    .map(([input, mutations]) => mutate(input, mutations));
}

/** Mostly mutated, some untouched: the mix the fuzz test feeds. */
export function anyBodies(options: BodyOptions = {}): fc.Arbitrary<HostileBody> {
  return fc.oneof(
    {
      weight: 1,
      arbitrary: multipartBodies(options).map(({ body, boundary, description }) =>
        printable({ body, boundary, description }),
      ),
    },
    { weight: 3, arbitrary: hostileBodies(options) },
  );
}
