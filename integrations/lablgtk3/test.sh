#!/usr/bin/env bash
# Builds lablgtk3 (build.sh) and checks it under its own Xvfb:
#   1. the scripted app (workspace/extra/app/app.ml: a button, a text entry,
#      a GTree.list_store with a caml column): 5 rows added through the
#      button's "clicked" handler and read back through the caml column,
#      with a screenshot of its window;
#   2. five of lablgtk's own examples (tree_model, custom_list_generic,
#      progressbar, tooltip, combobox), unchanged, driven to their end;
#   3. ours: its programs link no GTK 4, and the glue is linked in;
#   4. reproducers (repro/): caml columns read under s=4k (#174);
#      adjustments with handlers dropped in a loop; a root removed by a
#      GC finalizer (the 5.3 deadlock); a g_log warning from
#      GLib threads with a log handler set; the exit at c=1 with a second
#      domain at work (and its pure-OCaml control); the minor GC with 1,000
#      and 100,000 live handlers. Printed for both variants, required of
#      ours; stock's failure asserted where it fails every run.
#
#   integrations/lablgtk3/test.sh [stock|ours]
#
# Environment: LABLGTK_SRC & co. (see build.sh); LABLGTK3_SCREENSHOT_DIR
# (where the app's screenshot is kept, default a temporary folder).
# Last line: "lablgtk3-<variant>: N passed, M failed".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
variant=${1:-stock}
name=lablgtk3-$variant
passed=0; failed=0
check() { # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "ok   $what"
  else failed=$((failed + 1)); echo "FAIL $what"; fi
}
finish() { echo "$name: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

if [ -z "${LABLGTK3_TEST_UNDER_XVFB:-}" ]; then
  LABLGTK3_TEST_UNDER_XVFB=1 exec "$here/../../scripts/xvfb.sh" bash "$0" "$@"
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
t_all=$SECONDS

# ImageMagick's import takes the screenshot; installed like setup.sh's
# packages when missing.
if ! command -v import >/dev/null 2>&1; then
  sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  echo "[lablgtk3] installing imagemagick (for the app's screenshot)"
  "${sudo[@]}" apt-get update -qq >/dev/null 2>&1
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends imagemagick >/dev/null 2>&1
fi

# ---- build ---------------------------------------------------------------
t0=$SECONDS
bash "$here/build.sh" "$variant" >"$tmp/build.out" 2>&1
bstatus=$?
grep '^\[lablgtk3\]' "$tmp/build.out"
ws=$(sed -n 's/^LABLGTK3_WS=//p' "$tmp/build.out" | tail -n 1)
check "lablgtk3 ($variant) builds (exit $bstatus, $((SECONDS - t0)) s)" test "$bstatus" -eq 0 -a -n "$ws"
if [ "$bstatus" -ne 0 ] || [ -z "$ws" ]; then tail -n 40 "$tmp/build.out"; finish; fi
bin=$ws/_build/default/extra

# ---- 1. the scripted app -----------------------------------------------------
shot_dir=${LABLGTK3_SCREENSHOT_DIR:-$tmp}
mkdir -p "$shot_dir"
shot=$shot_dir/app-$variant.png
rm -f "$shot"
LABLGTK3_APP_ROWS=5 LABLGTK3_APP_SHOT_CMD="import -window 'lablgtk3 app' '$shot'" \
  timeout 120 "$bin/app/app.exe" >"$tmp/app.out" 2>"$tmp/app.err"
arc=$?
echo "--- the scripted app ($variant), exit $arc"; sed 's/^/  /' "$tmp/app.out"
grep -v 'dbus-launch' "$tmp/app.err" | grep . | head -n 10 | sed 's/^/  stderr: /'
check "app: exit 0, every check held" [ "$arc" -eq 0 ]
check "app: the caml column read back 5 records" grep -q '^app: the caml column reads back 5 records (good: 5): ok' "$tmp/app.out"
png_ok() {
  [ -f "$shot" ] || { echo "  no $shot"; return 1; }
  [ "$(head -c 8 "$shot" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || { echo "  not a PNG"; return 1; }
  local w h
  w=$((16#$(head -c 20 "$shot" | tail -c 4 | od -An -tx1 | tr -d ' \n')))
  h=$((16#$(head -c 24 "$shot" | tail -c 4 | od -An -tx1 | tr -d ' \n')))
  echo "  screenshot $shot: $(stat -c %s "$shot") bytes, ${w}x${h}"
  [ "$w" -ge 200 ] && [ "$h" -ge 80 ]
}
check "app: the screenshot of its window is a PNG of at least 200x80" png_ok

# ---- 2. lablgtk's own examples, driven to their end --------------------------
# (workspace/extra/examples: unchanged sources, linked with our driver)
echo "--- lablgtk's examples ($variant)"
for e in tree_model custom_list_generic progressbar tooltip combobox; do
  LABLGTK3_EXAMPLE_MS=1500 timeout 120 "$bin/examples/$e.exe" >"$tmp/ex-$e.out" 2>"$tmp/ex-$e.err"
  erc=$?
  line=$(grep '^example-driver: ' "$tmp/ex-$e.out" | tail -n 1)
  bad=$(grep -Eci 'fatal|exception|critical|segmentation' "$tmp/ex-$e.err")
  check "example $e: exit $erc, driven to its end (${line#example-driver: }), no fatal/exception/critical on stderr ($bad)" \
    bash -c "[ $erc -eq 0 ] && [ -n '$line' ] && [ $bad -eq 0 ]"
  [ "$bad" -eq 0 ] || grep -Ei 'fatal|exception|critical|segmentation' "$tmp/ex-$e.err" | head -n 3 | sed 's/^/      | /'
done

# ---- 4. reproducers (issue 24, part 4) ------------------------------------------
# Printed for both variants; ours must pass each. Stock's failure is
# asserted only where it fails here on every run (the log handler on a
# GLib thread); where stock survives, its outcome is printed.
ocaml_v=${ws##*-ocaml}
echo "--- reproducers on $variant (OCaml $ocaml_v)"
OCAMLRUNPARAM=s=4k timeout 300 "$bin/repro/r_caml_column.exe" 300 >"$tmp/cc.out" 2>&1; ccrc=$?
echo "  $name caml-column (s=4k): $(tail -n 1 "$tmp/cc.out") (exit $ccrc)"
OCAMLRUNPARAM=s=4k timeout 300 "$bin/repro/r_adjustments.exe" 60000 >"$tmp/adj.out" 2>&1; adjrc=$?
sed "s/^/  $name /" "$tmp/adj.out"; echo "  $name adjustments: exit $adjrc"
timeout 60 "$bin/repro/r_log_thread.exe" >"$tmp/log.out" 2>"$tmp/log.err"; logrc=$?
echo "  $name log-thread: exit $logrc: $(cat "$tmp/log.out") $(grep -m1 -i 'fatal' "$tmp/log.err")"
runs=${LABLGTK3_EXIT_RUNS:-20}; cd_=0; cc_=0
for _ in $(seq "$runs"); do
  OCAMLRUNPARAM=c=1 timeout 30 "$bin/repro/r_exit_domain.exe" >/dev/null 2>&1 || cd_=$((cd_ + 1))
  OCAMLRUNPARAM=c=1 timeout 30 "$bin/repro/r_exit_control.exe" >/dev/null 2>&1 || cc_=$((cc_ + 1))
done
echo "  $name exit at c=1 with a second domain at work: $cd_ of $runs runs failed (pure-OCaml control: $cc_)"
# a run that sleeps 3 s without CPU is a hang (stock's deadlock; its stack
# is printed); ours gets 120 s and no stall rule (a busy machine)
if [ "$variant" = stock ]; then fr_limit=30 fr_stall=3; else fr_limit=120 fr_stall=0; fi
fr=$(OCAMLRUNPARAM=s=4k bash "$here/repro/run_one.sh" "$fr_limit" "$fr_stall" "$bin/repro/r_finalizer_root.exe" 300000 2>"$tmp/fr.err")
echo "  $name finalizer-root (s=4k, 300,000 rounds): $fr"
[ "$fr" = hang ] && sed -n '1,12p' "$tmp/fr.err" | sed 's/^/      | /'
timeout 300 "$bin/repro/r_gc_scaling.exe" 1000 100000 >"$tmp/gcs.out" 2>&1
sed "s/^/  $name /" "$tmp/gcs.out"
if [ "$variant" = stock ]; then
  # OCaml 5.4.0 fixed the deadlock of a root removal from a GC finalizer
  # (stock completes there); on 5.3 it hung in 8 of 8 runs here.
  case $ocaml_v in
    5.3.*) check "stock on OCaml $ocaml_v: a global root removed by a GC finalizer hangs (got: $fr)" [ "$fr" = hang ] ;;
    *) echo "  (stock's finalizer-root is not asserted on OCaml $ocaml_v: fixed upstream in 5.4.0)" ;;
  esac
  check "stock: a g_log warning from a GLib thread with a log handler set aborts (no domain lock held)" \
    bash -c "[ $logrc -ne 0 ] && grep -q 'no domain lock held' '$tmp/log.err'"
fi
if [ "$variant" = ours ]; then
  check "ours: 300,000 caml-column reads under s=4k, none wrong" [ "$ccrc" -eq 0 ]
  check "ours: 60,000 adjustments with a handler, made and dropped, complete" \
    bash -c "[ $adjrc -eq 0 ] && grep -q '^adjustments: 60000 made, 60000 callbacks' '$tmp/adj.out'"
  # Each callback captures its adjustment (lablgtk's connect_aux does too):
  # the glue's ocgc_closure_own lets them go (stock: 0; ours before the
  # glue called it: 0).
  check "ours: every one of the 60,000 self-capturing adjustments finalized" \
    grep -q '^adjustments: 60000 made, 60000 callbacks, 60000 wrappers finalized' "$tmp/adj.out"
  check "ours: 100 warnings logged from 4 GLib threads all reach the OCaml log handler" \
    bash -c "[ $logrc -eq 0 ] && grep -q '^log-thread: 100 of 100' '$tmp/log.out'"
  check "ours: exit at c=1 with a second domain at work: $cd_ failures, control $cc_ (at most control + 2)" \
    test "$cd_" -le $((cc_ + 2))
  check "ours: 300,000 caml-column reads and closures with GC-time releases complete (got: $fr)" [ "$fr" = ok ]
  check "ours: the minor GC figures were printed" grep -q '^gc-scaling: 100000 handlers' "$tmp/gcs.out"
fi

# ---- 5. what "ours" links ------------------------------------------------------
if [ "$variant" = ours ]; then
  app=$bin/app/app.exe
  check "ours: the app links no GTK 4 (readelf: $(readelf -d "$app" | grep -c NEEDED) libraries needed)" \
    bash -c "! readelf -d '$app' | grep -q 'libgtk-4'"
  check "ours: the app's closures, GValue blocks, roots and log handler go through the glue and the C API (nm)" \
    bash -c "nm '$app' | grep -q ' T ocgc_closure_new' && nm '$app' | grep -q ' T lg_glue_alloc_custom' && nm '$app' | grep -q ' T ocgc_cell_new' && nm '$app' | grep -q ' T ocgc_run_locked'"
fi

echo "lablgtk3 part ($variant) took $((SECONDS - t_all)) s"
finish
