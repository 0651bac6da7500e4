# shellcheck shell=bash
# Shared by integrations/ocgtk/*.sh: where the ocgtk source is, where its
# builds go, and how a build workspace is laid out. Sourced, never run.
#
# Inputs (environment):
#   OCGTK_SRC        an ocgtk checkout: either the monorepo root (holding
#                    ocgtk/dune-project) or the ocgtk/ package folder itself.
#                    Unset: the pinned tarball ../shared/peers/ocgtk-*.tar.gz
#                    (beside this repository) is unpacked once into the cache,
#                    in a folder named after its sha256.
#   OCGTK_BUILD_ROOT where build workspaces go (default: the cache folder
#                    $GC_CACHE/ocgtk). Each workspace is named after a key
#                    over the source, our overlay files and the OCaml version,
#                    so a second run with the same inputs reuses it.

OCGTK_INTEG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OCGTK_REPO_ROOT=$(cd "$OCGTK_INTEG_DIR/../.." && pwd)
OCGTK_PINNED_TARBALL=${OCGTK_PINNED_TARBALL:-$OCGTK_REPO_ROOT/../shared/peers/ocgtk-a16c2874.tar.gz}
OCGTK_PINNED_SHA256=baf5a69abf504150c0e1ad99519badfdcbada40af5466c949391391516dcc9b2

ocgtk_say() { printf '[ocgtk] %s\n' "$*" >&2; }
ocgtk_die() { printf '[ocgtk] error: %s\n' "$*" >&2; exit 1; }

# Puts OCaml and dune on PATH through the project's own setup (which builds
# them into the cache when missing), unless they are there already and
# OCGTK_NO_SETUP=1. Also defines setup.sh's functions (fetch_dune_source).
ocgtk_setup_toolchain() {
  # shellcheck source=scripts/setup.sh
  source "$OCGTK_REPO_ROOT/scripts/setup.sh" || ocgtk_die "scripts/setup.sh failed"
  set -euo pipefail
  OCGTK_CACHE=${OCGTK_BUILD_ROOT:-$GC_CACHE/ocgtk}
  mkdir -p "$OCGTK_CACHE"
}

# Sets OCGTK_PKG_DIR: the folder holding ocgtk's dune-project.
ocgtk_resolve_source() {
  local src=${OCGTK_SRC:-}
  if [ -z "$src" ]; then
    [ -f "$OCGTK_PINNED_TARBALL" ] || ocgtk_die "OCGTK_SRC is unset and the pinned tarball $OCGTK_PINNED_TARBALL is missing"
    local sum; sum=$(sha256sum "$OCGTK_PINNED_TARBALL" | cut -d' ' -f1)
    [ "$sum" = "$OCGTK_PINNED_SHA256" ] || ocgtk_die "sha256 mismatch for $OCGTK_PINNED_TARBALL: $sum"
    src=$OCGTK_CACHE/src-$sum
    if [ ! -e "$src/.complete" ]; then
      ocgtk_say "unpacking the pinned ocgtk source (sha256 $sum) into $src"
      rm -rf "$src"; mkdir -p "$src"
      tar -xzf "$OCGTK_PINNED_TARBALL" -C "$src" --strip-components=1
      touch "$src/.complete"
    fi
  fi
  if [ -f "$src/ocgtk/dune-project" ]; then OCGTK_PKG_DIR=$src/ocgtk
  elif [ -f "$src/dune-project" ] && grep -q '(name ocgtk)' "$src/dune-project"; then OCGTK_PKG_DIR=$src
  else ocgtk_die "OCGTK_SRC=$src holds neither ocgtk/dune-project nor an ocgtk dune-project"
  fi
  OCGTK_PKG_DIR=$(cd "$OCGTK_PKG_DIR" && pwd)
}

# Prints a sha256 over every file of the ocgtk package folder (paths and
# contents, _build and VCS folders left out).
ocgtk_source_hash() {
  ( cd "$OCGTK_PKG_DIR" &&
    find . \( -name _build -o -name .git \) -prune -o -type f -print0 | LC_ALL=C sort -z |
      xargs -0 sha256sum | sha256sum | cut -c1-16 )
}


# Prints a short hash over what decides how a workspace's ocgtk copy is
# laid and patched: our build-time patch files (workspace/patches, and
# workspace/<variant> for a variant other than stock), the layout's version
# below and the GTK version (the patches depend on it). Part of the
# workspace key.
OCGTK_LAYOUT_VERSION=1
ocgtk_layout_hash() {
  local variant=$1 dirs=(workspace/patches)
  [ -d "$OCGTK_INTEG_DIR/workspace/$variant" ] && dirs+=("workspace/$variant")
  [ "$variant" = ours ] && dirs+=(workspace/glue)
  ( cd "$OCGTK_INTEG_DIR" &&
    { echo "layout $OCGTK_LAYOUT_VERSION gtk4 $(pkg-config --modversion gtk4)";
      find "${dirs[@]}" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum; } |
      sha256sum | cut -c1-8 )
}

# Build-time compatibility patch for GTK < 4.14 (see
# workspace/patches/gclosure_gtk_compat.c): the generated from_gobject of
# each interface this GTK lacks is renamed with a -D flag on the generated
# stub libraries, and our file, which defines the replacement, is added to
# the ocgtk_gtk library's foreign_stubs. Two line edits of dune files in the
# build copy, each checked to have matched.
ocgtk_patch_gtk_compat() {
  local pkg=$1 defs=() n
  pkg-config --atleast-version=4.14 gtk4 ||
    defs+=(-Dml_gtk_accessible_text_from_gobject=ocgtk_unavailable_accessible_text_from_gobject)
  pkg-config --atleast-version=4.10 gtk4 ||
    defs+=(-Dml_gtk_accessible_range_from_gobject=ocgtk_unavailable_accessible_range_from_gobject)
  cp "$OCGTK_INTEG_DIR/workspace/patches/gclosure_gtk_compat.c" "$pkg/src/gtk/core/"
  sed -i 's/^\( *(names converters ml_gtk\))$/\1 gclosure_gtk_compat)/' "$pkg/src/gtk/dune"
  grep -q '(names converters ml_gtk gclosure_gtk_compat)' "$pkg/src/gtk/dune" ||
    ocgtk_die "gtk compat patch: ocgtk's src/gtk/dune has no '(names converters ml_gtk)' line"
  [ ${#defs[@]} -eq 0 ] && return 0
  local inc=$pkg/src/gtk/generated/dune-generated.inc
  n=$(grep -c '(flags -fPIC -Igenerated ' "$inc" || true)
  [ "$n" -ge 1 ] || ocgtk_die "gtk compat patch: no '(flags -fPIC -Igenerated' line in $inc"
  sed -i "s/(flags -fPIC -Igenerated /(flags -fPIC ${defs[*]} -Igenerated /" "$inc"
  ocgtk_say "GTK $(pkg-config --modversion gtk4): compat stubs for ${#defs[@]} interface(s) newer than it"
}

# The build-time change that puts a glue file under ocgtk's closures
# (checked with the variant "glue-check" of build.sh; the "ours" build uses
# it with the real glue). Only ocgtk_common's dune file is edited: its one
# foreign_stubs stanza is split in three, so that -D flags reach exactly one
# C file each, and a fourth stanza compiles the glue:
#   wrappers.c    g_object_unref -> ocgc_defer_object_unref  (finalize_gobject,
#                 its only call: the GC-time unref of every ocgtk object)
#                 g_boxed_free  -> ocgc_defer_boxed_free     (finalize_gir_record)
#   ml_gobject.c  ml_g_closure_new, ml_g_closure_get_arg, ml_g_closure_get_arg_type
#                 -> ocgtk_stock_* (the glue defines the originals: Closure.create,
#                 Closure.nth and Closure.get_type reach the glue)
#                 ml_g_signal_connect_closure -> ocgtk_stock_* (the glue's
#                 Signal.connect calls it, then ocgc_closure_own)
#                 g_closure_unref -> ocgc_defer_closure_unref (finalise_gclosure,
#                 its only call)
#                 g_value_unset -> ocgc_defer_value_unset    (finalize_gvalue,
#                 its only call)
# Extra flags for the glue's stanza (include paths, -D) come as arguments 3-.
# Fails loudly when ocgtk's stanza or those calls are not what this expects.
ocgtk_patch_common_for_glue() {
  local pkg=$1 glue=$2; shift 2
  local c=$pkg/src/common
  [ "$(grep -c 'g_object_unref(' "$c/wrappers.c")" = 1 ] &&
    [ "$(grep -c 'g_boxed_free(' "$c/wrappers.c")" = 1 ] &&
    [ "$(grep -c 'g_closure_unref(' "$c/ml_gobject.c")" = 1 ] &&
    [ "$(grep -c 'g_value_unset(&' "$c/ml_gobject.c")" = 1 ] ||
    ocgtk_die "glue patch: ocgtk's GC-time unref calls are not the ones expected (see lib.sh)"
  cp "$glue" "$c/ocgclosure_glue.c"
  python3 - "$c/dune" "$@" <<'PY' || ocgtk_die "glue patch: ocgtk's src/common/dune is not the one expected"
import sys
p, extra = sys.argv[1], sys.argv[2:]
s = open(p).read()
flags = """  (flags
   -fPIC
   -I../gtk/generated
   (:include cflag-gtk4.sexp)
   -Wno-deprecated-declarations"""
old = """  (names
   wrappers
   ml_glib
   ml_gobject
   ml_gvariant
   ml_gvariant_type
   ml_glib_bytes)
""" + flags + "))\n"
if s.count(old) != 1:
    sys.exit(1)
def stanza(names, defs):
    return (" (foreign_stubs\n  (language c)\n  (names " + names + ")\n" + flags
            + "".join("\n   " + d for d in defs) + "))\n")
new = ("  (names ml_glib ml_gvariant ml_gvariant_type ml_glib_bytes)\n" + flags + "))\n"
       + stanza("wrappers", ["-Dg_object_unref=ocgc_defer_object_unref",
                             "-Dg_boxed_free=ocgc_defer_boxed_free"])
       + stanza("ml_gobject", ["-Dml_g_closure_new=ocgtk_stock_ml_g_closure_new",
                               "-Dml_g_closure_get_arg=ocgtk_stock_ml_g_closure_get_arg",
                               "-Dml_g_closure_get_arg_type=ocgtk_stock_ml_g_closure_get_arg_type",
                               "-Dml_g_signal_connect_closure=ocgtk_stock_ml_g_signal_connect_closure",
                               "-Dg_closure_unref=ocgc_defer_closure_unref",
                               "-Dg_value_unset=ocgc_defer_value_unset"])
       + stanza("ocgclosure_glue", extra))
open(p, "w").write(s.replace(old, new))
PY
}

# "ours": ocgtk_common links gclosure.core (the C API's archive, header and
# at-exit module): its empty (libraries) field names it. Checked.
ocgtk_link_core() {
  local d=$1/src/common/dune
  [ "$(grep -c '^ (libraries)$' "$d")" = 1 ] || ocgtk_die "core link: ocgtk's src/common/dune has no single ' (libraries)' line"
  sed -i 's/^ (libraries)$/ (libraries gclosure.core)/' "$d"
}

# "ours": builds this repository's dune package and installs it into
# $OCGTK_CACHE/gclosure-prefix-ocaml$1, $1 the OCaml version (their
# compiled interfaces differ; the cargo build goes to
# OCAML_GCLOSURE_TARGET_DIR as usual), then puts it on OCAMLPATH for the
# ocgtk workspace's build.
ocgtk_install_gclosure() {
  local prefix=$OCGTK_CACHE/gclosure-prefix-ocaml$1
  ocgtk_say "installing this library (gclosure, gclosure.core) into $prefix"
  ( cd "$OCGTK_REPO_ROOT" && dune build @install 2>&1 | tail -n 20 &&
      dune install --prefix "$prefix" gclosure >/dev/null 2>&1 ) || ocgtk_die "dune build/install of gclosure failed"
  [ -f "$prefix/lib/gclosure/core/gclosure.h" ] || ocgtk_die "gclosure.h is not installed in $prefix"
  export OCAMLPATH=$prefix/lib${OCAMLPATH:+:$OCAMLPATH}
}

# Makes the dune-configurator and csexp sources (from the dune 3.17.2 source
# tarball that scripts/setup.sh fetches, sha256-checked there) available in
# $OCGTK_CACHE/dune-configurator-$DUNE_VERSION, fetching them once.
ocgtk_configurator_source() {
  local dir=$OCGTK_CACHE/dune-configurator-$DUNE_VERSION
  if [ ! -e "$dir/.complete" ]; then
    local dl; dl=$(mktemp -d "$OCGTK_CACHE/dune-src.XXXXXX")
    ocgtk_say "fetching the dune $DUNE_VERSION source for dune-configurator (build-only dependency of ocgtk)"
    fetch_dune_source "$dl"
    rm -rf "$dir"; mkdir -p "$dir"
    cp -r "$dl/dune-src/otherlibs/configurator/src" "$dir/configurator"
    cp -r "$dl/dune-src/vendor/csexp/src" "$dir/csexp"
    cp "$dl/dune-src/LICENSE.md" "$dir/"
    rm -rf "$dl"
    touch "$dir/.complete"
  fi
  OCGTK_CONFIGURATOR_DIR=$dir
}

# Lays out a dune workspace in $1:
#   ocgtk/    a copy of the ocgtk package folder (never the user's checkout,
#             so build-time changes never touch it)
#   deps/     dune-configurator + csexp (from dune's source) and our alcotest
#             runner, as vendored dirs
#   extra/    our overlay: the counter driver and the reproducers
#
# The ocgtk copy and dune-configurator are laid once per workspace; our own
# files (alcotest, extra) are laid again on every run, and dune rebuilds
# only what changed (it compares contents, not times).
ocgtk_lay_workspace() {
  local ws=$1
  mkdir -p "$ws"
  if [ ! -e "$ws/.laid" ]; then
    printf '(lang dune 3.13)\n(context default)\n' >"$ws/dune-workspace"
    printf '(vendored_dirs deps)\n' >"$ws/dune"
    rm -rf "$ws/ocgtk" "$ws/deps"
    mkdir -p "$ws/ocgtk" "$ws/deps"
    ( cd "$OCGTK_PKG_DIR" && tar --exclude=./_build --exclude=./.git -cf - . ) | tar -xf - -C "$ws/ocgtk"
    cp -r "$OCGTK_CONFIGURATOR_DIR/configurator" "$OCGTK_CONFIGURATOR_DIR/csexp" "$ws/deps/"
    # dune's tree builds these two inside the dune project; here they form a
    # project of their own with the two package names their dune files use.
    printf '(lang dune 3.0)\n(package (name dune-configurator))\n(package (name stdune))\n' >"$ws/deps/dune-project"
    ocgtk_patch_gtk_compat "$ws/ocgtk"
    case ${OCGTK_VARIANT:-stock} in
      glue-check) ocgtk_patch_common_for_glue "$ws/ocgtk" "$OCGTK_INTEG_DIR/workspace/glue-check/glue_mechanism_check.c" ;;
      ours)
        ocgtk_patch_common_for_glue "$ws/ocgtk" "$OCGTK_INTEG_DIR/workspace/glue/ocgtk_glue.c"
        ocgtk_link_core "$ws/ocgtk" ;;
    esac
    touch "$ws/.laid"
  fi
  rm -rf "$ws/deps/alcotest" "$ws/extra"
  cp -r "$OCGTK_INTEG_DIR/workspace/alcotest" "$ws/deps/alcotest"
  cp -r "$OCGTK_INTEG_DIR/workspace/extra" "$ws/extra"
  cp -r "$OCGTK_INTEG_DIR/repro" "$ws/extra/repro"
}
