import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "body-parser", include: ["test/**/*.test.ts"], testTimeout: 120_000 },
});
