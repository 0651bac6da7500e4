#!/usr/bin/env bash
# Builds lablgtk3 (the library only: no sourceview, rsvg, goocanvas or
# gtkspell add-on) out of its source tree, with cairo2 and camlp-streams,
# plus our overlay (the scripted app, lablgtk's chosen examples, the
# reproducers).
#
#   integrations/lablgtk3/build.sh [stock|ours]
#
# Sources: LABLGTK_SRC, CAIRO2_SRC, CAMLP_STREAMS_SRC, or the pinned
# tarballs in ../shared/peers (sha256-checked; lib.sh). The build happens in
# a workspace in the cache, named after the variant, the sources' hash, the
# build-time changes' hash and the OCaml version; a second run reuses it.
# No checkout is written to; the build-time changes (README.md) are made in
# the workspace's copies.
#
# Prints, on its last line, "LABLGTK3_WS=<workspace>"; the programs are
# under <workspace>/_build/default/extra.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=integrations/lablgtk3/lib.sh
source "$here/lib.sh"
variant=${1:-stock}
case $variant in
  stock|ours) ;;
  *) lg_die "unknown variant '$variant' (this build knows: stock, ours)" ;;
esac

lg_setup_toolchain
mkdir -p "$LG_CACHE"
# Builds take turns (stock and ours, two checkouts, share the cache).
exec 9>"$LG_CACHE/.build.lock"
flock 9
lg_resolve_sources
lg_configurator_source
ocaml_v=$(ocamlopt -version)
[ "$variant" = ours ] && lg_install_gclosure "$ocaml_v"
key="$variant-$(lg_source_hash)-$(lg_layout_hash "$variant")-ocaml$ocaml_v"
ws=$LG_CACHE/ws-$key
t0=$SECONDS
for old in "$LG_CACHE/ws-$variant-"*"-ocaml$ocaml_v"; do
  [ -d "$old" ] && [ "$old" != "$ws" ] && { lg_say "removing the outdated workspace $old"; rm -rf "$old"; }
done
if [ -e "$ws/.built" ]; then lg_say "reusing the $variant workspace $ws"
else lg_say "laying out the $variant workspace in $ws"; fi
lg_lay_workspace "$ws" "$variant"

# Explicit targets (vendored packages cannot be selected with -p);
# --ignore-promoted-rules: lablgtk's shipped varcc.ml/propcc.ml are used
# (regenerating them needs camlp5).
targets=(./lablgtk/src/lablgtk3.cmxa @extra/all)
lg_say "building lablgtk3 ($variant) and our overlay (-j$(nproc))"
cd "$ws"
set +e
nice dune build --root . --ignore-promoted-rules -j"$(nproc)" "${targets[@]}" >"$ws/build.log" 2>&1
status=$?
set -e
lg_say "dune build exited $status in $((SECONDS - t0)) s (log: $ws/build.log)"
if [ "$status" -ne 0 ]; then grep -v '^Warning: no conversion' "$ws/build.log" | tail -n 60 >&2; lg_die "dune build failed"; fi
touch "$ws/.built"
echo "LABLGTK3_WS=$ws"
