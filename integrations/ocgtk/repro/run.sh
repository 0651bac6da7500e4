#!/usr/bin/env bash
# Runs the reproducers of issue 13 against one ocgtk build and says, for
# each, what really happens: ok, slow (a number), hang (stacks taken with
# gdb before the kill), abort or crash (stack from the core dump).
#
#   repro/run.sh BIN_DIR LABEL [CASE...]
#
# BIN_DIR holds the r_*.exe of one build (<workspace>/_build/default/extra/
# repro); LABEL names the build in the output ("stock", "ours"). Without
# CASE, every case runs. Needs a display for the GTK cases (run it under
# scripts/xvfb.sh). Run counts and timeouts: REPRO_RUNS (default 3; the
# exit case runs 15x that many times), REPRO_TIMEOUT (seconds, default 20:
# a run still going then is a hang), REPRO_STALL (seconds: a run asleep
# that long without using CPU is a hang at once; unset: only the timeout;
# every program here is busy until it ends), REPRO_SLOW_TIMEOUT (for the
# timed cases, which only measure, default 180).
#
# Output: one "REPRO <case> <label>: <verdict> (<counts>)" line per case,
# followed by the first failure's stack; the same lines without stacks go
# to $REPRO_RESULTS if set. Verdict words: ok, slow, hang, abort, crash,
# wrong (the program's own check failed), mixed (several kinds).
set -uo pipefail
bin=${1:?usage: run.sh BIN_DIR LABEL [CASE...]}
label=${2:?usage: run.sh BIN_DIR LABEL [CASE...]}
shift 2
bin=$(cd "$bin" && pwd)
runs=${REPRO_RUNS:-3}
tmo=${REPRO_TIMEOUT:-20}
slow_tmo=${REPRO_SLOW_TIMEOUT:-180}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
ulimit -c unlimited 2>/dev/null || true
have_gdb=0; command -v gdb >/dev/null 2>&1 && have_gdb=1

# stack_of_pid PID: the main thread's stack of a live (hung) process (the
# OCaml main domain; GTK's own threads only wait).
stack_of_pid() {
  [ "$have_gdb" = 1 ] || { echo "    (gdb not installed)"; return; }
  gdb -q -batch -p "$1" -ex 'set width 0' -ex 'thread apply 1 bt 40' 2>/dev/null |
    grep -E '^#' | sed 's/^/    /' | cut -c1-200 | head -n 40
}
# stack_of_core EXE CORE: the faulting thread's stack.
stack_of_core() {
  [ "$have_gdb" = 1 ] || { echo "    (gdb not installed)"; return; }
  gdb -q -batch -ex 'set width 0' -ex 'bt 30' "$1" "$2" 2>/dev/null |
    grep -E '^#' | awk '!seen[$0]++' | sed 's/^/    /' | cut -c1-200 | head -n 30
}

# cpu_state PID: "STATE TICKS" of a live process (its state letter, and
# the CPU time all its threads used, in clock ticks).
cpu_state() {
  local st
  [ -n "$1" ] && st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  st=${st##*) }
  # shellcheck disable=SC2086
  set -- $st
  echo "$1 $(( ${12} + ${13} ))"
}

# run_once EXE ENV ARGS...: runs one program; sets rc_kind (ok|hang|abort|
# crash|wrong|other:N), out (its stdout+stderr file) and, for a failure,
# stack (a file).
run_once() {
  local exe=$1 envs=$2; shift 2
  out=$work/out.$$.$RANDOM; stack=$work/stack.$$.$RANDOM
  : >"$stack"
  rm -f core core.*
  # in a subshell, so that the shell's "Segmentation fault" notice lands
  # in the program's output, not in ours
  # shellcheck disable=SC2086
  ( env $envs "$bin/$exe" "$@"; exit $? ) >"$out" 2>&1 &
  local pid=$! t=0 rc child="" ticks last="" still=0 why="after ${tmo} s without progress"
  while kill -0 "$pid" 2>/dev/null && [ "$t" -lt $((tmo * 10)) ]; do
    sleep 0.1; t=$((t + 1))
    # With REPRO_STALL=S: a program asleep (state S) that used no CPU for
    # S seconds is deadlocked; no need to wait for the timeout.
    [ -n "${REPRO_STALL:-}" ] && [ $((t % 5)) -eq 0 ] || continue
    [ -n "$child" ] || child=$(pgrep -P "$pid" | head -n 1)
    ticks=$(cpu_state "$child") || continue
    if [ "$ticks" = "$last" ] && [ "${ticks%% *}" = S ]; then still=$((still + 1)); else still=0; last=$ticks; fi
    if [ $((still * 5)) -ge $((REPRO_STALL * 10)) ]; then why="asleep with no CPU progress for ${REPRO_STALL} s"; break; fi
  done
  if kill -0 "$pid" 2>/dev/null; then
    rc_kind=hang
    [ -n "$child" ] || child=$(pgrep -P "$pid" | head -n 1)
    { echo "    main thread's stack, $why:"; stack_of_pid "${child:-$pid}"; } >"$stack"
    kill -9 ${child:+"$child"} 2>/dev/null; wait "$pid" 2>/dev/null
    return
  fi
  wait "$pid"; rc=$?
  case $rc in
    0) rc_kind=ok ;;
    1) rc_kind=wrong ;;
    134) rc_kind=abort ;;
    139|135|132) rc_kind=crash ;;
    *) rc_kind=other:$rc ;;
  esac
  if [ "$rc" -gt 128 ]; then
    local c; c=$(ls core core.* 2>/dev/null | head -n 1)
    if [ -n "$c" ]; then { echo "    stack of the core dump:"; stack_of_core "$bin/$exe" "$c"; } >"$stack"
    else echo "    (no core dump)" >"$stack"; fi
    rm -f core core.*
  fi
}

# quiet_tail N FILE: the last N lines of a program's output, without GTK's
# session-bus warning and the shell's signal notice, indented.
quiet_tail() {
  grep -v -e 'dbus-launch' -e '^$' -e 'core dumped' -e '^timeout:' -e 'run.sh: line [0-9]*:' "$2" | tail -n "$1" | sed 's/^/    | /'
}

# case_runs NAME N EXE ENV ARGS...: N runs; prints the verdict line, the
# last output line of the first run and the first failure's stack.
case_runs() {
  local name=$1 n=$2 exe=$3 envs=$4; shift 4
  local -A count=()
  local first_fail_stack="" first_fail_out="" first_out="" i kinds verdict
  for ((i = 1; i <= n; i++)); do
    run_once "$exe" "$envs" "$@"
    count[$rc_kind]=$(( ${count[$rc_kind]:-0} + 1 ))
    [ -z "$first_out" ] && first_out=$(quiet_tail 2 "$out")
    if [ "$rc_kind" != ok ] && [ -z "$first_fail_stack" ]; then
      first_fail_stack=$(cat "$stack")
      first_fail_out=$(quiet_tail 3 "$out")
      [ -n "$first_fail_out" ] || first_fail_out="    | (no output)"
    fi
  done
  kinds=$(for k in "${!count[@]}"; do echo "$k"; done | sort)
  if [ "$(echo "$kinds" | wc -l)" -gt 1 ]; then verdict=mixed; else verdict=${kinds%%:*}; fi
  local counts; counts=$(for k in $kinds; do printf '%s=%s ' "$k" "${count[$k]}"; done)
  local line="REPRO $name $label: $verdict (${counts% } of $n runs; env: ${envs:-none}; $exe $*)"
  echo "$line"; [ -n "${REPRO_RESULTS:-}" ] && echo "$line" >>"$REPRO_RESULTS"
  if [ "$verdict" = ok ]; then [ -n "$first_out" ] && echo "$first_out"
  else
    echo "  first failing run's last output:"; echo "$first_fail_out"
    echo "$first_fail_stack"
  fi
}

# timed NAME EXE ENV ARGS...: one run, its wall time and last line.
timed() {
  local name=$1 exe=$2 envs=$3; shift 3
  local t0 t1 tmo=$slow_tmo; t0=$(date +%s.%N)
  run_once "$exe" "$envs" "$@"
  t1=$(date +%s.%N)
  local secs; secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  local last; last=$(quiet_tail 1 "$out" | sed 's/^    | //')
  local line="REPRO $name $label: $rc_kind in $secs s (env: ${envs:-none}; $exe $*): $last"
  echo "$line"; [ -n "${REPRO_RESULTS:-}" ] && echo "$line" >>"$REPRO_RESULTS"
  [ "$rc_kind" = ok ] || cat "$stack"
}

want() { [ ${#cases[@]} -eq 0 ] && return 0; local c; for c in "${cases[@]}"; do [ "$c" = "$1" ] && return 0; done; return 1; }
cases=("$@")

# (a) closures and objects dropped under GC pressure
if want gc; then
  case_runs gc-chain "$runs" r_gc_drop.exe "OCAMLRUNPARAM=s=4k" chain 300000 4096
  timed gc-issue r_gc_drop.exe "OCAMLRUNPARAM=s=4k" issue 300000 4096
  timed gc-refcounts r_gc_drop.exe "" refcounts
  for n in 1000 100000 1000000; do
    m=200; [ "$n" -ge 1000000 ] && m=10
    timed "gc-scaling-$n" r_gc_drop.exe "" scaling "$n" "$m"
  done
fi
# (b) a signal emitted on a GLib worker thread (GTask)
if want thread; then
  case_runs thread-signal "$runs" r_thread_signal.exe "" 20
fi
# (c) a widget's last reference dropped by the GC, with a "destroy" handler
if want destroy; then
  case_runs destroy-young "$runs" r_destroy_finalizer.exe "" labels 50000
  case_runs destroy-kept "$runs" r_destroy_finalizer.exe "OCAMLRUNPARAM=s=4k" kept 50000 1024
fi
# (d) the naked args pointer followed by a major GC during a callback
if want args; then
  case_runs args-return-value "$runs" r_naked_args.exe "" mnemonic 2000
  case_runs args-void-button "$runs" r_naked_args.exe "" button 2000
  case_runs args-void-cancellable "$runs" r_naked_args.exe "" cancel 2000
fi
# (e) exit while a second domain works, c=1, and the pure-OCaml control
if want exit; then
  # 2000 rounds of warm-up: with 50, on a loaded machine the main domain
  # often exits before the second one really runs (0-3 crashes in 30 runs
  # here under load, 27 of 30 with 2000)
  case_runs exit-domain $((runs * 15)) r_exit_domain.exe "OCAMLRUNPARAM=c=1" 2000
  case_runs exit-control $((runs * 15)) r_exit_control.exe "OCAMLRUNPARAM=c=1" 2000
fi
