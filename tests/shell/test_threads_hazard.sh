#!/usr/bin/env bash
# The foreign-thread test can fail: the same 4 x 10,000 emissions from
# threads OCaml never saw, on the lablgtk-style baseline (its marshaller
# calls OCaml without the domain lock), must crash, hang or miscount, while
# ocaml-gclosure's test_threads passes (dune test runs it).
set -uo pipefail
cd "$(dirname "$0")/../.."
dune build ./tests/ocaml/threads_baseline.exe ./tests/ocaml/test_threads.exe || exit 1
pass=0; fail=0
bad=0; codes=""
for i in 1 2 3; do
  timeout 30 ./_build/default/tests/ocaml/threads_baseline.exe >/dev/null 2>&1; code=$?
  echo "baseline run $i: exit $code"
  [ $code -ne 0 ] && bad=$((bad+1))
  codes="$codes $code"
done
if [ $bad -gt 0 ]; then pass=$((pass+1)); echo "ok   baseline failed in $bad of 3 runs: the test catches the hazard"
else fail=$((fail+1)); echo "FAIL the baseline survived: this test could not detect the hazard"; fi
if ./_build/default/tests/ocaml/test_threads.exe >/dev/null 2>&1; then pass=$((pass+1)); ours=passed; echo "ok   ocaml-gclosure passes the same load"
else fail=$((fail+1)); ours=FAILED; echo "FAIL ocaml-gclosure failed test_threads"; fi
echo "callbacks from 4 threads OCaml never saw (test_threads_hazard) | baseline: failed $bad of 3 runs (exit codes$codes) | ocaml-gclosure: $ours" >>"${OCAML_GCLOSURE_FINDINGS:-/dev/null}"
echo "test_threads_hazard: $pass passed, $fail failed"
[ $fail -eq 0 ]
