#!/usr/bin/env bash
# Acceptance (1) of "Closure core": closures connected to a real GObject
# signal, half disconnected while their handles are reachable, then every
# handle dropped, with a small minor heap (OCAMLRUNPARAM=s=4k):
#
#   1. the lablgtk-style baseline (tests/baseline), in a subprocess under a
#      timeout, must hang or crash: that proves this loop catches the hazard
#      (root removed in a GC finalizer while the minor GC holds the roots
#      mutex). The baseline completing is a FAILURE of this test.
#   2. ocaml-gclosure must complete STRESS_ITERATIONS (300000) iterations,
#      every callback count right, and after Gclosure.shutdown:
#      live = 0, pending_release = 0, released = created.
#
# A hung baseline is recognised early: its CPU time stops moving for
# STALL_SECONDS (3) while it sleeps; its stack is printed (gdb) and it is
# killed. Otherwise `timeout` ends it after BASELINE_TIMEOUT (60) seconds.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1

iterations=${STRESS_ITERATIONS:-300000}
baseline_timeout=${BASELINE_TIMEOUT:-60}
stall_seconds=${STALL_SECONDS:-3}
exe=_build/default/tests/stress/stress.exe
log=$(mktemp); trap 'rm -f "$log"' EXIT
passed=0; failed=0
pass() { passed=$((passed + 1)); echo "ok: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
finish() { echo "test_stress: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

dune build ./tests/stress/stress.exe || { fail "dune build ./tests/stress/stress.exe"; finish; }

# cpu_ticks PID: utime + stime of a process, in clock ticks ("" once gone).
cpu_ticks() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  stat=${stat##*) }            # fields after "pid (comm) "
  set -- $stat                 # $1 = state (field 3), utime = $12, stime = $13
  echo $(( ${12} + ${13} ))
}

# ---- 1. the baseline must hang or crash ---------------------------------
echo "--- baseline: OCAMLRUNPARAM=s=4k stress.exe --impl baseline --iterations $iterations (timeout ${baseline_timeout}s)"
t0=$(date +%s.%N)
OCAMLRUNPARAM=s=4k timeout "$baseline_timeout" "$exe" --impl baseline --iterations "$iterations" \
  >"$log" 2>&1 &
tpid=$!
child=""
for _ in 1 2 3 4 5 6 7 8 9 10; do
  child=$(pgrep -P "$tpid" 2>/dev/null | head -n1) && [ -n "$child" ] && break
  sleep 0.1
done
stalled=no; last=""; still=0
while kill -0 "$tpid" 2>/dev/null; do
  sleep 0.5
  [ -n "$child" ] || break
  now=$(cpu_ticks "$child")
  [ -n "$now" ] || break
  state=$(awk '{print $3}' "/proc/$child/stat" 2>/dev/null)
  if [ "$now" = "$last" ] && [ "$state" = S ]; then
    still=$((still + 1))
  else
    still=0; last=$now
  fi
  if [ $((still * 5)) -ge $((stall_seconds * 10)) ]; then
    stalled=yes
    echo "baseline: no CPU progress for ${stall_seconds}s while sleeping: hung"
    if command -v gdb >/dev/null 2>&1; then
      echo "baseline: stack of the hung process (innermost first):"
      gdb -p "$child" -batch -ex bt 2>/dev/null \
        | grep -E '^#' | sed -E 's/^(#[0-9]+) +(0x[0-9a-f]+ in )?([^ ]+).*/  \1 \3/' | head -n 24
    fi
    kill -KILL "$child" 2>/dev/null
    break
  fi
done
wait "$tpid" 2>/dev/null; rc=$?
dt=$(echo "$(date +%s.%N) - $t0" | bc)
sed 's/^/  | /' "$log"
if [ "$stalled" = yes ]; then
  pass "baseline hung (deadlock detected after $(printf '%.1f' "$dt") s, exit $rc): hazard caught"
elif [ "$rc" -eq 124 ]; then
  pass "baseline did not finish in ${baseline_timeout}s (exit 124): hazard caught"
elif [ "$rc" -gt 128 ]; then
  pass "baseline crashed with signal $((rc - 128)) after $(printf '%.1f' "$dt") s: hazard caught"
elif [ "$rc" -eq 0 ]; then
  fail "baseline completed: this test cannot detect the hazard"
else
  fail "baseline exited $rc (neither hang nor crash nor success)"
fi

# ---- 2. ocaml-gclosure must complete -------------------------------------
echo "--- gclosure: OCAMLRUNPARAM=s=4k stress.exe --impl gclosure --iterations $iterations"
t0=$SECONDS
OCAMLRUNPARAM=s=4k timeout 600 "$exe" --impl gclosure --iterations "$iterations"
rc=$?
case $rc in
  0) pass "gclosure completed $iterations iterations in $((SECONDS - t0)) s, counts and statistics right" ;;
  2) fail "gclosure: a callback ran the wrong number of times" ;;
  3) fail "gclosure: statistics wrong at the end" ;;
  77) fail "gclosure side not built (tests/impl/gclosure/dune)" ;;
  124) fail "gclosure: did not finish in 600 s (hang?)" ;;
  *) fail "gclosure: exit $rc$( [ $rc -gt 128 ] && echo " (signal $((rc - 128)))")" ;;
esac

finish
