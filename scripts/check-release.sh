#!/usr/bin/env bash
# A dry run of a release's first step: `changeset version` on a scratch copy
# of the committed files (this checkout is left as it is). Fails if it fails,
# or if a pending changeset names no package (nothing to release) or a
# private one; prints what each package would become. `pnpm release` is the
# real thing: version, install, test, publish.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

problems=0
for file in .changeset/*.md; do
  [ "$(basename "$file")" = "README.md" ] && continue
  front="$(awk '/^---$/{n++; next} n==1' "$file" | tr -d '[:space:]')"
  if [ -z "$front" ]; then
    echo "FAIL $file names no package (a changeset for nothing: delete it)"
    problems=1
  fi
  for name in $(awk '/^---$/{n++; next} n==1' "$file" | sed -n 's/^"\([^"]*\)":.*/\1/p'); do
    manifest="$(grep -l "\"name\": \"$name\"" packages/*/package.json apps/*/package.json 2>/dev/null | head -1)"
    if [ -z "$manifest" ]; then
      echo "FAIL $file names $name, which is not a package here"
      problems=1
    elif grep -q '"private": true' "$manifest"; then
      echo "FAIL $file names $name, which is private (never released)"
      problems=1
    fi
  done
done
[ "$problems" -eq 0 ] || exit 1

git ls-files -z | xargs -0 cp --parents -t "$scratch"
(cd "$scratch" && node "$root/node_modules/@changesets/cli/bin.js" version >/dev/null)
for manifest in packages/*/package.json; do
  name="$(node -p "require('./$manifest').name")"
  before="$(node -p "require('./$manifest').version")"
  after="$(node -p "require('$scratch/$manifest').version")"
  echo "release dry run: $name $before -> $after"
done
leftover="$(ls "$scratch/.changeset" | grep -v -e '^README.md$' -e '^config.json$' || true)"
if [ -n "$leftover" ]; then
  echo "FAIL changeset version left: $leftover"
  exit 1
fi
echo "ok   release dry run: changeset version consumed every pending changeset"
