#!/usr/bin/env bash
# Applies the build-time changes of a lablgtk3 build to a lablgtk tree of
# YOUR OWN (a copy vendored in your dune workspace, never a checkout you
# want to keep pristine), for the recipe in docs/lablgtk3.md:
#
#   integrations/lablgtk3/patch.sh [stock|ours] DIR
#
#   stock  only lablgtk's tools/dune: the library dune-configurator under
#          its current name (README.md, change 1);
#   ours   that, plus the glue (README.md, change 2): lablgtk's closures,
#          GC-time releases, GLib-held roots and log handler on this
#          library's C API; your workspace must then find gclosure.core
#          (installed with `dune install gclosure`, on OCAMLPATH).
#
# DIR is the lablgtk tree (holding src/gtkSignal.ml). A tree already
# changed is refused (the changes check what they replace). Writes a
# marker file DIR/.gclosure-patched naming the variant.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=integrations/lablgtk3/lib.sh
source "$here/lib.sh"
[ $# -eq 2 ] || lg_die "usage: patch.sh [stock|ours] DIR"
variant=$1; dir=$2
case $variant in stock|ours) ;; *) lg_die "unknown variant '$variant' (stock, ours)" ;; esac
[ -f "$dir/src/gtkSignal.ml" ] || lg_die "$dir holds no src/gtkSignal.ml (not a lablgtk tree)"
[ ! -e "$dir/.gclosure-patched" ] || lg_die "$dir was already changed ($(cat "$dir/.gclosure-patched"))"
lg_patch_configurator_name "$dir"
[ "$variant" = ours ] && lg_patch_for_glue "$dir"
echo "$variant" >"$dir/.gclosure-patched"
lg_say "$dir: build-time changes for '$variant' made (build with: dune build --ignore-promoted-rules ...)"
