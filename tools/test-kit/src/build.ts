// Loads a package's build twice in one process, as an app meets it when it
// imports the package and a dependency requires it: dist/index.js through
// import, dist/index.cjs through require. The exports and dual-package tests
// start here, and say what to run when there is no build yet.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";

/** The two copies of one build in this process. */
export interface Copies<Copy> {
  /** dist/index.js, loaded through import. */
  readonly esm: Copy;
  /** dist/index.cjs, loaded through require. */
  readonly cjs: Copy;
}

/** What the tests read of a build. */
const BUILD_FILES = ["index.js", "index.cjs", "index.d.ts"];

/**
 * Loads `dist/index.js` through import and `dist/index.cjs` through require,
 * once the build is there; throws `no dist/<file>: run \`pnpm build\`` when a
 * file of it is missing.
 *
 * @param dist - The package's dist/ folder, as a URL that ends in "/".
 * @example
 * ```ts
 * import type * as Package from "../src/index";
 * const { esm, cjs } = await loadBuild<typeof Package>(new URL("../dist/", import.meta.url));
 * ```
 */
export async function loadBuild<Copy = Record<string, unknown>>(dist: URL): Promise<Copies<Copy>> {
  for (const file of BUILD_FILES) {
    if (!existsSync(new URL(file, dist))) throw new Error(`no dist/${file}: run \`pnpm build\``);
  }
  const esm = (await import(new URL("index.js", dist).href)) as Copy;
  const cjs = createRequire(dist)("./index.cjs") as Copy;
  return { esm, cjs };
}
