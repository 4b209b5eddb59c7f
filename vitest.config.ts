// Runs every package's tests from the root in one process (`pnpm vitest`);
// turbo runs them package by package (`pnpm test`).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: ["packages/*", "apps/*"],
  },
});
