// Pins the package's public surface as built (each export and its kind), so that changing it is
// deliberate: after such a change, run `pnpm build`, then `vitest run -u`, and review the diff.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { expect, it } from "vitest";

const dist = new URL("../dist/", import.meta.url);
for (const file of ["index.js", "index.cjs", "index.d.ts"]) {
  if (!existsSync(new URL(file, dist))) throw new Error(`no dist/${file}: run \`pnpm build\``);
}
const esm: Record<string, unknown> = await import(new URL("index.js", dist).href);
const cjs: Record<string, unknown> = createRequire(dist)("./index.cjs");

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

function kind(value: unknown): string {
  if (typeof value !== "function")
    return value && typeof value === "object" ? "object" : "constant";
  return /^class\b/.test(Function.prototype.toString.call(value)) ? "class" : "function";
}
const kinds = (module: Record<string, unknown>) =>
  Object.fromEntries(Object.keys(module).map((name) => [name, kind(module[name])]));
const exported = [...declared(new URL("index.d.ts", dist))];

it("has at run time, through import and require alike, what its .d.ts declares as values", () => {
  const values = exported.filter(([, type]) => !type).map(([name]) => name);
  expect(Object.keys(esm).sort(), "index.js (+), index.d.ts (-)").toEqual(values.sort());
  expect(kinds(cjs), "index.cjs (+), index.js (-)").toEqual(kinds(esm));
});

it("exports these names, of these kinds", () => {
  const types = exported.filter(([, type]) => type).map(([name]) => [name, "type"]);
  expect({ ...kinds(esm), ...Object.fromEntries(types) }).toMatchInlineSnapshot(`
    {
      "DEFAULT_PARK_TIMEOUT": "constant",
      "DetachedSocket": "type",
      "MoonInput": "type",
      "MoonListener": "class",
      "MoonListenerOptions": "type",
      "MoonOutput": "type",
      "MoonSocket": "class",
      "MoonSocketError": "class",
      "MoonSocketErrorCode": "type",
      "MoonSocketOptions": "type",
      "MoonSocketUsageCode": "type",
      "OutputData": "type",
      "ParkOptions": "type",
      "ParkedSocket": "type",
      "ParkingLot": "type",
      "PollReadable": "type",
      "PollWritable": "type",
      "ReadFormat": "type",
      "TurnKeeper": "type",
      "poll": "function",
    }
  `);
});
