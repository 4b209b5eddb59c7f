#!/usr/bin/env bash
# Runs the test suites of the given workspace directories (default: every
# package and app), built beforehand, two at a time: each lane takes the
# next suite as it frees, the longest first, so that the whole lasts about
# half the suites' sum. (turbo ran them in its own order, which left the
# longest, the example's end-to-end suites, running alone at the end: nearly
# two minutes more.) Each output line starts with its directory. Exits
# non-zero if any suite failed, after all have run.
set -uo pipefail
cd "$(dirname "$0")/.."

dirs=("$@")
[ ${#dirs[@]} -eq 0 ] && dirs=(packages/*/ apps/*/)
dirs=("${dirs[@]%/}")

# The slowest suites, slowest first (on Node 20 on a 2-vCPU machine: the
# example about 165 s, http-parser 115, supervisor 100, body-parser 90, http
# 55); every other one after them, in directory order.
longest=(apps/example packages/http-parser packages/supervisor packages/body-parser packages/http)
order=()
for dir in "${longest[@]}"; do
  [[ " ${dirs[*]} " == *" $dir "* ]] && order+=("$dir")
done
for dir in "${dirs[@]}"; do
  [[ " ${longest[*]} " == *" $dir "* ]] || order+=("$dir")
done

printf '%s\n' "${order[@]}" | xargs -P "${TEST_LANES:-2}" -I {} bash -c \
  'set -o pipefail; cd "{}" && pnpm --reporter=append-only run --if-present test 2>&1 | sed "s|^|{} |"'
