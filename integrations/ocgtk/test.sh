#!/usr/bin/env bash
# Builds ocgtk (build.sh) and checks it, under its own Xvfb:
#   1. our alcotest-compatible runner fails what it must (its self-test);
#   2. every ocgtk test that builds here passes (tests/*.ml and tests/gtk/*.ml
#      with a (test) stanza), the closure and signal tests among them;
#   3. ocgtk's examples/counter.ml, driven through 5 clicks and a reset, with
#      a screenshot of its window;
#   4. the reproducers of issue 13 (repro/run.sh): on stock, each hazard that
#      reproduces deterministically here must show (the stack is printed);
#   5. memory per dialog (extra/dialogs, issue 19): printed for stock, under
#      2 KB and no closure per dialog for ours.
#   6. self-capturing handlers (extra/dialogs/owned.ml, issue 19): printed
#      for stock, every object finalized for ours.
#
#   integrations/ocgtk/test.sh [stock|ours]
#
# Environment: OCGTK_SRC (see build.sh); OCGTK_SCREENSHOT_DIR (where the
# counter's screenshot is kept, default a temporary folder);
# OCGTK_REPRO_RUNS / OCGTK_REPRO_TIMEOUT / OCGTK_REPRO_STALL (reproducer
# runs, hang timeout, and the seconds asleep without CPU that make a hang,
# default 2, 10 s and none). Last line: "ocgtk-<variant>: N passed, M failed".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
variant=${1:-stock}
name=ocgtk-$variant
passed=0; failed=0
check() { # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "ok   $what"
  else failed=$((failed + 1)); echo "FAIL $what"; fi
}
finish() { echo "$name: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

# GTK needs a display: the whole script runs under one Xvfb.
if [ -z "${OCGTK_TEST_UNDER_XVFB:-}" ]; then
  OCGTK_TEST_UNDER_XVFB=1 exec "$here/../../scripts/xvfb.sh" bash "$0" "$@"
fi

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
t_all=$SECONDS

# ImageMagick's import takes the screenshot; installed like setup.sh's
# packages when missing.
if ! command -v import >/dev/null 2>&1; then
  sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  echo "[ocgtk] installing imagemagick (for the counter's screenshot)"
  "${sudo[@]}" apt-get update -qq >/dev/null 2>&1
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends imagemagick >/dev/null 2>&1
fi

# ---- build ---------------------------------------------------------------
t0=$SECONDS
bash "$here/build.sh" "$variant" >"$tmp/build.out" 2>&1
bstatus=$?
grep '^\[ocgtk\]' "$tmp/build.out"
ws=$(sed -n 's/^OCGTK_WS=//p' "$tmp/build.out" | tail -n 1)
check "ocgtk ($variant) builds (exit $bstatus, $((SECONDS - t0)) s)" test "$bstatus" -eq 0 -a -n "$ws"
if [ "$bstatus" -ne 0 ] || [ -z "$ws" ]; then tail -n 40 "$tmp/build.out"; finish; fi
bin=$ws/_build/default

# ---- 1. the runner's self-test ---------------------------------------------
st=$bin/deps/alcotest/selftest/selftest.exe
"$st" test must-fail >"$tmp/st-fail.out" 2>&1; st_fail=$?
"$st" test must-pass >"$tmp/st-pass.out" 2>&1; st_pass=$?
n_cases=$(grep -c 'test_case "' "$here/workspace/alcotest/selftest/selftest.ml")
n_must_pass=$(grep -c '^  \[\(OK\|SKIP\|FAIL\)\] *must-pass' "$tmp/st-pass.out")
n_fail=$(grep -c '^  \[FAIL\] *must-fail' "$tmp/st-fail.out")
n_must_fail=$((n_cases - n_must_pass))
check "runner self-test: all $n_must_fail must-fail checks reported [FAIL] (got $n_fail), exit 1 (got $st_fail)" \
  test "$n_fail" -eq "$n_must_fail" -a "$st_fail" -eq 1 -a "$n_must_fail" -gt 10
check "runner self-test: the must-pass suite passes (exit $st_pass, no [FAIL])" \
  bash -c "[ $st_pass -eq 0 ] && ! grep -q FAIL '$tmp/st-pass.out'"
grep '^  \[FAIL\]' "$tmp/st-fail.out" | head -n 3 | sed 's/^/  e.g. /'

# ---- 2. ocgtk's own tests ----------------------------------------------------
echo "--- ocgtk's tests ($variant): built $(wc -l <"$ws/built-tests.txt"), not built $(wc -l <"$ws/failed-tests.txt")"
[ -s "$ws/failed-tests.txt" ] && sed 's/^/  did not build: /' "$ws/failed-tests.txt"
declare -A result=()
while read -r t; do
  d=$bin/$(dirname "$t"); n=$(basename "$t")
  t0=$(date +%s.%N)
  ( cd "$d" && timeout 300 "./$n.exe" ) >"$tmp/$n.log" 2>&1
  rc=$?
  dt=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  summary=$(grep -E '^(Test Successful|[0-9]+ failures?!)' "$tmp/$n.log" | tail -n 1)
  result[$t]=$rc
  printf '  %-46s exit %-3s %5s s  %s\n' "$t" "$rc" "$dt" "$summary"
  if [ "$rc" -ne 0 ]; then grep -E '^\s+(\[FAIL\]|failed:)' "$tmp/$n.log" | head -n 5 | sed 's/^/      /'; tail -n 3 "$tmp/$n.log" | sed 's/^/      | /'; fi
done <"$ws/built-tests.txt"
for t in ocgtk/tests/test_closure_stress ocgtk/tests/test_closure_with_gc \
         ocgtk/tests/gtk/test_signal_marshalling ocgtk/tests/gtk/test_signal_widget \
         ocgtk/tests/gtk/test_signal_value_enum_flags; do
  check "listed test $(basename "$t") builds and passes" [ "${result[$t]:-missing}" = 0 ]
done
others_failed=0; others=0
for t in "${!result[@]}"; do
  case $t in */test_closure_stress|*/test_closure_with_gc|*/test_signal_marshalling|*/test_signal_widget|*/test_signal_value_enum_flags) continue ;; esac
  others=$((others + 1)); [ "${result[$t]}" = 0 ] || others_failed=$((others_failed + 1))
done
check "the $others other ocgtk tests that build here pass ($others_failed failed)" [ "$others_failed" -eq 0 ]

# ---- 3. examples/counter.ml, scripted ---------------------------------------
shot_dir=${OCGTK_SCREENSHOT_DIR:-$tmp}
mkdir -p "$shot_dir"
shot=$shot_dir/counter-$variant.png
rm -f "$shot"
OCGTK_COUNTER_DRIVE=5 OCGTK_COUNTER_TIMEOUT=60 \
OCGTK_COUNTER_SHOT_CMD="import -window 'Counter App' '$shot'" \
  timeout 120 "$bin/extra/counter/counter.exe" >"$tmp/counter.out" 2>"$tmp/counter.err"
crc=$?
echo "--- examples/counter.ml ($variant), exit $crc"; sed 's/^/  /' "$tmp/counter.out"
grep -v 'dbus-launch' "$tmp/counter.err" | grep . | sed 's/^/  stderr: /'
check "counter: exit 0" [ "$crc" -eq 0 ]
check "counter: the label reads Count: 5 after 5 clicks" grep -qx 'counter-driver: label after 5 clicks: Count: 5' "$tmp/counter.out"
check "counter: Reset brings it back to Count: 0" grep -qx 'counter-driver: label after reset: Count: 0' "$tmp/counter.out"
check "counter: driver done without failure" grep -qx 'counter-driver: done: ok' "$tmp/counter.out"
check "counter: no OCaml exception escaped a callback" bash -c "! grep -q 'OCaml closure exception' '$tmp/counter.err'"
png_ok() {
  [ -f "$shot" ] || { echo "  no $shot"; return 1; }
  [ "$(head -c 8 "$shot" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || { echo "  not a PNG"; return 1; }
  local w h
  w=$((16#$(head -c 20 "$shot" | tail -c 4 | od -An -tx1 | tr -d ' \n')))
  h=$((16#$(head -c 24 "$shot" | tail -c 4 | od -An -tx1 | tr -d ' \n')))
  echo "  screenshot $shot: $(stat -c %s "$shot") bytes, ${w}x${h}"
  [ "$w" -ge 200 ] && [ "$h" -ge 80 ]
}
check "counter: the screenshot of its window is a PNG of at least 200x80" png_ok

# ---- 4. reproducers ------------------------------------------------------------
echo "--- reproducers of issue 13 on $variant (OCaml ${ws##*-ocaml})"
res=$tmp/repro.txt; : >"$res"
REPRO_RESULTS=$res REPRO_RUNS=${OCGTK_REPRO_RUNS:-2} REPRO_TIMEOUT=${OCGTK_REPRO_TIMEOUT:-10} \
REPRO_STALL=${OCGTK_REPRO_STALL:-} \
  bash "$here/repro/run.sh" "$bin/extra/repro" "$variant"
verdict() { sed -n "s/^REPRO $1 $variant: \([a-z]*\).*/\1/p" "$res"; }
crashes() { sed -n "s/^REPRO $1 $variant: .*[( ]crash=\([0-9]*\).*/\1/p" "$res"; }
ocaml_v=${ws##*-ocaml}
if [ "$variant" = stock ]; then
  # What stock ocgtk does here (GLib 2.74, GTK 4.8), per OCaml version; each
  # of these reproduced in every run while this was written. OCaml 5.4.0
  # fixed the deadlock of root removal from a GC finalizer (gc-chain
  # completes there), and at a c=1 exit stock crashed in 0 of 45 runs on
  # 5.4.1 (9 to 27 of 30 on 5.3.0).
  case $ocaml_v in
    5.3.*) hazards="gc-chain:hang thread-signal:abort destroy-young:crash destroy-kept:hang args-return-value:crash"
           exit_hazard=yes ;;
    5.4.*) hazards="thread-signal:abort destroy-young:crash destroy-kept:hang args-return-value:crash"
           exit_hazard=no
           cd_=$(crashes exit-domain)
           echo "  on OCaml $ocaml_v stock's gc-chain is expected to complete (got $(verdict gc-chain)) and its c=1 exit to survive (got $(verdict exit-domain), ${cd_:-0} crashes)" ;;
    *) hazards=""; exit_hazard=no
       echo "  no expectations recorded for stock on OCaml $ocaml_v: its verdicts above are reported, not checked" ;;
  esac
  for c in $hazards; do
    check "stock shows hazard ${c%%:*}: ${c#*:} (got $(verdict "${c%%:*}"))" [ "$(verdict "${c%%:*}")" = "${c#*:}" ]
  done
  if [ "$exit_hazard" = yes ]; then
    # statistical: 9 to 27 of 30 runs crashed here with 2000 rounds of
    # warm-up (the pure-OCaml control: 0 or 1 of 30, the runtime's own #14594)
    cd_=$(crashes exit-domain); cc_=$(crashes exit-control)
    check "stock crashes at c=1 exit with a working domain (${cd_:-0} crashes), more often than the pure-OCaml control (${cc_:-0})" \
      test "${cd_:-0}" -ge 3 -a "${cd_:-0}" -gt "${cc_:-0}"
  fi
fi
if [ "$variant" = ours ]; then
  # The same workloads on ocgtk's closures moved onto this library: none
  # of stock's hazards may show.
  for c in gc-chain thread-signal destroy-young destroy-kept args-return-value args-void-button args-void-cancellable; do
    v=$(verdict "$c")
    check "ours survives $c (got ${v:-nothing})" bash -c "[ '$v' = ok ] || [ '$v' = slow ]"
  done
  # at c=1 exit, no more crashes than the pure-OCaml control's noise
  # (ocaml/ocaml#14594 is the runtime's own)
  cd_=$(crashes exit-domain); cc_=$(crashes exit-control)
  check "ours at c=1 exit with a working domain: ${cd_:-0} crashes, control ${cc_:-0} (at most control + 2)" \
    test "${cd_:-0}" -le $(( ${cc_:-0} + 2 ))
fi
# ---- 5. memory per dialog (issue 19) ----------------------------------------
# extra/dialogs: a dialog whose Close handler captures its window (ocgtk's
# callbacks get no widget), opened and closed 450 times with a GC and a
# flush after each. Stock leaks every dialog (GTK 4's destroy does not
# dispose; expected, printed only); ours must stay under 2 KB and leave no
# closure per dialog.
echo "--- memory per dialog ($variant)"
timeout 600 "$bin/extra/dialogs/dialogs.exe" >"$tmp/dialogs.out" 2>"$tmp/dialogs.err"
drc=$?
grep -v 'dbus-launch' "$tmp/dialogs.err" | grep . | head -n 5 | sed 's/^/  stderr: /'
dline=$(grep '^dialogs: ' "$tmp/dialogs.out" | tail -n 1)
echo "  ocgtk-$variant $dline (exit $drc)"
check "dialogs ($variant): the program ran to its figures" test "$drc" -eq 0 -a -n "$dline"
if [ "$variant" = ours ]; then
  per() { sed -n "s/.*$1 \(-\{0,1\}[0-9.]*\) B.*/\1/p" <<<"$dline"; }
  d_rss=$(per RSS); d_malloc=$(per malloc)
  d_closures=$(sed -n 's/.*closures \(-\{0,1\}[0-9.]*\) per dialog.*/\1/p' <<<"$dline")
  check "dialogs (ours): RSS per dialog under 2048 B (got ${d_rss:-?} B)" awk -v v="${d_rss:-1e9}" 'BEGIN { exit !(v < 2048) }'
  check "dialogs (ours): malloc in use per dialog under 2048 B (got ${d_malloc:-?} B)" awk -v v="${d_malloc:-1e9}" 'BEGIN { exit !(v < 2048) }'
  check "dialogs (ours): no closure left per dialog (got ${d_closures:-?})" awk -v v="${d_closures:-1}" 'BEGIN { exit !(v < 0.01) }'
fi

# ---- 6. self-capturing handlers (issue 19) -------------------------------------
# extra/dialogs/owned.ml: adjustments whose handler captures them, dropped.
# Stock keeps every one (printed only); on ours the glue's
# ocgc_closure_own lets every one go (checked). Shown here: stock 0 of 200,
# ours 200 of 200 (and 0 of 200 before the glue called it).
echo "--- self-capturing handlers ($variant)"
timeout 300 "$bin/extra/dialogs/owned.exe" >"$tmp/owned.out" 2>"$tmp/owned.err"
orc=$?
grep . "$tmp/owned.err" | head -n 5 | sed 's/^/  stderr: /'
oline=$(grep '^owned: ' "$tmp/owned.out" | tail -n 1)
echo "  ocgtk-$variant $oline (exit $orc)"
check "owned ($variant): the program ran to its figure" test "$orc" -eq 0 -a -n "$oline"
if [ "$variant" = ours ]; then
  o_f=$(sed -n 's/^owned: \([0-9]*\) of \([0-9]*\) .*/\1 \2/p' <<<"$oline")
  check "owned (ours): every self-capturing adjustment finalized (${o_f% *} of ${o_f#* })" \
    test -n "$o_f" -a "${o_f% *}" = "${o_f#* }"
fi
echo "ocgtk part ($variant) took $((SECONDS - t_all)) s"
finish
