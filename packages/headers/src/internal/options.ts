// The unknown-key check and the way a bad value is shown, for serializeCookie's
// options: the same lines in every package's options file (each package stands
// alone), kept in step (see docs/architecture.md, "Errors and options").

/**
 * The complaint about the first own key of `options` not in `known`, or
 * undefined if every key is known. A known name written another way
 * (`max_size`, `max-size`, `MaxSize`) or a letter or two off gets "did you
 * mean maxSize?"; any other key gets the list of known names.
 */
export function unknownOption(options: object, known: readonly string[]): string | undefined {
  for (const key in options) {
    if (!Object.hasOwn(options, key) || known.includes(key)) continue;
    const folded = fold(key);
    let meant: string | undefined;
    let fewest = folded.length < 6 ? 2 : 3; // one edit more than a near miss may have
    for (const name of known) {
      const count = edits(folded, fold(name));
      if (count < fewest) [meant, fewest] = [name, count];
    }
    const hint =
      meant === undefined ? `known options: ${known.join(", ")}` : `did you mean ${meant}?`;
    return `unknown option ${JSON.stringify(key)}; ${hint}`;
  }
  return undefined;
}

/** A name without case, `_` and `-`: `max_size`, `max-size` and `MaxSize` fold alike. */
function fold(name: string): string {
  return name.replace(/[-_]/g, "").toLowerCase();
}

/** Letters inserted, deleted or replaced to make `a` into `b` (Levenshtein). */
function edits(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const replace = (row[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      next.push(Math.min((row[j] as number) + 1, (next[j - 1] as number) + 1, replace));
    }
    row = next;
  }
  return row[b.length] as number;
}

/** A value as a message shows it: short, never a whole object or long string. */
export function shown(value: unknown): string {
  if (typeof value === "string")
    return value.length <= 32 ? JSON.stringify(value) : `a string of ${value.length} characters`;
  if (typeof value === "function") return "a function";
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value !== "object" || value === null) return String(value);
  return Array.isArray(value) ? "an array" : "an object";
}
