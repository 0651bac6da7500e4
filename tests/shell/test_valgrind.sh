#!/usr/bin/env bash
# Acceptance (3) of "Closure core": valgrind memcheck on the stress program
# (tests/stress) with ocaml-gclosure at reduced size (VALGRIND_ITERATIONS,
# 2000) and a small minor heap. Any memory error, and any definitely or
# possibly lost block, fails the test (--error-exitcode). The only
# suppressions are GLib's own one-time allocations, each explained in
# tests/valgrind/glib.supp.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1

iterations=${VALGRIND_ITERATIONS:-2000}
exe=_build/default/tests/stress/stress.exe
supp=tests/valgrind/glib.supp
log=$(mktemp); trap 'rm -f "$log"' EXIT
passed=0; failed=0
pass() { passed=$((passed + 1)); echo "ok: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
finish() { echo "test_valgrind: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

command -v valgrind >/dev/null || { fail "valgrind is not installed"; finish; }
dune build ./tests/stress/stress.exe || { fail "dune build ./tests/stress/stress.exe"; finish; }

echo "--- valgrind memcheck: stress.exe --impl gclosure --iterations $iterations (OCAMLRUNPARAM=s=4k)"
t0=$SECONDS
# G_SLICE=always-malloc: GSlice (still used by GLib 2.74) keeps freed blocks
# in its own magazines, which hides use-after-free from memcheck.
# OCaml 5 runs OCaml code on its own stack, so memcheck warns "client
# switching stacks?" a few times: harmless. (Raising --max-stackframe to
# silence it makes memcheck repaint ~128 GB of address space on every
# switch: the run then takes hours.)
OCAMLRUNPARAM=s=4k G_SLICE=always-malloc G_DEBUG=gc-friendly \
  valgrind --tool=memcheck --error-exitcode=99 \
    --leak-check=full --errors-for-leak-kinds=definite,possible \
    --show-leak-kinds=definite,possible \
    --num-callers=40 \
    --suppressions="$supp" --gen-suppressions=all \
    "$exe" --impl gclosure --iterations "$iterations" >"$log" 2>&1
rc=$?
dt=$((SECONDS - t0))
grep -E '^stress|ERROR SUMMARY|definitely lost|possibly lost|suppressed:' "$log" | sed 's/^/  | /'
case $rc in
  0) pass "memcheck: no error, no definite or possible leak ($dt s)" ;;
  99)
    fail "memcheck reported errors (full log below)"
    sed 's/^/  | /' "$log" | head -n 400 ;;
  77) fail "gclosure side not built (tests/impl/gclosure/dune)" ;;
  *)
    fail "stress.exe under valgrind exited $rc"
    sed 's/^/  | /' "$log" | tail -n 60 ;;
esac

# The boundary's table (tests/ocaml/test_boundary.ml), every row under
# memcheck, with its GTK rows under Xvfb and a shorter failure loop.
exe2=_build/default/tests/ocaml/test_boundary.exe
gtksupp=tests/valgrind/gtk.supp
if dune build ./tests/ocaml/test_boundary.exe; then
  echo "--- valgrind memcheck: test_boundary.exe (BOUNDARY_FAILURES=2000, under Xvfb)"
  t0=$SECONDS
  BOUNDARY_FAILURES=2000 RUST_BACKTRACE=0 G_SLICE=always-malloc G_DEBUG=gc-friendly \
    XVFB_SCREEN=640x480x24 "$root/scripts/xvfb.sh" \
    valgrind --tool=memcheck --error-exitcode=99 \
      --leak-check=full --errors-for-leak-kinds=definite \
      --show-leak-kinds=definite --num-callers=40 \
      --suppressions="$supp" --suppressions="$gtksupp" \
      "$exe2" >"$log" 2>&1
  rc=$?
  grep -E '^test_boundary|ERROR SUMMARY|definitely lost' "$log" | sed 's/^/  | /'
  case $rc in
    0) pass "memcheck over the boundary table: no error, no definite leak, every row passed ($((SECONDS - t0)) s)" ;;
    99) fail "memcheck reported errors on the boundary table"; sed 's/^/  | /' "$log" | grep -v '^  | ok' | head -n 300 ;;
    *) fail "test_boundary.exe under valgrind exited $rc"; sed 's/^/  | /' "$log" | grep -v '^  | ok' | tail -n 60 ;;
  esac
else
  fail "dune build ./tests/ocaml/test_boundary.exe"
fi

# The fuzz test (tests/ocaml/test_fuzz.ml), two seeds at reduced size:
# random calls of the safe API under memcheck. Exit status 99 is an error
# (or a definite leak) of the test process itself; GTK forks children
# (its dbus-launch attempt) whose own leak reports, at their _exit, are
# copies of the parent's heap and do not change the status.
if dune build ./tests/ocaml/test_fuzz.exe; then
  for seed in ${VALGRIND_FUZZ_SEEDS:-1 2}; do
    echo "--- valgrind memcheck: test_fuzz.exe $seed 1500 (under Xvfb)"
    t0=$SECONDS
    RUST_BACKTRACE=0 G_SLICE=always-malloc XVFB_SCREEN=640x480x24 "$root/scripts/xvfb.sh" \
      valgrind --tool=memcheck --error-exitcode=99 \
        --leak-check=full --errors-for-leak-kinds=definite \
        --show-leak-kinds=definite --num-callers=40 \
        --suppressions="$supp" --suppressions="$gtksupp" \
        _build/default/tests/ocaml/test_fuzz.exe "$seed" 1500 >"$log" 2>&1
    rc=$?
    grep -a -E '^test_fuzz' "$log" | sed 's/^/  | /'
    case $rc in
      0) pass "memcheck over fuzz seed $seed: no error, no definite leak ($((SECONDS - t0)) s)" ;;
      *) fail "test_fuzz.exe $seed 1500 under valgrind exited $rc"; grep -a -v '^(' "$log" | tail -n 80 | sed 's/^/  | /' ;;
    esac
  done
else
  fail "dune build ./tests/ocaml/test_fuzz.exe"
fi

# Windows made with unsafe_create and dropped, then GTK's list of
# toplevels walked (tests/gtk4/test_toplevels.ml): no read of freed memory.
if dune build ./tests/gtk4/test_toplevels.exe; then
  echo "--- valgrind memcheck: test_toplevels.exe (under Xvfb)"
  RUST_BACKTRACE=0 G_SLICE=always-malloc XVFB_SCREEN=640x480x24 "$root/scripts/xvfb.sh" \
    valgrind --tool=memcheck --error-exitcode=99 --num-callers=40 \
      --suppressions="$supp" --suppressions="$gtksupp" \
      _build/default/tests/gtk4/test_toplevels.exe >"$log" 2>&1
  rc=$?
  grep -E '^(ok|FAIL|test_toplevels)|ERROR SUMMARY' "$log" | sed 's/^/  | /'
  case $rc in
    0) pass "memcheck: windows dropped by OCaml are still GTK's, alive (no invalid read)" ;;
    *) fail "test_toplevels under valgrind exited $rc"; grep -B2 -A20 'Invalid' "$log" | head -n 60 | sed 's/^/  | /' ;;
  esac
else
  fail "dune build ./tests/gtk4/test_toplevels.exe"
fi

finish
