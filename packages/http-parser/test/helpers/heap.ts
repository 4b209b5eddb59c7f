// The heap after full collections, for the fuzz tests' leak checks: V8's gc
// is exposed at run time, so the suite needs no node flag.
import v8 from "node:v8";
import { runInNewContext } from "node:vm";

v8.setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Bytes of heap in use after two full collections. */
export function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}
