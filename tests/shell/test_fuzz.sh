#!/usr/bin/env bash
# Issue 21: the seeded random-call test of the safe OCaml API
# (tests/ocaml/test_fuzz.ml), one process per seed under Xvfb. A seed
# whose process crashes (a signal), hangs (FUZZ_TIMEOUT seconds, 120) or
# sees an exception other than Invalid_argument/Failure fails the test, and
# its line gives the reproduction:
#   ./scripts/xvfb.sh _build/default/tests/ocaml/test_fuzz.exe SEED CALLS
# (FUZZ_TRACE=1 prints each call's target on stderr).
#
#   bash tests/shell/test_fuzz.sh                 the fixed seeds (1-12), 20,000 calls each
#   FUZZ_SEEDS=200 bash tests/shell/test_fuzz.sh  seeds 1-200
#   FUZZ_FIRST_SEED=1000 FUZZ_SEEDS=50 ...        seeds 1000-1049
#   FUZZ_CALLS=50000 ...                          calls per seed
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
name=test_fuzz
# shellcheck source=tests/shell/lib/check.sh
source tests/shell/lib/check.sh

first=${FUZZ_FIRST_SEED:-1}
count=${FUZZ_SEEDS:-12}
calls=${FUZZ_CALLS:-20000}
limit=${FUZZ_TIMEOUT:-120}
exe=_build/default/tests/ocaml/test_fuzz.exe
dune build ./tests/ocaml/test_fuzz.exe || { check "dune build ./tests/ocaml/test_fuzz.exe" false; finish; }

log=$(mktemp); trap 'rm -f "$log"' EXIT
t0=$SECONDS
bad=0
for seed in $(seq "$first" $((first + count - 1))); do
  RUST_BACKTRACE=0 timeout -k 5 "$limit" "$root/scripts/xvfb.sh" "$exe" "$seed" "$calls" >"$log" 2>&1
  rc=$?
  summary=$(grep -a "^test_fuzz: seed $seed done" "$log")
  if [ "$rc" -eq 0 ] && [ -n "$summary" ]; then
    [ "$count" -le 20 ] && echo "  | ${summary#test_fuzz: }"
    continue
  fi
  bad=$((bad + 1))
  case $rc in
    124|137) why="hung (no end after $limit s)" ;;
    0) why="ended without its summary" ;;
    *) if [ "$rc" -gt 128 ]; then why="crashed (signal $((rc - 128)))"; else why="failed (exit $rc)"; fi ;;
  esac
  check "seed $seed: $why; reproduce: ./scripts/xvfb.sh $exe $seed $calls" false
  grep -a -v '^(' "$log" | grep -a -E 'raised|CRITICAL|ERROR|panicked|Segmentation|Aborted' | tail -n 8 | sed 's/^/  | /'
done
check "$count seeds from $first, $calls random calls each: no crash, hang or unexpected exception ($((SECONDS - t0)) s)" \
  test "$bad" -eq 0
finish
