// The built declarations as an application's compiler sees them:
// test/public-types.test-d.ts, made to import dist/index.js (ESM, its
// index.d.ts) and dist/index.cjs (CommonJS, its index.d.cts) instead of the
// sources, must compile with strict options and without
// noUncheckedIndexedAccess, which the repository's own checks turn on and
// which would hide a table typed without undefined. Run
// `pnpm --filter @moonbridge/http build` first, as the root `pnpm test` does.

import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const tsc = join(
  createRequire(import.meta.url).resolve("typescript/package.json"),
  "..",
  "bin",
  "tsc",
);

/** An application's options: strict, and nothing stricter than most. */
const userOptions = {
  strict: true,
  noEmit: true,
  target: "ES2022",
  lib: ["ES2022"],
  module: "ESNext",
  moduleResolution: "Bundler",
  types: ["node"],
  skipLibCheck: true,
};

it("the built .d.ts and .d.cts pass the public type tests, without noUncheckedIndexedAccess", async () => {
  const source = await readFile(join(packageDir, "test", "public-types.test-d.ts"), "utf8");
  const from = 'from "../src/index";';
  expect(source.split(from)).toHaveLength(2); // the one import that is redirected
  // Under node_modules, where vitest and @types/node resolve as from the package, and no
  // tsconfig of the repository includes it.
  const cache = join(packageDir, "node_modules", ".cache");
  await mkdir(cache, { recursive: true });
  const dir = await mkdtemp(join(cache, "declarations-"));
  try {
    const files: string[] = [];
    for (const build of ["index.js", "index.cjs"]) {
      const file = `public-types.${build.replace(".", "-")}.ts`;
      const dist = JSON.stringify(join(packageDir, "dist", build));
      await writeFile(join(dir, file), source.replace(from, `from ${dist};`));
      files.push(file);
    }
    await writeFile(
      join(dir, "tsconfig.json"),
      JSON.stringify({ compilerOptions: userOptions, files }),
    );
    const output = await new Promise<string>((resolve) => {
      execFile(process.execPath, [tsc, "-p", dir], { encoding: "utf8" }, (error, stdout, stderr) =>
        resolve(error === null ? "" : `${stdout}${stderr}` || String(error)),
      );
    });
    expect(output).toBe("");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
