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
#     One exception, for c=1 only: a run that segfaults in the OCaml
#     runtime's own cleanup-at-exit teardown is reported, not failed, when
#     its core dump shows it (one thread in caml_shutdown, and no frame of
#     ocaml-gclosure, GLib, GTK or boxroot on the faulting thread's stack):
#     OCaml 5.3 frees its memory at exit with c=1 while other domains still
#     run and crashes by itself (ocaml/ocaml#14594; since fixed upstream by
#     skipping the cleanup then, ocaml/ocaml#14642). exit_control.exe, a pure
#     OCaml program with no C at all, shows it (CONTROL_RUNS, 3000, runs,
#     reported). Such runs must stay under 1% of the series, and a run
#     without a core (core dumps disabled) or with any of our frames fails.
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
control_exe=_build/default/tests/exit/exit_control.exe
control_runs=${CONTROL_RUNS:-3000}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
passed=0; failed=0
pass() { passed=$((passed + 1)); echo "ok: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
finish() { echo "test_exit: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

dune build ./tests/exit/exit_prog.exe ./tests/exit/exit_baseline.exe ./tests/exit/exit_control.exe \
  || { fail "dune build ./tests/exit/exit_prog.exe ./tests/exit/exit_baseline.exe ./tests/exit/exit_control.exe"; finish; }

# series NAME RUNS IMPL OCAMLRUNPARAM: runs the program RUNS times in a row;
# writes "<run> <exit code> <stderr bytes>" per bad run to $tmp/NAME.bad and
# keeps each bad run's stderr in $tmp/NAME.cur.I.
# Each run's working directory is $tmp/NAME.d, with core dumps allowed: the
# core of bad run I is kept as $tmp/NAME.core.I (the first 10), where the
# system's core_pattern writes cores into the working directory.
series() {
  local name=$1 n=$2 impl=$3 param=$4 i rc c
  local cmd=("$root/$exe" --impl "$impl")
  [ "$impl" = baseline ] && cmd=("$root/$baseline_exe")
  [ "$impl" = control ] && cmd=("$root/$control_exe")
  : >"$tmp/$name.bad"
  mkdir -p "$tmp/$name.d"
  for ((i = 1; i <= n; i++)); do
    (cd "$tmp/$name.d" && ulimit -c unlimited 2>/dev/null
     OCAMLRUNPARAM=$param exec timeout 20 "${cmd[@]}") >/dev/null 2>"$tmp/$name.cur"
    rc=$?
    if [ "$rc" -ne 0 ] || [ -s "$tmp/$name.cur" ]; then
      echo "$i $rc $(wc -c <"$tmp/$name.cur")" >>"$tmp/$name.bad"
      cp "$tmp/$name.cur" "$tmp/$name.cur.$i"
    fi
    for c in "$tmp/$name.d"/core*; do
      [ -e "$c" ] || continue
      if [ "$(ls "$tmp" | grep -c "^$name\.core\.")" -lt 10 ]; then mv "$c" "$tmp/$name.core.$i"; else rm -f "$c"; fi
    done
  done
}

# backtrace CORE EXE: the threads' stacks in a core dump.
backtrace() {
  [ -e "$1" ] || { echo "  (no core dump captured)"; return; }
  command -v gdb >/dev/null 2>&1 || { echo "  (a core was captured; gdb is not installed)"; return; }
  echo "  stacks in the core dump of that run:"
  gdb -q -batch -ex 'thread apply all bt 25' "$2" "$1" 2>/dev/null \
    | grep -E '^(Thread|#)' | head -n 120 | sed 's/^/    | /'
}

# runtime_teardown_crash CORE EXE: whether a segfault's core dump shows the
# OCaml runtime's own cleanup-at-exit crash: some thread is in caml_shutdown,
# and every frame of the faulting thread is the runtime's C (runtime/*.c),
# glibc, or OCaml code, none of it ocaml-gclosure's (Rust, C or OCaml side),
# GLib's, GTK's, boxroot's, the baseline's or the test's implementations.
runtime_teardown_crash() {
  local out all cur
  [ -e "$1" ] && command -v gdb >/dev/null 2>&1 || return 1
  # one gdb run: the faulting thread's stack, then every thread's
  out=$(gdb -q -batch -ex 'set width 0' -ex 'echo ==cur==\n' -ex 'bt' -ex 'echo ==all==\n' \
          -ex 'thread apply all bt' "$2" "$1" 2>/dev/null)
  cur=$(sed -n '/^==cur==$/,/^==all==$/p' <<<"$out" | grep -E '^#')
  all=$(sed -n '/^==all==$/,$p' <<<"$out")
  grep -q ' in caml_shutdown ' <<<"$all" || return 1
  [ -n "$cur" ] || return 1
  ! grep -vE ' at runtime/| at \.{1,2}/| in caml|^#[0-9]+ +caml|<signal handler called>' <<<"$cur" | grep -q . \
    && ! grep -qiE 'gclosure|gobject|glib|gtk|boxroot|baseline|impl_|exit_prog' <<<"$cur"
}

# verdict NAME PARAM EXE: pass or fail one series of $runs runs (header).
verdict() {
  local name=$1 param=$2 exe_=$3 i rc bytes err runtime=0 ours=0 first_ours="" first_runtime=""
  if [ ! -s "$tmp/$name.bad" ]; then
    pass "gclosure, OCAMLRUNPARAM=$param: $runs runs, all exit 0 with empty stderr (${dt} s for both series)"
    return
  fi
  while read -r i rc bytes; do
    # a c=1 segfault whose only stderr is timeout's note about the core
    err=$(grep -v '^timeout: the monitored command dumped core$' "$tmp/$name.cur.$i" 2>/dev/null)
    if [ "$param" = c=1 ] && [ "$rc" = 139 ] && [ -z "$err" ] \
       && runtime_teardown_crash "$tmp/$name.core.$i" "$exe_"; then
      runtime=$((runtime + 1)); [ -n "$first_runtime" ] || first_runtime=$i
    else
      ours=$((ours + 1)); [ -n "$first_ours" ] || first_ours=$i
    fi
  done <"$tmp/$name.bad"
  if [ "$ours" -eq 0 ] && [ $((runtime * 100)) -le "$runs" ]; then
    pass "gclosure, OCAMLRUNPARAM=$param: $runs runs, all exit 0 with empty stderr except $runtime \
that segfaulted inside the OCaml runtime's own cleanup-at-exit teardown, no frame of ours \
(ocaml/ocaml#14594; see exit_control below) (${dt} s for both series)"
    echo "  run $first_runtime, exit code 139:"; backtrace "$tmp/$name.core.$first_runtime" "$exe_"
  else
    fail "gclosure, OCAMLRUNPARAM=$param: $(describe "$name" "$runs"); $ours not explained by the runtime's own teardown, $runtime explained"
    echo "  bad runs (run, exit code, stderr bytes):"; head -n 5 "$tmp/$name.bad" | sed 's/^/    /'
    i=${first_ours:-$first_runtime}
    echo "  stderr of run $i:"; head -c 2000 "$tmp/$name.cur.$i" | sed 's/^/    | /'
    backtrace "$tmp/$name.core.$i" "$exe_"
  fi
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
  verdict gclosure-s4k s=4k "$exe"
  verdict gclosure-c1 c=1 "$exe"
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

# The classifier can fail: of the baseline's crashes (a binding's, in its C
# stubs), it must not excuse them all as the runtime's own.
if command -v gdb >/dev/null 2>&1 && ls "$tmp"/baseline-c1.core.* >/dev/null 2>&1; then
  excused=0; refused=0
  for c in $(ls "$tmp"/baseline-c1.core.* | head -n 10); do
    if runtime_teardown_crash "$c" "$baseline_exe"; then excused=$((excused + 1)); else refused=$((refused + 1)); fi
  done
  if [ "$refused" -gt 0 ]; then
    pass "the runtime-teardown classifier refuses the baseline's crashes ($refused of $((excused + refused)) cores refused)"
  else
    fail "the runtime-teardown classifier excused all $excused baseline cores: it cannot tell a binding's crash"
  fi
fi

echo "--- control (comparison, not required): $control_runs runs with OCAMLRUNPARAM=c=1"
t0=$SECONDS
# two series side by side, as for gclosure above (a loaded machine crashes more)
series "control-c1" $((control_runs / 2)) control c=1 2>/dev/null & p1=$!
series "control2-c1" $((control_runs - control_runs / 2)) control c=1 2>/dev/null & p2=$!
wait "$p1" "$p2"
cat "$tmp/control2-c1.bad" >>"$tmp/control-c1.bad"
for c in "$tmp"/control2-c1.core.*; do [ -e "$c" ] && mv "$c" "$tmp/control-c1.core.b${c##*.}"; done
echo "control (exit_control.exe: pure OCaml, no C, a second domain allocating through exit), \
OCAMLRUNPARAM=c=1: $(describe control-c1 "$control_runs") in $((SECONDS - t0)) s"
for c in $(ls "$tmp"/control-c1.core.* 2>/dev/null | head -n 10); do
  if runtime_teardown_crash "$c" "$control_exe"; then r="the runtime's own teardown"; else r="NOT recognised"; fi
  echo "  control crash ${c##*.}: $r"
done

finish
