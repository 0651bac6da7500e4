#!/usr/bin/env bash
# Builds ocgtk (stock) out of its source tree, with only what its tests, its
# examples/counter.ml and our reproducers need.
#
#   OCGTK_SRC=/path/to/ocgtk-checkout integrations/ocgtk/build.sh
#
# Without OCGTK_SRC the pinned tarball beside this repository
# (../shared/peers/ocgtk-a16c2874.tar.gz, sha256-checked) is unpacked into
# the cache. The build happens in a workspace in the cache (see lib.sh),
# named after the source's hash, the build-time patches and the OCaml
# version; a second run reuses it and rebuilds only what changed. The
# checkout itself is never written to.
#
# Build-time arrangement (no ocgtk source file is edited; see README.md):
#   - dune-configurator (ocgtk's build-only dependency) is compiled from the
#     dune 3.17.2 source that scripts/setup.sh fetches and checks;
#   - alcotest is our small compatible runner (workspace/alcotest);
#   - on GTK < 4.14, the GTK compat patch (lib.sh, ocgtk_patch_gtk_compat);
#   - extra/ holds our counter driver and reproducers, built against ocgtk's
#     public libraries;
#   - variant "ours": our glue (workspace/glue/ocgtk_glue.c) under ocgtk's
#     closures and GC-time releases, and gclosure.core in ocgtk_common's
#     libraries (lib.sh, ocgtk_patch_common_for_glue / ocgtk_link_core).
#
# Prints, on its last line, "OCGTK_WS=<workspace>"; the built programs are
# under <workspace>/_build/default. Writes <workspace>/built-tests.txt (the
# ocgtk tests that built) and <workspace>/failed-tests.txt (those that did not).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=integrations/ocgtk/lib.sh
source "$here/lib.sh"
variant=${1:-stock}
case $variant in
  stock) ;;
  glue-check) ;; # stock plus lib.sh's glue mechanism with a counting stand-in glue
  ours) ;; # ocgtk's closures and GC-time releases on this library's C API (workspace/glue)
  *) ocgtk_die "unknown variant '$variant' (this build knows: stock, glue-check, ours)" ;;
esac
export OCGTK_VARIANT=$variant

ocgtk_setup_toolchain
# Builds take turns (two checkouts' test runs, or two OCaml versions, share
# the unpacked source, dune-configurator and the cache): the lock is held
# until this script ends.
mkdir -p "$OCGTK_CACHE"
exec 9>"$OCGTK_CACHE/.build.lock"
flock 9
ocgtk_resolve_source
ocgtk_configurator_source
# "ours": this library installed into a prefix in the cache, found by the
# ocgtk workspace through OCAMLPATH (gclosure.core and its gclosure.h).
ocaml_v=$(ocamlopt -version)
[ "$variant" = ours ] && ocgtk_install_gclosure "$ocaml_v"
key="$variant-$(ocgtk_source_hash)-$(ocgtk_layout_hash "$variant")-ocaml$ocaml_v"
ws=$OCGTK_CACHE/ws-$key
t0=$SECONDS
# One workspace per variant and OCaml version: an older one (other source
# or build-time changes) goes; other OCaml versions' workspaces stay.
for old in "$OCGTK_CACHE/ws-$variant-"*"-ocaml$ocaml_v"; do
  [ -d "$old" ] && [ "$old" != "$ws" ] && { ocgtk_say "removing the outdated workspace $old"; rm -rf "$old"; }
done
if [ -e "$ws/.built" ]; then ocgtk_say "reusing the $variant workspace $ws"
else ocgtk_say "laying out the $variant workspace in $ws"; fi
ocgtk_lay_workspace "$ws"

# The ocgtk tests that dune would run: (test (name X)) stanzas not commented.
tests=()
for f in "$ws/ocgtk/tests/dune" "$ws/ocgtk/tests/gtk/dune"; do
  d=${f%/dune}; d=${d#"$ws/"}
  while read -r n; do tests+=("$d/$n"); done < <(sed -n 's/^ *(name \(test_[a-z0-9_]*\))/\1/p' "$f")
done
targets=(./deps/alcotest/selftest/selftest.exe ./ocgtk/examples/counter.exe)
for t in "${tests[@]}"; do targets+=("./$t.exe"); done
if [ -e "$ws/extra/dune" ] || compgen -G "$ws/extra/*/dune" >/dev/null; then targets+=(@extra/all); fi

ocgtk_say "building ${#tests[@]} ocgtk tests, examples/counter and our overlay (-j$(nproc))"
cd "$ws"
set +e
dune build --root . -j"$(nproc)" "${targets[@]}" >"$ws/build.log" 2>&1
status=$?
set -e
: >"$ws/built-tests.txt"; : >"$ws/failed-tests.txt"
for t in "${tests[@]}"; do
  if [ -x "_build/default/$t.exe" ]; then echo "$t" >>"$ws/built-tests.txt"; else echo "$t" >>"$ws/failed-tests.txt"; fi
done
ocgtk_say "dune build exited $status in $((SECONDS - t0)) s; tests built: $(wc -l <"$ws/built-tests.txt"), not built: $(wc -l <"$ws/failed-tests.txt") (log: $ws/build.log)"
[ -x _build/default/ocgtk/examples/counter.exe ] || { tail -n 60 "$ws/build.log" >&2; ocgtk_die "examples/counter.exe did not build"; }
[ -s "$ws/built-tests.txt" ] || { tail -n 60 "$ws/build.log" >&2; ocgtk_die "no ocgtk test built"; }
if [ "$status" -ne 0 ] && [ ! -s "$ws/failed-tests.txt" ]; then
  tail -n 60 "$ws/build.log" >&2; ocgtk_die "dune build failed"
fi
touch "$ws/.built"
echo "OCGTK_WS=$ws"
