#!/usr/bin/env bash
# Builds and runs the benchmarks (bench/README.md), then writes results.md
# (tables, machine, command, date), results.png and results.raw.txt into
# _build/bench/ (BENCH_OUT), so that trying it leaves the checkout as it was;
# with --update-docs, into bench/ (the tracked copies the README links).
#
#   ./scripts/bench.sh            # the full run (about 3 minutes on 2 cores)
#   ./scripts/bench.sh --update-docs   # the same, rewriting bench/results.*
#   BENCH_ROUNDS=5 BENCH_PROFILE=0 ./scripts/bench.sh   # fewer rounds, no callgrind
#
# Every figure is the median of the repetitions of BENCH_ROUNDS rounds (7 by
# default, at least 5); each round runs ours, the baseline and the floor side
# by side, in an order that rotates from round to round. Then, unless
# BENCH_PROFILE=0, callgrind counts the instructions of invoke, emission and
# lifecycle for ours and the baseline (function-level table in results.md).
set -euo pipefail
bench_t0=$SECONDS
bench_cmd="./scripts/bench.sh${*:+ $*}"
dest=${BENCH_OUT:-_build/bench}
for arg in "$@"; do
  case $arg in
    --update-docs) dest=bench ;;
    *) echo "bench.sh: unknown argument $arg (--update-docs)" >&2; exit 2 ;;
  esac
done
set --
[ -n "${BENCH_ROUNDS:-}" ] && bench_cmd="BENCH_ROUNDS=$BENCH_ROUNDS $bench_cmd"
[ -n "${BENCH_PROFILE:-}" ] && bench_cmd="BENCH_PROFILE=$BENCH_PROFILE $bench_cmd"
# shellcheck source=scripts/setup.sh
source "$(dirname "$0")/setup.sh"
set -euo pipefail
cd "$OCAML_GCLOSURE_ROOT"

ROUNDS=${BENCH_ROUNDS:-7}
PROFILE=${BENCH_PROFILE:-1}
[ "$ROUNDS" -ge 5 ] || { echo "bench.sh: BENCH_ROUNDS must be at least 5" >&2; exit 2; }

say() { printf '[bench] %s\n' "$*" >&2; }

# ---- Python with matplotlib, for the plot (a venv in the cache folder) ----
venv=$GC_CACHE/bench-venv
if ! "$venv/bin/python" -c 'import matplotlib' 2>/dev/null; then
  say "installing matplotlib into $venv (once)"
  if ! python3 -m venv "$venv" 2>/dev/null; then
    # Debian's python3 has venv (and ensurepip) in a separate package.
    sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install -q matplotlib
fi

# ---- build -------------------------------------------------------------------
say "building bench.exe"
dune build ./bench/bench.exe ./tests/memory/mem_dialogs.exe
major=$(ocamlopt -version | cut -d. -f1)
[ "$major" -ge 5 ] && dune build ./bench/program/program.exe
P=$OCAML_GCLOSURE_ROOT/_build/default/bench/program/program.exe
B=$OCAML_GCLOSURE_ROOT/_build/default/bench/bench.exe
D=$OCAML_GCLOSURE_ROOT/_build/default/tests/memory/mem_dialogs.exe
dc=$OCAML_GCLOSURE_ROOT/_build/bench-dialogs_c
cc -O2 -o "$dc" tests/memory/dialogs_c.c $(pkg-config --cflags --libs gtk4)
# The Rust host's side (bench/rust_host.rs): a test target with its own main.
say "building the Rust host's benchmark"
R=$(cargo test --release --quiet --target-dir "$OCAML_GCLOSURE_TARGET_DIR" --test rust_host_bench --no-run \
  --message-format=json 2>/dev/null | grep -o '"executable":"[^"]*"' | tail -1 | cut -d'"' -f4)
[ -x "$R" ] || { echo "bench.sh: building bench/rust_host.rs failed" >&2; exit 1; }

mkdir -p "$dest"
out=$dest/results.raw.txt
: >"$out"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

variants=(ours baseline floor)
rotated() { # rotated R: the variants starting at index R mod 3
  local r=$1 i; for i in 0 1 2; do printf '%s ' "${variants[$(((i + r) % 3))]}"; done
}

# ---- measurements --------------------------------------------------------------
for round in $(seq 1 "$ROUNDS"); do
  say "round $round/$ROUNDS"
  "$B" invoke 1000000 3 >>"$out"
  "$B" emit 1000000 3 >>"$out"
  # Rust host: each call and callback takes the domain lock ("ours"), or
  # a Runtime::lock guard held across the loop ("locked").
  for m in emit invoke flush; do
    "$R" $m 1000000 3 >>"$out"
    "$R" $m 1000000 3 --locked | sed 's/ ours / locked /' >>"$out"
  done
  "$R" closure 100000 3 >>"$out"
  # the same with a second domain running (issue 25)
  "$B" invoke_busy 1000000 3 >>"$out"
  "$B" emit_busy 1000000 3 >>"$out"
  for live in 1000 100000 1000000; do
    for v in $(rotated "$round"); do
      "$B" lifecycle "$v" "$live" 100000 3 >>"$out"
    done
  done
done

# ---- memory per dialog over 1,000 dialogs (issue 19) -----------------------------
# tests/memory/mem_dialogs.ml (Gtk4: a window with a box, a label and a Close
# button; "clicked" destroys it; no GC in the loop) with a Close handler that
# finds its window from the button (ours) or captures it (ours_capturing),
# and the same program in C (tests/memory/dialogs_c.c), in one X server.
# Growth per dialog after the final GC, from a baseline taken after the
# first third: DIALOG_ROUNDS (3) rounds in rotating order, medians.
DIALOGS=${BENCH_DIALOGS:-1000}
dialog_line() { # dialog_line VARIANT OUTPUT: RESULT lines from a "dialogs ..." line
  awk -v v="$1" -v n="$DIALOGS" '/^dialogs / {
    for (i = 2; i < NF; i++) {
      if ($i == "rss_per_dialog") print "RESULT dialog_rss " v " " n " " $(i + 1) " bytes/dialog"
      if ($i == "malloc_per_dialog") print "RESULT dialog_malloc " v " " n " " $(i + 1) " bytes/dialog"
      if ($i == "live_growth") print "RESULT dialog_closures " v " " n " " $(i + 1) " closures"
    } }' <<<"$2"
}
dvariants=(ours ours_capturing c)
for round in $(seq 1 "${DIALOG_ROUNDS:-3}"); do
  say "memory per dialog, round $round/${DIALOG_ROUNDS:-3} ($DIALOGS dialogs each)"
  for i in 0 1 2; do
    v=${dvariants[$(((i + round) % 3))]}
    case $v in
      ours) cmd=("$D" "$DIALOGS") ;;
      ours_capturing) cmd=("$D" --capture "$DIALOGS") ;;
      c) cmd=("$dc" "$DIALOGS") ;;
    esac
    o=$(scripts/xvfb.sh "${cmd[@]}" 2>/dev/null) || { say "dialogs ($v) failed"; continue; }
    dialog_line "$v" "$o" >>"$out"
  done
done

# ---- a program-shaped benchmark (issue 25) --------------------------------------
# bench/program/program.ml: 3,000 live GtkButtons with two handlers each,
# 2,000 frames of OCaml work, emissions from C, buttons replaced and a
# main-context iteration; ours also with a GLib worker thread emitting.
# PROGRAM_ROUNDS (5) rounds in rotating order, medians. Needs OCaml 5
# (Runtime_events gives the GC's time).
if [ "$major" -ge 5 ]; then
  pvariants=(ours_worker ours baseline)
  revents=$(mktemp -d)
  for round in $(seq 1 "${PROGRAM_ROUNDS:-5}"); do
    say "program-shaped benchmark, round $round/${PROGRAM_ROUNDS:-5}"
    for i in 0 1 2; do
      v=${pvariants[$(((i + round) % 3))]}
      case $v in
        ours_worker) args=(ours) ;;
        ours) args=(ours --no-worker) ;;
        baseline) args=(baseline --no-worker) ;;
      esac
      o=$(OCAML_RUNTIME_EVENTS_DIR=$revents scripts/xvfb.sh "$P" "${args[@]}" 2>/dev/null) || { say "program ($v) failed"; continue; }
      awk -v v="$v" '/^program / { for (i = 2; i < NF; i++) {
          if ($i == "total_ms") print "RESULT prog_total " v " 1 " $(i + 1) " ms"
          if ($i == "minor_gc_ms") print "RESULT prog_minor " v " 1 " $(i + 1) " ms"
          if ($i == "major_gc_ms") print "RESULT prog_major " v " 1 " $(i + 1) " ms"
          if ($i == "peak_rss_kb") print "RESULT prog_rss " v " 1 " $(i + 1) " KB" } }' <<<"$o" >>"$out"
    done
  done
  rm -rf "$revents"
fi
measure_s=$((SECONDS - bench_t0))

# ---- callgrind: instruction counts by function ------------------------------------
cg=$OCAML_GCLOSURE_ROOT/_build/bench-callgrind
rm -rf "$cg"; mkdir -p "$cg"
if [ "$PROFILE" != 0 ]; then
  say "callgrind profiles (invoke, emission, lifecycle at 100,000 live)"
  vg() { valgrind --tool=callgrind --collect-atstart=no "$@" >/dev/null 2>&1; }
  for v in ours baseline; do
    # invoke: 1 check call + 10,000 warm-up + 100,000 measured calls
    vg --callgrind-out-file="$cg/invoke.$v.out" --toggle-collect=g_closure_invoke "$B" invoke 100000 1 "$v"
    echo 110001 >"$cg/invoke.$v.ops"
    # emission: 10,000 warm-up + 100,000 measured emissions
    vg --callgrind-out-file="$cg/emit.$v.out" --toggle-collect=g_signal_emit_by_name "$B" emit 100000 1 "$v"
    echo 110000 >"$cg/emit.$v.ops"
    # lifecycle: 1 warm-up + 1 measured batch of 20,000, 100,000 others live
    # (bench.exe switches counting on and off around each batch itself)
    vg --callgrind-out-file="$cg/lifecycle.$v.out" "$B" lifecycle "$v" 100000 20000 1
    echo 40000 >"$cg/lifecycle.$v.ops"
  done
  # Rust host: inside Bench::run only (warm-up of 10,000 + 100,000 measured)
  for m in emit invoke flush; do
    for v in ours locked; do
      extra=(); [ $v = locked ] && extra=(--locked)
      vg --callgrind-out-file="$cg/rust_$m.$v.out" --toggle-collect='*Bench*run*' "$R" $m 100000 1 "${extra[@]}"
      echo 110000 >"$cg/rust_$m.$v.ops"
    done
  done
fi

say "writing $dest/results.md and $dest/results.png"
"$venv/bin/python" bench/report.py \
  --raw "$out" --callgrind "$cg" --md "$dest/results.md" --png "$dest/results.png" \
  --command "$bench_cmd" --rounds "$ROUNDS" \
  --ocaml "$(ocamlopt -version)" --glib "$(pkg-config --modversion glib-2.0)" \
  --commit "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  --load "$load_before" --measure-seconds "$measure_s" --total-seconds "$((SECONDS - bench_t0))"
say "done in $((SECONDS - bench_t0)) s: $dest/results.md, $dest/results.png"
