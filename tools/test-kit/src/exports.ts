// The shared part of each package's exports test, which pins its public
// surface as built: what the build has at run time through import and require
// must be what its .d.ts declares as values, and the package's test snapshots
// every name with its kind (runtime kinds from dist/index.js, type-only names
// from the .d.ts, re-exported ones included).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { expect, it } from "vitest";
import { loadBuild } from "./build";

/** Each name a .d.ts exports, true if type-only; a re-export's is looked up in its own .d.ts. */
function declared(file: string | URL): Map<string, boolean> {
  const names = new Map<string, boolean>();
  const text = readFileSync(file, "utf8");
  for (const [, list = "", from] of text.matchAll(/^export \{([^}]*)\}(?: from '(.+)')?;$/gm)) {
    const origin = from
      ? declared(createRequire(file).resolve(from).replace(/c?js$/, "d.ts"))
      : null;
    for (const item of list.split(",")) {
      const [, type, local = "", name = local] =
        /^\s*(type )?(\S+)(?: as (\S+))?\s*$/.exec(item) ?? [];
      names.set(name, type !== undefined || origin?.get(local) === true);
    }
  }
  return names;
}

/** "class", "function", "object" or "constant": what a runtime export is. */
function kind(value: unknown): string {
  if (typeof value !== "function")
    return value && typeof value === "object" ? "object" : "constant";
  return /^class\b/.test(Function.prototype.toString.call(value)) ? "class" : "function";
}
const kinds = (module: Record<string, unknown>) =>
  Object.fromEntries(Object.keys(module).map((name) => [name, kind(module[name])]));

/**
 * Registers the test that the build has at run time, through import and
 * require alike, what its .d.ts declares as values; returns each name the
 * package exports with its kind ("class", "function", "object", "constant",
 * or "type" for a type-only one), for the package's own inline snapshot.
 * Throws `no dist/<file>: run \`pnpm build\`` before the build is there.
 *
 * @param dist - The package's dist/ folder, as a URL that ends in "/".
 * @example
 * ```ts
 * const surface = await checkExports(new URL("../dist/", import.meta.url));
 * it("exports these names, of these kinds", () => {
 *   expect(surface).toMatchInlineSnapshot();
 * });
 * ```
 */
export async function checkExports(dist: URL): Promise<Record<string, string>> {
  const { esm, cjs } = await loadBuild(dist);
  const exported = [...declared(new URL("index.d.ts", dist))];

  it("has at run time, through import and require alike, what its .d.ts declares as values", () => {
    const values = exported.filter(([, type]) => !type).map(([name]) => name);
    expect(Object.keys(esm).sort(), "index.js (+), index.d.ts (-)").toEqual(values.sort());
    expect(kinds(cjs), "index.cjs (+), index.js (-)").toEqual(kinds(esm));
  });

  const types = exported.filter(([, type]) => type).map(([name]) => [name, "type"]);
  return { ...kinds(esm), ...Object.fromEntries(types) };
}
