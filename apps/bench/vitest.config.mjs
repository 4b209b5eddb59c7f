// The bench's tests check that the competitors agree on every corpus item and
// that the harness reports what it measured; they never assert timings.
import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "bench", include: ["test/**/*.test.mjs"] },
});
