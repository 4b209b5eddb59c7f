// The one tsup configuration every publishable package builds with: ESM + CJS
// + .d.ts/.d.cts, so the exports map of the package template (docs/architecture.md)
// always has its files.
import type { Options } from "tsup";

/** Build options for a package; `entry` lists its public entry points. */
export function packageConfig(entry: Record<string, string>, overrides: Options = {}): Options {
  return {
    entry,
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "node20",
    splitting: false,
    treeshake: true,
    ...overrides,
  };
}
