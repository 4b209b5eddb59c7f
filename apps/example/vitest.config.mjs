// End-to-end tests of the example application: each starts the real app
// (supervisor and workers) on 127.0.0.1 and a free port, and stops it.
import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "example",
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
