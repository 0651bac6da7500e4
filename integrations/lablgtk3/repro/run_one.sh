#!/usr/bin/env bash
# run_one.sh TIMEOUT STALL CMD [ARG...]: runs CMD and prints its verdict on
# one line: "ok" (exit 0), "exit N", "crash SIGNAL", "hang" (asleep: no CPU
# time used for STALL seconds; its stack is printed with gdb first, then it
# is killed), or "timeout" (still running, using CPU, after TIMEOUT s).
# STALL 0 disables the hang rule (a loaded machine can starve a healthy
# program for seconds). The program's output goes to stderr.
set -u
limit=$1 stall=$2; shift 2
"$@" >&2 &
pid=$!
cpu() { awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null; }
last=$(cpu); still=0; t=0
while kill -0 "$pid" 2>/dev/null; do
  sleep 1; t=$((t + 1))
  now=$(cpu)
  [ -z "$now" ] && break
  if [ "$now" = "$last" ]; then still=$((still + 1)); else still=0; last=$now; fi
  state=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)
  if [ "$stall" -gt 0 ] && [ "$still" -ge "$stall" ] && [ "$state" = S ]; then
    gdb -q -batch -p "$pid" -ex "bt 20" 2>/dev/null | grep '^#' | sed 's/ (.*) at / at /' | cut -c1-100 | head -n 20 >&2
    kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; echo hang; exit 0
  fi
  if [ "$t" -ge "$limit" ]; then kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; echo timeout; exit 0; fi
done
wait "$pid"; rc=$?
if [ "$rc" -eq 0 ]; then echo ok
elif [ "$rc" -gt 128 ]; then echo "crash $(kill -l $((rc - 128)) 2>/dev/null || echo $((rc - 128)))"
else echo "exit $rc"; fi
