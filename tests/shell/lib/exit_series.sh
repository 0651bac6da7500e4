# shellcheck shell=bash
# The run series of tests/shell/test_exit.sh, in a file of its own so that
# a shell under scripts/xvfb.sh can source it too. Needs $tmp.

# series NAME RUNS PARAM CMD...: runs CMD RUNS times with OCAMLRUNPARAM=PARAM,
# split into EXIT_JOBS (default 3) streams that run at the same time, each
# in a folder of its own with core dumps allowed. Writes "<run> <exit code>
# <milliseconds>" per bad run to $tmp/NAME.bad, keeps each bad run's stderr
# as $tmp/NAME.err.I, the faulting thread's stack of its core as
# $tmp/NAME.stack.I (of the first EXIT_STACKS cores, default all: gdb takes
# a third of a second a core), and the first 3 cores as $tmp/NAME.core.I.
#
# Why streams: with c=1 a run of a program that links the threads library
# spends most of its 70 ms waiting (the runtime's exit joins the thread that
# ticks every 50 ms), so three streams give about three times the runs in
# the same time on two cores. Each stream still runs one program at a time.
series() {
  local name=$1 n=$2 param=$3; shift 3
  local jobs=${EXIT_JOBS:-3} k first last per pids=()
  [ "$jobs" -ge 1 ] || jobs=1
  per=$(( (n + jobs - 1) / jobs ))
  for ((k = 0; k < jobs; k++)); do
    first=$((k * per + 1)); last=$(( (k + 1) * per )); [ "$last" -le "$n" ] || last=$n
    [ "$first" -le "$last" ] || break
    (series_stream "$name" "$k" "$first" "$last" "$param" "$@") &
    pids+=($!)
  done
  wait "${pids[@]}"
  sort -n "$tmp/$name".bad.* >"$tmp/$name.bad" 2>/dev/null
  rm -f "$tmp/$name".bad.* "$tmp/$name".cur.*
}

# series_stream NAME K FIRST LAST PARAM CMD...: runs FIRST..LAST of a series
# (CMD's path absolute). Run in a subshell of its own: it changes folder.
# Per run, only `timeout` and the program are started (bash's clock, no
# `date`; stderr read only when there is some): the shell's own cost per
# run was a third of the test's time.
series_stream() {
  local name=$1 k=$2 first=$3 last=$4 param=$5 i rc c t0 ms try; shift 5
  local dir="$tmp/$name.d.$k" cur="$tmp/$name.cur.$k"
  : >"$tmp/$name.bad.$k"; mkdir -p "$dir"
  cd "$dir" || return 1
  ulimit -c unlimited 2>/dev/null
  for ((i = first; i <= last; i++)); do
    for try in 1 2 3; do
      t0=${EPOCHREALTIME/./}
      # A run that hangs is ended with SIGABRT, so that its core shows where.
      OCAMLRUNPARAM=$param timeout -s ABRT 20 "$@" >/dev/null 2>"$cur"
      rc=$?
      ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
      # The X server itself unreachable: not a run of the program; run it
      # again. (scripts/xvfb.sh's -noreset removed the usual cause, a
      # connection during the server's reset after its last client left.)
      [ -s "$cur" ] && grep -q 'cannot open display' "$cur" || break
      rm -f "$dir"/core*; sleep 1
    done
    if [ -s "$cur" ]; then
      # GTK's note that there is no session bus under Xvfb is not ours.
      sed -i '/Unable to acquire session bus/d; /^$/d' "$cur"
    fi
    if [ "$rc" -ne 0 ] || [ -s "$cur" ]; then
      echo "$i $rc $ms" >>"$tmp/$name.bad.$k"; cp "$cur" "$tmp/$name.err.$i"
    fi
    for c in "$dir"/core*; do
      [ -e "$c" ] || continue
      if [ "$(ls "$tmp" | grep -c "^$name\.stack\.")" -lt "${EXIT_STACKS:-1000000}" ]; then
        gdb -q -batch -ex 'set width 0' -ex bt "$1" "$c" 2>/dev/null | grep -E '^#' >"$tmp/$name.stack.$i"
      fi
      if [ "$(ls "$tmp" | grep -c "^$name\.core\.")" -lt 3 ]; then mv "$c" "$tmp/$name.core.$i"; else rm -f "$c"; fi
    done
  done
}
