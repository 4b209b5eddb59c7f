/** Whether a callback's result is to be awaited (a promise, or anything with a then method). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}
