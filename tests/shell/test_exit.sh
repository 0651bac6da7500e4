#!/usr/bin/env bash
# Acceptance (2) of "Closure core": a short program (tests/exit/exit_prog.ml)
# creates and connects closures, keeps some alive, starts a second domain
# that keeps creating, emitting and dropping closures, and exits while that
# domain still works, without cleaning anything up.
#
#   * ocaml-gclosure: EXIT_RUNS (1000) consecutive runs with
#     OCAMLRUNPARAM=s=4k and EXIT_RUNS with OCAMLRUNPARAM=c=1 (the two
#     series run side by side): every run must exit 0 with an empty stderr.
#   * with c=1 the runtime must really be torn down at exit (caml_shutdown
#     reaching caml_stat_destroy_pool, checked once under gdb when gdb is
#     installed): otherwise the c=1 series cannot show anything.
#   * the lablgtk-style baseline (exit_baseline.exe, a process without
#     ocaml-gclosure linked in), BASELINE_RUNS (200) runs with c=1: how many
#     crashed is reported, not required (design.md measured 11 of 20; here
#     about 60% of runs segfault on an idle machine, a few % under load).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1

runs=${EXIT_RUNS:-1000}
baseline_runs=${BASELINE_RUNS:-200}
exe=_build/default/tests/exit/exit_prog.exe
baseline_exe=_build/default/tests/exit/exit_baseline.exe
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
passed=0; failed=0
pass() { passed=$((passed + 1)); echo "ok: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
finish() { echo "test_exit: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

dune build ./tests/exit/exit_prog.exe ./tests/exit/exit_baseline.exe \
  || { fail "dune build ./tests/exit/exit_prog.exe ./tests/exit/exit_baseline.exe"; finish; }

# series NAME RUNS IMPL OCAMLRUNPARAM: runs the program RUNS times in a row;
# writes "<run> <exit code> <stderr bytes>" per bad run to $tmp/NAME.bad and
# keeps the first bad stderr in $tmp/NAME.err.
# Each run's working directory is $tmp/NAME.d, with core dumps allowed: the
# first core of a bad run is kept as $tmp/NAME.core (where the system's
# core_pattern writes cores into the working directory).
series() {
  local name=$1 n=$2 impl=$3 param=$4 i rc c
  local cmd=("$root/$exe" --impl "$impl")
  [ "$impl" = baseline ] && cmd=("$root/$baseline_exe")
  : >"$tmp/$name.bad"
  mkdir -p "$tmp/$name.d"
  for ((i = 1; i <= n; i++)); do
    (cd "$tmp/$name.d" && ulimit -c unlimited 2>/dev/null
     OCAMLRUNPARAM=$param exec timeout 20 "${cmd[@]}") >/dev/null 2>"$tmp/$name.cur"
    rc=$?
    if [ "$rc" -ne 0 ] || [ -s "$tmp/$name.cur" ]; then
      echo "$i $rc $(wc -c <"$tmp/$name.cur")" >>"$tmp/$name.bad"
      [ -e "$tmp/$name.err" ] || cp "$tmp/$name.cur" "$tmp/$name.err"
    fi
    for c in "$tmp/$name.d"/core*; do
      [ -e "$c" ] || continue
      if [ -e "$tmp/$name.core" ]; then rm -f "$c"; else mv "$c" "$tmp/$name.core"; fi
    done
  done
}

# backtrace NAME EXE: the threads' stacks in the first core a series kept.
backtrace() {
  [ -e "$tmp/$1.core" ] || { echo "  (no core dump captured)"; return; }
  command -v gdb >/dev/null 2>&1 || { echo "  (a core was captured; gdb is not installed)"; return; }
  echo "  stacks in the first core dump:"
  gdb -q -batch -ex 'thread apply all bt 25' "$2" "$tmp/$1.core" 2>/dev/null \
    | grep -E '^(Thread|#)' | head -n 120 | sed 's/^/    | /'
}

# describe NAME RUNS: "N of RUNS bad (exit codes: ...)"
describe() {
  local bad; bad=$(wc -l <"$tmp/$1.bad")
  printf '%d of %d runs bad' "$bad" "$2"
  [ "$bad" -eq 0 ] || printf ' (exit codes: %s)' \
    "$(awk '{c[$2]++} END {for (k in c) printf "%s%s x%d", (n++ ? ", " : ""), k, c[k]}' "$tmp/$1.bad")"
}

"$exe" --impl gclosure >/dev/null 2>&1; probe=$?
if [ "$probe" -eq 77 ]; then
  fail "gclosure side not built (tests/impl/gclosure/dune)"
else
  echo "--- gclosure: $runs runs with OCAMLRUNPARAM=s=4k and $runs with c=1, side by side"
  t0=$SECONDS
  series "gclosure-s4k" "$runs" gclosure s=4k & p1=$!
  series "gclosure-c1" "$runs" gclosure c=1 & p2=$!
  wait "$p1" "$p2"
  dt=$((SECONDS - t0))
  for s in s4k c1; do
    param=${s/s4k/s=4k}; param=${param/c1/c=1}
    if [ ! -s "$tmp/gclosure-$s.bad" ]; then
      pass "gclosure, OCAMLRUNPARAM=$param: $runs runs, all exit 0 with empty stderr (${dt} s for both series)"
    else
      fail "gclosure, OCAMLRUNPARAM=$param: $(describe "gclosure-$s" "$runs")"
      echo "  first bad runs (run, exit code, stderr bytes):"; head -n 5 "$tmp/gclosure-$s.bad" | sed 's/^/    /'
      echo "  stderr of the first:"; head -c 2000 "$tmp/gclosure-$s.err" | sed 's/^/    | /'
      backtrace "gclosure-$s" "$exe"
    fi
  done
fi

# teardown_reached CMD...: whether, with c=1, exit reaches the runtime's
# teardown (caml_stat_destroy_pool, which frees the runtime's memory while
# the second domain still runs). Prints how often caml_startup_aux ran.
teardown_reached() {
  local out
  out=$(OCAMLRUNPARAM=c=1 timeout 120 gdb -q -batch -ex 'set pagination off' \
          -ex 'break caml_startup_aux' -ex 'break caml_stat_destroy_pool' \
          -ex run -ex continue -ex continue -ex continue -ex continue --args "$@" 2>&1)
  echo "caml_startup_aux ran $(grep -c 'Breakpoint 1, caml_startup_aux' <<<"$out") time(s)"
  grep -q 'Breakpoint 2, caml_stat_destroy_pool' <<<"$out"
}

if [ "$probe" -ne 77 ]; then
  echo "--- c=1 really tears the runtime down at exit (gdb)"
  if ! command -v gdb >/dev/null 2>&1; then
    echo "not checked: gdb is not installed"
  else
    if info=$(teardown_reached "$baseline_exe"); then
      echo "baseline program: teardown reached ($info)"
    else
      echo "baseline program: teardown NOT reached ($info): the check itself is broken"
    fi
    if info=$(teardown_reached "$exe" --impl gclosure); then
      pass "gclosure program, c=1: the runtime is torn down at exit ($info)"
    else
      fail "gclosure program, c=1: exit never reaches caml_stat_destroy_pool ($info), \
so the c=1 series above never tore the runtime down under the second domain and shows \
nothing. Two caml_startup calls mean caml_shutdown only decrements its count: ocaml-rs's \
Runtime::init (first #[ocaml::func] call) calls caml_startup inside a running OCaml program."
    fi
  fi
fi

echo "--- baseline (comparison, not required): $baseline_runs runs with OCAMLRUNPARAM=c=1"
t0=$SECONDS
series "baseline-c1" "$baseline_runs" baseline c=1 2>/dev/null
echo "baseline (exit_baseline.exe, ocaml-gclosure not linked), OCAMLRUNPARAM=c=1: $(describe baseline-c1 "$baseline_runs") in $((SECONDS - t0)) s"

finish
