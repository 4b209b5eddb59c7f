#!/usr/bin/env node
// Checks every publishable package under packages/ the way a user meets it:
// the package template (docs/architecture.md), who may import whom, that Node
// internals are reached from one module only, publint --strict, attw, and
// a smoke test that packs it, checks the tarball carries the LICENSE, installs
// it with npm into a scratch project outside the workspace, loads it with
// import and require, and runs the README's ```js examples there. New packages
// are found, not listed, so nobody has to remember to add them. What a user
// would miss but cannot be fixed here yet (no repository URL) is a warning,
// printed after the package's line, not a failure.
//
// Usage: node scripts/check-packages.mjs [package-dir-name ...]   (default: all)
// Needs `pnpm build` first (the root `pnpm test` does that).

import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve, sep } from "node:path";

const root = resolve(import.meta.dirname, "..");
const packagesDir = join(root, "packages");
const bin = (name) => join(root, "node_modules", ".bin", name);

// docs/architecture.md, "Import rules". Pure packages run on Uint8Array anywhere.
const ALLOWED_DEPS = {
  "@moonbridge/headers": [],
  "@moonbridge/http-parser": [],
  "@moonbridge/body-parser": [],
  "@moonbridge/socket": [],
  "@moonbridge/timeout": [],
  "@moonbridge/supervisor": ["@moonbridge/socket", "@moonbridge/timeout"],
  "@moonbridge/http": [
    "@moonbridge/http-parser",
    "@moonbridge/body-parser",
    "@moonbridge/headers",
    "@moonbridge/socket",
    "@moonbridge/timeout",
    "mime-types", // the media types of sendFile (docs/architecture.md, "Import rules")
  ],
  moonbridge: [
    "@moonbridge/headers",
    "@moonbridge/http-parser",
    "@moonbridge/body-parser",
    "@moonbridge/socket",
    "@moonbridge/timeout",
    "@moonbridge/supervisor",
    "@moonbridge/http",
  ],
};
// Pure packages claim no runtime: no `engines` (issue #26; their README says
// which runtimes are tested). The Node packages need `engines.node`.
const PURE = new Set(["@moonbridge/headers", "@moonbridge/http-parser", "@moonbridge/body-parser"]);
const NODE_ENGINES = ">=20";
// Every package ships the repository's LICENSE, the same text.
const LICENSE = readFileSync(join(root, "LICENSE"), "utf8");
// npm shows these on the package's page; the project has no public URL yet.
const LINK_FIELDS = ["repository", "homepage", "bugs"];

// Issue #26: each package that uses Node internals (process.binding, underscore
// properties of Node objects, child_process's private symbols) reaches them in
// one module, which checks them and says why in its header; no other source
// file may. A grep-level check, on the code with its comments taken out.
const NODE_INTERNALS_MODULES = new Set([
  "packages/socket/src/internal/node-internals.ts",
  "packages/supervisor/src/internal/node-internals.ts",
]);
const NODE_INTERNALS_USES = [
  [/\binternalBinding\b/, "internalBinding"],
  [/\bprocess\b.*\bbinding\b|\.\s*binding\s*\(|\bbinding\s*\(\s*["'`]/, "process.binding"],
  [/\.\s*_[A-Za-z$]|\[\s*["'`]_[A-Za-z$]/, "an underscore property (._name)"],
  [
    /\{\s*_[A-Za-z$][\w$]*\??\s*[:,}=]|\b_(?:handle|readableState|writableState)\b/,
    "an underscore property ({ _name } or _handle)",
  ],
  [/\bgetOwnPropertySymbols\b|\bkChannelHandle\b/, "a private symbol of a Node object"],
];
/** Source text without its comments: block comments that open a line, and // after a space (a grep, not a parser). */
const withoutComments = (code) =>
  code
    .replace(/^[ \t]*\/\*[\s\S]*?\*\//gm, (block) => block.replace(/[^\n]/g, ""))
    .replace(/(^|\s)\/\/.*$/gm, "$1");

/** Source files of the package, other than its node-internals module, that reach Node internals. */
function nodeInternalsProblems({ path }) {
  const src = join(path, "src");
  if (!existsSync(src)) return [];
  const problems = [];
  for (const file of readdirSync(src, { recursive: true })) {
    if (!/\.[cm]?[jt]sx?$/.test(String(file))) continue;
    const where = relative(root, join(src, String(file)))
      .split(sep)
      .join("/");
    if (NODE_INTERNALS_MODULES.has(where)) continue;
    const lines = withoutComments(readFileSync(join(src, String(file)), "utf8")).split("\n");
    lines.forEach((line, index) => {
      const use = NODE_INTERNALS_USES.find(([pattern]) => pattern.test(line));
      if (use !== undefined)
        problems.push(
          `${where}:${index + 1} uses ${use[1]}: Node internals only in ${[...NODE_INTERNALS_MODULES].join(" or ")}`,
        );
    });
  }
  return problems;
}

const readJson = (path) => JSON.parse(readFileSync(path, "utf8"));
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** Every package directory under packages/, by package name. */
function workspacePackages() {
  const byName = new Map();
  for (const dir of readdirSync(packagesDir)) {
    const manifest = join(packagesDir, dir, "package.json");
    if (existsSync(manifest))
      byName.set(readJson(manifest).name, {
        dir,
        path: join(packagesDir, dir),
        pkg: readJson(manifest),
      });
  }
  return byName;
}

/** Problems with the package template (docs/architecture.md). */
function templateProblems({ path, pkg }) {
  const problems = [];
  const expect = (ok, what) => ok || problems.push(what);
  expect(pkg.type === "module", '"type": "module"');
  expect(pkg.sideEffects === false, '"sideEffects": false');
  // A package with a command adds bin/: its entry is a source file, so that a
  // workspace install can link the command before the package is built.
  const files = pkg.bin === undefined ? '["dist"]' : '["dist","bin"]';
  expect(JSON.stringify(pkg.files) === files, `"files": ${files}`);
  for (const target of Object.values(pkg.bin ?? {}))
    expect(String(target).startsWith("./bin/"), `bin entries under ./bin/ (${target})`);
  if (PURE.has(pkg.name)) expect(pkg.engines === undefined, 'no "engines" (a pure package)');
  else expect(pkg.engines?.node === NODE_ENGINES, `"engines": { "node": "${NODE_ENGINES}" }`);
  expect(pkg.license === "MIT", '"license": "MIT"');
  expect(
    existsSync(join(path, "LICENSE")) && readFileSync(join(path, "LICENSE"), "utf8") === LICENSE,
    "LICENSE, a copy of the repository's",
  );
  expect(pkg.publishConfig?.access === "public", '"publishConfig": { "access": "public" }');
  expect(pkg.exports?.["./package.json"] === "./package.json", 'exports["./package.json"]');
  for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
    if (subpath === "./package.json") continue;
    for (const condition of ["import", "require"]) {
      const entry = target?.[condition];
      expect(
        entry?.types && entry?.default,
        `exports["${subpath}"].${condition} with types and default`,
      );
    }
    expect(!("types" in (target ?? {})), `exports["${subpath}"] without a lone top-level types`);
  }
  for (const file of [
    "README.md",
    "src/index.ts",
    "tsup.config.ts",
    "tsconfig.json",
    "vitest.config.ts",
  ]) {
    expect(existsSync(join(path, file)), file);
  }
  const tests = existsSync(join(path, "test"))
    ? readdirSync(join(path, "test"), { recursive: true })
    : [];
  expect(
    tests.some((f) => String(f).endsWith(".test.ts")),
    "tests under test/ (*.test.ts)",
  );
  for (const script of ["build", "typecheck", "lint", "test"])
    expect(pkg.scripts?.[script], `scripts.${script}`);

  const allowed = ALLOWED_DEPS[pkg.name];
  if (!allowed) {
    problems.push(
      `an entry in ALLOWED_DEPS of scripts/check-packages.mjs (and in docs/architecture.md)`,
    );
  } else {
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies })) {
      if (!allowed.includes(dep))
        problems.push(`no dependency on ${dep} (docs/architecture.md, import rules)`);
    }
  }
  if (PURE.has(pkg.name)) {
    for (const file of readdirSync(join(path, "dist")).filter((f) => /\.(c?js)$/.test(f))) {
      const code = readFileSync(join(path, "dist", file), "utf8");
      if (
        /\b(?:from|import|require)\s*\(?\s*["'](?:node:|fs|net|os|path|child_process|buffer|stream)/.test(
          code,
        )
      ) {
        problems.push(`no Node imports in a pure package (dist/${file})`);
      }
    }
  }
  return problems.map((p) => `missing or wrong: ${p}`);
}

/** What a user would miss that the check does not fail on. */
function templateWarnings({ pkg }) {
  const missing = LINK_FIELDS.filter((field) => pkg[field] === undefined);
  return missing.length === 0
    ? []
    : [`no ${missing.map((f) => `"${f}"`).join(", ")} (no public repository URL yet)`];
}

const ANSI_COLOR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

/** publint's suggestions (never failures, even with --strict), from its output. */
function publintSuggestions(output, pkg) {
  const plain = output.replace(ANSI_COLOR, "");
  const section = plain.split(/^Suggestions:$/m)[1]?.split(/^\S.*:$/m)[0] ?? "";
  return (
    section
      .split("\n")
      .map((line) => line.replace(/^\d+\.\s*/, "").trim())
      .filter(Boolean)
      // publint suggests engines.node for any package with a `require`
      // condition; a pure package has none on purpose (see PURE).
      .filter((line) => !(PURE.has(pkg.name) && line.includes('"engines.node"')))
      .map((line) => `publint suggests: ${line}`)
  );
}

/** The package and every workspace package it depends on, transitively. */
function withWorkspaceDeps(name, all, seen = new Set()) {
  if (seen.has(name)) return seen;
  seen.add(name);
  const { pkg } = all.get(name);
  for (const dep of Object.keys(pkg.dependencies ?? {}))
    if (all.has(dep)) withWorkspaceDeps(dep, all, seen);
  return seen;
}

/** Packs, installs with npm outside the workspace, loads both ways, runs README examples and commands. */
function smokeTest(entry, all) {
  const scratch = mkdtempSync(join(tmpdir(), `moonbridge-smoke-${entry.dir}-`));
  try {
    const tarballs = [...withWorkspaceDeps(entry.pkg.name, all)].map((name) => {
      const out = run("pnpm", ["pack", "--pack-destination", scratch], all.get(name).path);
      return out.trim().split("\n").pop();
    });
    // The package's own tarball is packed first (the Set starts with it).
    const contents = run("tar", ["-tzf", tarballs[0]], scratch).split("\n");
    if (!contents.includes("package/LICENSE"))
      throw new Error(`the tarball has no LICENSE: ${contents.filter(Boolean).join(", ")}`);
    writeFileSync(
      join(scratch, "package.json"),
      JSON.stringify({ name: "smoke", private: true, type: "module" }),
    );
    run(
      "npm",
      ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", ...tarballs],
      scratch,
    );

    const name = entry.pkg.name;
    writeFileSync(
      join(scratch, "load.mjs"),
      `import { createRequire } from "node:module";
const esm = await import(${JSON.stringify(name)});
const cjs = createRequire(import.meta.url)(${JSON.stringify(name)});
const shape = (m) => Object.keys(m).filter((k) => k !== "default" && k !== "__esModule").sort().map((k) => k + ":" + typeof m[k]);
const a = shape(esm), b = shape(cjs);
if (a.length === 0) throw new Error("import() gave no exports");
if (a.join() !== b.join()) throw new Error("import and require differ: " + a + " vs " + b);
console.log(a.length + " exports, same through import and require");
`,
    );
    const loaded = run("node", ["load.mjs"], scratch).trim();

    const readme = readFileSync(join(entry.path, "README.md"), "utf8");
    const examples = [...readme.matchAll(/```js\n([\s\S]*?)```/g)]
      .map((m) => m[1])
      .filter((code) => code.includes(`"${name}"`) || code.includes(`'${name}'`));
    if (examples.length === 0)
      throw new Error("README.md has no ```js example that imports the package");
    examples.forEach((code, i) => {
      writeFileSync(join(scratch, `example-${i}.mjs`), code);
      run("node", [`example-${i}.mjs`], scratch);
    });
    // Each command, as npm linked it for the user, answers --help.
    const commands = Object.keys(entry.pkg.bin ?? {});
    for (const command of commands)
      run(join(scratch, "node_modules", ".bin", command), ["--help"], scratch);
    const ran = commands.length === 0 ? "" : `; ${commands.join(", ")} --help ran`;
    return `LICENSE in the tarball; ${loaded}; ${examples.length} README example(s) ran${ran}`;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function check(entry, all, warnings) {
  const problems = [...templateProblems(entry), ...nodeInternalsProblems(entry)];
  if (problems.length > 0) throw new Error(problems.join("\n"));
  warnings.push(...templateWarnings(entry));
  const linted = run(bin("publint"), ["--strict"], entry.path);
  warnings.push(...publintSuggestions(linted, entry.pkg));
  run(bin("attw"), ["--pack", ".", "--format", "ascii"], entry.path);
  return `template ok; publint --strict clean; attw clean; ${smokeTest(entry, all)}`;
}

const all = workspacePackages();
const wanted = process.argv.slice(2);
let failed = 0;
for (const entry of all.values()) {
  if (entry.pkg.private || (wanted.length > 0 && !wanted.includes(entry.dir))) continue;
  const started = Date.now();
  const warnings = [];
  try {
    const summary = check(entry, all, warnings);
    console.log(
      `ok   ${entry.pkg.name}: ${summary} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
  } catch (error) {
    failed++;
    const detail = [error.message, error.stdout, error.stderr].filter(Boolean).join("\n");
    console.error(`FAIL ${entry.pkg.name}:\n${detail.replace(/^/gm, "     ")}`);
  }
  for (const warning of warnings) console.warn(`warn ${entry.pkg.name}: ${warning}`);
}
if (failed > 0) process.exit(1);
