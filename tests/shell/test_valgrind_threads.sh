#!/usr/bin/env bash
# valgrind memcheck, at reduced sizes, on the tests of foreign threads,
# bad inputs, re-entrant callbacks and every data kind's conversions: no
# memory error and no definite leak.
set -uo pipefail
cd "$(dirname "$0")/../.."
dune build ./tests/ocaml/test_threads.exe ./tests/ocaml/test_errors.exe ./tests/ocaml/test_reentrancy.exe \
  ./tests/ocaml/test_kinds.exe || exit 1
pass=0; fail=0
run() {
  local name=$1; shift
  local log; log=$(mktemp)
  if timeout 600 valgrind --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite \
       --show-leak-kinds=definite "$@" >"$log" 2>&1; then
    pass=$((pass+1)); echo "ok   $name: $(grep -o 'ERROR SUMMARY: [0-9]* errors' "$log")"
  else
    fail=$((fail+1)); echo "FAIL $name"; grep -A30 -E "Invalid|uninitialised|definitely lost in" "$log" | head -60
  fi
  rm -f "$log"
}
run "4 foreign threads x 200 emissions, 4 GTasks x 20" ./_build/default/tests/ocaml/test_threads.exe 200
run "bad inputs" ./_build/default/tests/ocaml/test_errors.exe
run "re-entrant callbacks" ./_build/default/tests/ocaml/test_reentrancy.exe
run "every data kind through properties and signals" ./_build/default/tests/ocaml/test_kinds.exe
echo "test_valgrind_threads: $pass passed, $fail failed"
[ $fail -eq 0 ]
