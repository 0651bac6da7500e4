# shellcheck shell=bash
# Shared by integrations/lablgtk3/*.sh: where the sources are, where builds
# go, and how a build workspace is laid out. Sourced, never run.
#
# Inputs (environment):
#   LABLGTK_SRC   a lablgtk checkout (holding src/gtkSignal.ml). Unset: the
#                 pinned tarball ../shared/peers/lablgtk-c5419e79.tar.gz.
#   CAIRO2_SRC, CAMLP_STREAMS_SRC   the same for cairo2 (ocaml-cairo) and
#                 camlp-streams; unset: their pinned tarballs.
#   LABLGTK_BUILD_ROOT  where workspaces go (default $GC_CACHE/lablgtk3).
# A pinned tarball is sha256-checked against the value below (the same as
# ../shared/peers/README.md) and unpacked once into the cache, in a folder
# named after its sha256.

LG_INTEG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LG_REPO_ROOT=$(cd "$LG_INTEG_DIR/../.." && pwd)
LG_PEERS=${LG_PEERS:-$LG_REPO_ROOT/../shared/peers}

lg_say() { printf '[lablgtk3] %s\n' "$*" >&2; }
lg_die() { printf '[lablgtk3] error: %s\n' "$*" >&2; exit 1; }

# OCaml and dune through the project's setup (also defines fetch_dune_source).
lg_setup_toolchain() {
  # shellcheck source=scripts/setup.sh
  source "$LG_REPO_ROOT/scripts/setup.sh" || lg_die "scripts/setup.sh failed"
  set -euo pipefail
  LG_CACHE=${LABLGTK_BUILD_ROOT:-$GC_CACHE/lablgtk3}
  mkdir -p "$LG_CACHE"
}

# lg_unpack NAME TARBALL SHA256: prints the folder of the unpacked tarball.
lg_unpack() {
  local name=$1 tarball=$2 want=$3 sum dir
  [ -f "$tarball" ] || lg_die "the pinned $name source $tarball is missing (or set its *_SRC variable)"
  sum=$(sha256sum "$tarball" | cut -d' ' -f1)
  [ "$sum" = "$want" ] || lg_die "sha256 mismatch for $tarball: $sum"
  dir=$LG_CACHE/src-$name-$sum
  if [ ! -e "$dir/.complete" ]; then
    lg_say "unpacking the pinned $name source (sha256 $sum) into $dir"
    rm -rf "$dir"; mkdir -p "$dir"
    tar -xzf "$tarball" -C "$dir" --strip-components=1
    touch "$dir/.complete"
  fi
  echo "$dir"
}

# Sets LG_LABLGTK, LG_CAIRO, LG_STREAMS: the three source folders.
lg_resolve_sources() {
  LG_LABLGTK=${LABLGTK_SRC:-$(lg_unpack lablgtk "$LG_PEERS/lablgtk-c5419e79.tar.gz" 24307d1ac8c49265f23d0e2c8d56327e1bdcbfade7a557864380dddd88758258)}
  LG_CAIRO=${CAIRO2_SRC:-$(lg_unpack cairo2 "$LG_PEERS/ocaml-cairo-0.6.5.tar.gz" b6502a308a2ef7fadf580dd5a34130beed5d32eb18d7aaa25755ba7ed8bd348a)}
  LG_STREAMS=${CAMLP_STREAMS_SRC:-$(lg_unpack camlp-streams "$LG_PEERS/camlp-streams-5.0.1.tar.gz" ad71f62406e9bb4e7fb5d4593ede2af6c68f8b0d96f25574446e142c3eb0d9a4)}
  [ -f "$LG_LABLGTK/src/gtkSignal.ml" ] || lg_die "LABLGTK_SRC=$LG_LABLGTK holds no src/gtkSignal.ml"
  [ -f "$LG_CAIRO/src/cairo.ml" ] || lg_die "CAIRO2_SRC=$LG_CAIRO holds no src/cairo.ml"
  [ -f "$LG_STREAMS/stream.ml" ] || [ -f "$LG_STREAMS/src/stream.ml" ] || lg_die "CAMLP_STREAMS_SRC=$LG_STREAMS holds no stream.ml"
  LG_LABLGTK=$(cd "$LG_LABLGTK" && pwd)
}

# A sha256 (16 hex digits) over the three sources' files (paths and
# contents; _build and .git left out).
lg_source_hash() {
  local d
  for d in "$LG_LABLGTK" "$LG_CAIRO" "$LG_STREAMS"; do
    ( cd "$d" && find . \( -name _build -o -name .git \) -prune -o -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum )
  done | sha256sum | cut -c1-16
}

# A short hash over what decides how the workspace's copies are laid and
# changed: this file (its build-time changes), the glue for "ours", and the
# GTK 3 version. Our overlay (workspace/extra, repro) is laid again on every
# run and is not part of the key.
lg_layout_hash() {
  local variant=$1 files=("$LG_INTEG_DIR/lib.sh")
  [ "$variant" = ours ] && files+=("$LG_INTEG_DIR"/workspace/glue/*)
  { echo "variant $variant gtk3 $(pkg-config --modversion gtk+-3.0)"; cat "${files[@]}"; } | sha256sum | cut -c1-8
}

# dune-configurator + csexp from the dune source that setup.sh fetches and
# checks (fetch_dune_source), kept in the cache once fetched.
lg_configurator_source() {
  local dir=$LG_CACHE/dune-configurator-$DUNE_VERSION
  if [ ! -e "$dir/.complete" ]; then
    local dl; dl=$(mktemp -d "$LG_CACHE/dune-src.XXXXXX")
    lg_say "fetching the dune $DUNE_VERSION source for dune-configurator (build-only dependency of lablgtk3 and cairo2)"
    fetch_dune_source "$dl"
    rm -rf "$dir"; mkdir -p "$dir"
    cp -r "$dl/dune-src/otherlibs/configurator/src" "$dir/configurator"
    cp -r "$dl/dune-src/vendor/csexp/src" "$dir/csexp"
    cp "$dl/dune-src/LICENSE.md" "$dir/"
    rm -rf "$dl"
    touch "$dir/.complete"
  fi
  LG_CONFIGURATOR_DIR=$dir
}

# Build-time change 1 (both variants): lablgtk's tools/dune names
# dune-configurator by its old name, dune.configurator. One word, checked.
lg_patch_configurator_name() {
  local f=$1/tools/dune
  [ "$(grep -c '(libraries dune.configurator)' "$f")" = 1 ] ||
    lg_die "configurator patch: lablgtk's tools/dune has no single '(libraries dune.configurator)'"
  sed -i 's/(libraries dune\.configurator)/(libraries dune-configurator)/' "$f"
}

# Lays out a dune workspace in $1:
#   lablgtk/            a copy of the lablgtk tree, without its add-ons
#                       (src-*: sourceview, rsvg, goocanvas, gtkspell) and
#                       applications/
#   deps/cairo2         cairo2's src/ and config/ (its gtk/pango parts,
#                       examples and tests left out)
#   deps/camlp-streams  (build only: lablgtk's varcc/propcc)
#   deps/dunecfg        dune-configurator + csexp
#   extra/              our overlay (drivers, the app, reproducers)
# Copies only: the checkouts are never written to.
lg_lay_workspace() {
  local ws=$1 variant=$2
  mkdir -p "$ws"
  if [ ! -e "$ws/.laid" ]; then
    rm -rf "$ws/lablgtk" "$ws/deps"
    mkdir -p "$ws/lablgtk" "$ws/deps/cairo2" "$ws/deps/camlp-streams" "$ws/deps/dunecfg"
    printf '(lang dune 3.13)\n(context default)\n' >"$ws/dune-workspace"
    printf '(lang dune 3.0)\n' >"$ws/dune-project"
    printf '(vendored_dirs deps)\n' >"$ws/dune"
    ( cd "$LG_LABLGTK" && tar --exclude=./_build --exclude=./.git --exclude='./src-*' --exclude=./applications -cf - . ) | tar -xf - -C "$ws/lablgtk"
    ( cd "$LG_CAIRO" && tar -cf - dune-project cairo2.opam src config LICENSE.md ) | tar -xf - -C "$ws/deps/cairo2"
    ( cd "$LG_STREAMS" && tar --exclude=./_build --exclude=./.git --exclude=./test -cf - . ) | tar -xf - -C "$ws/deps/camlp-streams"
    cp -r "$LG_CONFIGURATOR_DIR/configurator" "$LG_CONFIGURATOR_DIR/csexp" "$ws/deps/dunecfg/"
    printf '(lang dune 3.0)\n(package (name dune-configurator))\n(package (name stdune))\n' >"$ws/deps/dunecfg/dune-project"
    lg_patch_configurator_name "$ws/lablgtk"
    [ "$variant" = ours ] && lg_patch_for_glue "$ws/lablgtk"
    touch "$ws/.laid"
  fi
  rm -rf "$ws/extra"
  cp -r "$LG_INTEG_DIR/workspace/extra" "$ws/extra"
  [ -d "$LG_INTEG_DIR/repro" ] && cp -r "$LG_INTEG_DIR/repro" "$ws/extra/repro"
  return 0
}

# "ours": builds this repository's dune package and installs it into
# $LG_CACHE/gclosure-prefix-ocaml$1 ($1 the OCaml version), then puts it on
# OCAMLPATH for the workspace's build (gclosure.core and its gclosure.h).
lg_install_gclosure() {
  local prefix=$LG_CACHE/gclosure-prefix-ocaml$1
  lg_say "installing this library (gclosure, gclosure.core) into $prefix"
  ( cd "$LG_REPO_ROOT" && nice dune build @install 2>&1 | tail -n 20 &&
      dune install --prefix "$prefix" gclosure >/dev/null 2>&1 ) || lg_die "dune build/install of gclosure failed"
  [ -f "$prefix/lib/gclosure/core/gclosure.h" ] || lg_die "gclosure.h is not installed in $prefix"
  export OCAMLPATH=$prefix/lib${OCAMLPATH:+:$OCAMLPATH}
}

# The -D renames of the "ours" build (workspace/glue/lablgtk_glue.c says
# what each one moves, and why g_value_unset is not among them).
LG_GLUE_RENAMES=(
  -Dml_g_closure_new=lg_stock_ml_g_closure_new
  -Dml_g_signal_connect_closure=lg_stock_ml_g_signal_connect_closure
  -Dg_closure_unref=ocgc_defer_closure_unref
  -Dg_boxed_free=ocgc_defer_boxed_free
  -Dg_queue_push_head=lg_glue_queue_push_head
  -Dgdk_event_free=lg_glue_gdk_event_free
  -Dgtk_tree_row_reference_free=lg_glue_gtk_tree_row_reference_free
  -Dg_io_channel_unref=lg_glue_g_io_channel_unref
  -Dg_log_set_handler=lg_glue_log_set_handler
  -Dcaml_alloc_custom=lg_glue_alloc_custom
)

# Build-time change 2 ("ours"): lablgtk's src/dune, in the workspace copy:
# our glue file joins its c_names, wrappers.c is compiled through
# lablgtk_wrappers_glue.c instead of by itself, the renames above join its c_flags, and
# gclosure.core joins its libraries. Each renamed GLib call must appear
# exactly where the glue expects it (counted here), else the build stops.
lg_patch_for_glue() {
  local src=$1/src
  local expect="ml_gobject.c:g_closure_unref:2 ml_gobject.c:g_boxed_free:1 ml_gobject.c:g_queue_push_head:1
    ml_gdk.c:gdk_event_free:1 ml_gtktree.c:gtk_tree_row_reference_free:1 ml_glib.c:g_io_channel_unref:2
    ml_gobject.c:ml_g_closure_new:1 ml_glib.c:g_log_set_handler:1"
  local e f n want total
  for e in $expect; do
    f=${e%%:*}; n=${e#*:}; want=${n#*:}; n=${n%%:*}
    [ "$(grep -cw "$n" "$src/$f")" = "$want" ] || lg_die "glue patch: $f does not call $n $want time(s) as expected"
    total=$(cat "$src"/*.c "$src"/*.h | grep -cw "$n")
    [ "$total" = "$want" ] || lg_die "glue patch: $n appears outside $f ($total uses in all)"
  done
  grep -q '"GValue/2.0/", ml_final_GValue' "$src/ml_gobject.c" || lg_die "glue patch: lablgtk's GValue operations are not the ones expected"
  # ml_g_signal_connect_closure is made by ML_4 in ml_gobject.c (the -D
  # applies to the pasted name), and named nowhere else in C.
  [ "$(grep -c '^ML_4 (g_signal_connect_closure,' "$src/ml_gobject.c")" = 1 ] &&
    [ "$(cat "$src"/*.c "$src"/*.h | grep -cw ml_g_signal_connect_closure)" = 0 ] ||
    lg_die "glue patch: lablgtk's g_signal_connect_closure external is not the one expected"
  grep -q '^CAMLprim value \*ml_global_root_new (value v)$' "$src/wrappers.c" &&
    grep -q '^CAMLexport void ml_global_root_destroy (void \*data)$' "$src/wrappers.c" ||
    lg_die "glue patch: wrappers.c's ml_global_root_new/_destroy are not the ones expected"
  cp "$LG_INTEG_DIR/workspace/glue/lablgtk_glue.c" "$src/"
  cat "$LG_INTEG_DIR/workspace/glue/lablgtk_wrappers_glue.c" "$src/wrappers.c" >"$src/lablgtk_wrappers_glue.c"
  python3 - "$src/dune" "${LG_GLUE_RENAMES[@]}" <<'PY' || lg_die "glue patch: lablgtk's src/dune is not the one expected"
import sys
p, defs = sys.argv[1], sys.argv[2:]
s = open(p).read()
edits = [
    ("   ml_gtkstock ml_gtkrange ml_gtkassistant\n", "   ml_gtkstock ml_gtkrange ml_gtkassistant lablgtk_glue\n"),
    (" (c_names\n   wrappers\n", " (c_names\n   lablgtk_wrappers_glue\n"),
    ("(:include cflag-extraflags.sexp) -Wno-deprecated-declarations)",
     "(:include cflag-extraflags.sexp) -Wno-deprecated-declarations " + " ".join(defs) + ")"),
    (" (libraries threads cairo2))", " (libraries threads cairo2 gclosure.core))"),
]
for old, new in edits:
    if s.count(old) != 1:
        sys.exit("no single %r" % old)
    s = s.replace(old, new)
open(p, "w").write(s)
PY
}
