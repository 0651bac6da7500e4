#!/usr/bin/env bash
# The OCaml GTK4 counter app (examples/counter) in scripted mode under its
# own Xvfb: N clicks make the label read "Clicks: N", the typed text is
# mirrored, the screenshot is a real PNG, every closure is released (live = 0
# once the window is gone, and after Gclosure.shutdown), no GLib/GTK
# critical, exit 0. Run from the repository root (scripts/test.sh does).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
name=test_counter_app
# shellcheck source=tests/shell/lib/check.sh
source "$root/tests/shell/lib/check.sh"

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
clicks=7
text='typed by the test: héllo ✓'

if ! dune build ./examples/counter/counter.exe 2>"$tmp/build.log"; then
  cat "$tmp/build.log"; check "the counter app builds" false; finish
fi
check "the counter app builds" true

"$root/scripts/xvfb.sh" ./_build/default/examples/counter/counter.exe \
  --scripted "$clicks" --type "$text" --screenshot "$tmp/counter.png" --timeout 120 \
  >"$tmp/out" 2>"$tmp/err"
status=$?
echo "--- stdout"; cat "$tmp/out"; echo "--- stderr"; cat "$tmp/err"; echo "---"

has_line() { grep -qxF -- "$1" "$tmp/out"; }
check "exit status 0 (got $status)" [ "$status" -eq 0 ]
check "the window was mapped and drawn" has_line "window mapped and drawn: true"
check "count label reads Clicks: $clicks after $clicks clicks" has_line "count label: Clicks: $clicks"
check "mirror label reads the typed text" has_line "mirror label: $text"
check "every closure released once the window is gone (live = 0 before shutdown)" \
  grep -qE '^stats after the window closed: live=0 pending_release=0 ' "$tmp/out"
final_ok() {
  local l; l=$(grep -E '^final stats: ' "$tmp/out") || return 1
  [[ $l =~ live=0\ pending_release=0\ released=([0-9]+)\ invalidated=([0-9]+) ]] || return 1
  [ "${BASH_REMATCH[1]}" -gt 0 ] && [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]
}
check "final stats: live = 0, pending = 0, released = invalidated > 0" final_ok
check "no GLib/GTK critical or warning (but the missing session bus)" \
  bash -c "! grep -E 'CRITICAL|WARNING|ERROR' '$tmp/err' | grep -v 'Unable to acquire session bus' | grep -q ."

png_ok() {
  local f=$tmp/counter.png
  [ -f "$f" ] || { echo "  no $f"; return 1; }
  local size; size=$(stat -c %s "$f")
  [ "$size" -gt 2048 ] || { echo "  only $size bytes"; return 1; }
  # The PNG signature, then an IHDR chunk.
  [ "$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || { echo "  not a PNG signature"; return 1; }
  [ "$(head -c 16 "$f" | tail -c 4)" = IHDR ] || { echo "  no IHDR chunk"; return 1; }
  local w h
  w=$((16#$(head -c 20 "$f" | tail -c 4 | od -An -tx1 | tr -d ' \n')))
  h=$((16#$(head -c 24 "$f" | tail -c 4 | od -An -tx1 | tr -d ' \n')))
  echo "  $f: $size bytes, ${w}x${h}"
  [ "$w" -ge 200 ] && [ "$h" -ge 150 ]
}
check "the screenshot is a PNG of more than 2 KB, at least 200x150" png_ok

# Misuse is a clear error, not a crash: no display at all.
env -u DISPLAY -u WAYLAND_DISPLAY ./_build/default/examples/counter/counter.exe --scripted 1 \
  >"$tmp/nodisplay.out" 2>&1
nd=$?
check "without a display: exit 2 and a message naming the problem" \
  bash -c "[ $nd -eq 2 ] && grep -q 'Gtk4.init: GTK could not be initialised' '$tmp/nodisplay.out'"

finish
