// A read-only, lazily filled lookup table behind a Proxy: Moonbridge's Lua
// tables with an __index metamethod, in TypeScript. Keys are folded (lowercase
// for header names) before lookup; each folded key is computed once and cached.
// The cache is a Map and the target has no prototype, so names such as
// "__proto__" or "toString" are lookups like any other and never reach
// Object.prototype.

/** What a view shows; keys passed in are already folded. */
export interface ViewSource<T> {
  /** Folds a key the way the view compares keys. */
  fold(key: string): string;
  /** The value for a folded key, present or not (absent keys get a default). */
  compute(key: string): T;
  /** Whether a folded key is present. */
  has(key: string): boolean;
  /** The present folded keys, in order of first appearance. */
  keys(): Iterable<string>;
}

/**
 * A read-only table indexed by any string (folded as the view says) and
 * iterable as `[key, value]` pairs of the present keys.
 */
export type View<T> = Record<string, T> & Iterable<[string, T]>;

const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/** Creates a view; `tag` names it in `String(view)` and in Node's inspector. */
export function createView<T>(tag: string, source: ViewSource<T>): View<T> {
  const cache = new Map<string, T>();
  const lookup = (prop: string): T => {
    const key = source.fold(prop);
    if (cache.has(key)) return cache.get(key) as T;
    const value = source.compute(key);
    cache.set(key, value);
    return value;
  };
  function* entries(): IterableIterator<[string, T]> {
    for (const key of source.keys()) yield [key, lookup(key)];
  }
  const snapshot = (): Record<string, T> => Object.fromEntries(entries());
  const symbols: Record<symbol, unknown> = {
    [Symbol.iterator]: entries,
    [Symbol.toStringTag]: tag,
    [Symbol.toPrimitive]: (hint: string) => (hint === "number" ? Number.NaN : `[object ${tag}]`),
  };

  // Node's inspector looks at a proxy's target, not through its traps.
  const target = Object.create(null) as object;
  Object.defineProperty(target, INSPECT, {
    configurable: true,
    value: (_depth: number, options: unknown, inspect: (v: unknown, o: unknown) => string) =>
      `${tag} ${inspect(snapshot(), options)}`,
  });

  return new Proxy(target, {
    get: (_t, prop) => (typeof prop === "symbol" ? symbols[prop] : lookup(prop)),
    has: (_t, prop) => (typeof prop === "symbol" ? prop in symbols : source.has(source.fold(prop))),
    ownKeys: () => Array.from(source.keys()),
    getOwnPropertyDescriptor: (_t, prop) =>
      typeof prop === "string" && source.has(source.fold(prop))
        ? { value: lookup(prop), writable: false, enumerable: true, configurable: true }
        : undefined,
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
    setPrototypeOf: () => false,
    preventExtensions: () => false,
  }) as View<T>;
}
