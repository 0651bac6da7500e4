#!/usr/bin/env bash
# Builds lablgtk3 (build.sh) and checks it under its own Xvfb:
#   1. the scripted app (workspace/extra/app/app.ml: a button, a text entry,
#      a GTree.list_store with a caml column): 5 rows added through the
#      button's "clicked" handler and read back through the caml column,
#      with a screenshot of its window;
#   2. ours: its programs link no GTK 4, and the glue is linked in.
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

# ---- 2. what "ours" links ------------------------------------------------------
if [ "$variant" = ours ]; then
  app=$bin/app/app.exe
  check "ours: the app links no GTK 4 (readelf: $(readelf -d "$app" | grep -c NEEDED) libraries needed)" \
    bash -c "! readelf -d '$app' | grep -q 'libgtk-4'"
  check "ours: the app's closures and GValue blocks go through the glue and the C API (nm: ocgc_closure_new, lg_glue_alloc_custom)" \
    bash -c "nm '$app' | grep -q ' T ocgc_closure_new' && nm '$app' | grep -q ' T lg_glue_alloc_custom'"
fi

echo "lablgtk3 part ($variant) took $((SECONDS - t_all)) s"
finish
