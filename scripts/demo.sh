#!/usr/bin/env bash
# Runs the demo, installing what it needs first (scripts/setup.sh): the OCaml
# GTK4 counter app (examples/counter).
#
# On your display (DISPLAY or WAYLAND_DISPLAY set, CI unset) the app opens
# its window and runs until you quit it. Otherwise it runs under its own
# Xvfb in scripted mode: it clicks the button $DEMO_CLICKS times (default 5),
# types $DEMO_TEXT (default "hello from OCaml") into the entry, saves a
# screenshot to _build/demo/counter.png (with --update-docs, to the tracked
# docs/counter.png the README shows), prints the labels and the closure
# stats, and exits. Other arguments go to the app (e.g. --scripted 3 on a
# display).
set -euo pipefail
shot=_build/demo/counter.png
args=()
for arg in "$@"; do
  if [ "$arg" = --update-docs ]; then shot=docs/counter.png; else args+=("$arg"); fi
done
set -- ${args[@]+"${args[@]}"}
# shellcheck source=scripts/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
set -euo pipefail
cd "$OCAML_GCLOSURE_ROOT"
use_build_dir_of_ocaml >&2
dune build ./examples/counter/counter.exe
app=./_build/default/examples/counter/counter.exe

if { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; } && [ -z "${CI:-}" ]; then
  exec "$app" "$@"
fi

mkdir -p "$(dirname "$shot")"
echo "[demo] no display (or CI): running the counter app under Xvfb, scripted (screenshot: $shot)"
exec ./scripts/xvfb.sh "$app" \
  --scripted "${DEMO_CLICKS:-5}" --type "${DEMO_TEXT:-hello from OCaml}" \
  --screenshot "$shot" "$@"
