# shellcheck shell=bash
# The run series of tests/shell/test_exit.sh, in a file of its own so that
# a shell under scripts/xvfb.sh can source it too. Needs $tmp.

# series NAME RUNS PARAM CMD...: runs CMD RUNS times in a row with
# OCAMLRUNPARAM=PARAM, in $tmp/NAME.d with core dumps allowed. Writes
# "<run> <exit code> <milliseconds>" per bad run to $tmp/NAME.bad, keeps each bad run's
# stderr as $tmp/NAME.err.I, the faulting thread's stack of its core as
# $tmp/NAME.stack.I, and the first 3 cores as $tmp/NAME.core.I.
series() {
  local name=$1 n=$2 param=$3 i rc c t0 ms; shift 3
  : >"$tmp/$name.bad"; mkdir -p "$tmp/$name.d"
  local try
  for ((i = 1; i <= n; i++)); do
    for try in 1 2 3; do
      t0=$(date +%s%N)
      # A run that hangs is ended with SIGABRT, so that its core shows where.
      (cd "$tmp/$name.d" && ulimit -c unlimited 2>/dev/null
       OCAMLRUNPARAM=$param exec timeout -s ABRT 20 "$@") >/dev/null 2>"$tmp/$name.cur"
      rc=$?
      ms=$(( ($(date +%s%N) - t0) / 1000000 ))
      # The X server itself unreachable: not a run of the program; run it
      # again. (scripts/xvfb.sh's -noreset removed the usual cause, a
      # connection during the server's reset after its last client left.)
      grep -q 'cannot open display' "$tmp/$name.cur" || break
      rm -f "$tmp/$name.d"/core*; sleep 1
    done
    # GTK's note that there is no session bus under Xvfb is not ours.
    sed -i '/Unable to acquire session bus/d; /^$/d' "$tmp/$name.cur"
    if [ "$rc" -ne 0 ] || [ -s "$tmp/$name.cur" ]; then
      echo "$i $rc $ms" >>"$tmp/$name.bad"; cp "$tmp/$name.cur" "$tmp/$name.err.$i"
    fi
    for c in "$tmp/$name.d"/core*; do
      [ -e "$c" ] || continue
      gdb -q -batch -ex 'set width 0' -ex bt "$1" "$c" 2>/dev/null | grep -E '^#' >"$tmp/$name.stack.$i"
      if [ "$(ls "$tmp" | grep -c "^$name\.core\.")" -lt 3 ]; then mv "$c" "$tmp/$name.core.$i"; else rm -f "$c"; fi
    done
  done
}

