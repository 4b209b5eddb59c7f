// Whether a Debian package a test needs is installed: a test file skips
// without it, naming the install command, except under CI, where .ci/run
// installs it and its absence fails.

import { existsSync } from "node:fs";

/**
 * Why `path` (from Debian's package `pkg`, which `purpose` needs) cannot
 * run here, or undefined when it can; `file` (the test file's path) is
 * named in the warning of a skip. Throws under CI.
 */
export function debianToolMissing(
  path: string,
  pkg: string,
  purpose: string,
  file: string,
): string | undefined {
  if (existsSync(path)) return undefined;
  const why = `${path} not found: ${purpose} Debian's ${pkg}; install it with \`apt-get install -y ${pkg}\``;
  if (process.env.CI) throw new Error(`${why} (CI runs it, so a missing ${pkg} fails)`);
  console.warn(`skipping ${file}: ${why}`);
  return why;
}
