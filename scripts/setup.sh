#!/usr/bin/env bash
# Makes sure this machine has what the project builds with, then puts it on
# PATH. Sourced by scripts/test.sh, scripts/demo.sh and scripts/bench.sh;
# run directly (./scripts/setup.sh [--ocaml VERSION | --all]) it only builds
# and caches, and says how to use what it built.
#
#   ./scripts/setup.sh --cargo-config DIR   also writes the OCaml it chose
#      into DIR/.cargo/config.toml's [env] table (OCAMLOPT, OCAML_WHERE_PATH),
#      for a cargo project of your own that depends on ocaml-gclosure: the
#      build scripts of ocaml-sys and ocaml-boxroot-sys, which no dependency
#      can reach, then find the same OCaml as ocaml-gclosure-build does.
#      DIR is the project (or ~ for every project: ~/.cargo/config.toml).
#      Other lines of the file are kept; our two keys are replaced.
#
#   1. Debian packages: libgtk-4-dev, libgtk-3-dev, xvfb, xauth, pkg-config, valgrind, gdb
#      (installed with apt-get when one is missing).
#   2. An OCaml and dune:
#      * OCAML_GCLOSURE_OCAML=VERSION (test.sh --ocaml VERSION) asks for one
#        of the versions below: the ocamlopt on PATH when it is exactly that
#        version, otherwise our own build of it;
#      * otherwise the OCaml on PATH when it is 4.14 or 5.x (an opam switch);
#      * otherwise OCaml 5.4.1, the default.
#      Our own builds come from source tarballs checked against their sha256
#      and live in a per-user cache folder ($OCAML_GCLOSURE_CACHE, default
#      ~/.cache/ocaml-gclosure), one prefix a version (ocaml-VERSION/), built
#      once and reused:
#        5.4.1   Debian's archive (sid): ocaml_5.4.1.orig.tar.xz
#        5.3.0   the npm registry (ocaml@5.3.0), else Debian's archive (trixie)
#        4.14.0  the npm registry (ocaml@4.14.0)
#      dune 3.17.2 (Debian's archive, trixie) is built once, with OCaml 5.3.0,
#      into ocaml-5.3.0/ and drives every version: dune 3.17.2 itself does not
#      build with OCaml 5.4 (its vendored notty misses Format's new
#      out_width field), and we do not patch it.
#      Debian's archive is reached through the first Debian mirror named in
#      this machine's own apt sources (or $OCAML_GCLOSURE_DEBIAN_MIRROR), with
#      a sources list kept in the cache folder: the machine's apt
#      configuration is never changed.
#
# After it (when sourced): OCaml and dune on PATH, and exported:
#   OCAML_GCLOSURE_OCAML_VERSION  the version in use (e.g. 5.4.1)
#   OCAML_GCLOSURE_TARGET_DIR     cargo's target folder for that version:
#                                 target/ for the default or PATH's OCaml,
#                                 target/ocaml-VERSION/ for one asked for
#   OCAML_WHERE_PATH              that OCaml's `ocamlopt -where` (for cargo)
#   OCAMLOPT                      only re-pointed when it was already set

set -euo pipefail

OCAML_GCLOSURE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export OCAML_GCLOSURE_ROOT
GC_CACHE=${OCAML_GCLOSURE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ocaml-gclosure}

OCAML_DEFAULT_VERSION=5.4.1
OCAML_KNOWN_VERSIONS="5.4.1 5.3.0 4.14.0"
# sha256 of each source tarball we accept, by origin.
SHA_OCAML_5_4_1_DEB=b1e297adc186635540758eb064c7fab025598ae4436f3b9767e5025188b4e0ab
SHA_OCAML_5_3_0_NPM=c4108bac7b45c46325f0e15a988c308f7785cd6c4d29dac190df06f543f7c992
SHA_OCAML_5_3_0_DEB=b0229336d9ebe0af905954bcd1ae5b293306bbcb08c01ead03500d9e5bc90164
# esy's npm packaging of the upstream 4.14.0 tree: the tree plus esy's own
# package.json, esy-build, esy-configure, esy.lock/ and test-app/, which we
# do not use (checked: VERSION and Changes say 4.14.0, the build is upstream's).
SHA_OCAML_4_14_0_NPM=401196ea43d7fe23c9ce656e1d2896cbaeb72533def70d8324e1296202d648e2
DUNE_VERSION=3.17.2
DUNE_DEB_SHA256=9deafeed0ecfe9e65e642cd8e6197f0864f73fcd7b94b5b199ae4d2e07a2ea64
DUNE_BUILDER=5.3.0   # the OCaml our dune is built with

say() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

# ---- 1. Debian packages ---------------------------------------------------
setup_debian_packages() {
  local wanted=(libgtk-4-dev libgtk-3-dev xvfb xauth pkg-config valgrind gdb bzip2 xz-utils make gcc)
  local missing=() p
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "missing Debian packages: ${missing[*]} (run as root or install them)"
    sudo=(sudo)
  fi
  say "installing Debian packages: ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
}

# ---- 2. OCaml and dune ----------------------------------------------------
# Prints "major.minor.patch" of the ocamlopt on PATH, or nothing.
ocaml_on_path_version() {
  command -v ocamlopt >/dev/null 2>&1 || return 0
  ocamlopt -version 2>/dev/null | tr -d '\r' || true
}

# True when version $1 is 4.14 or >= 5.0.
ocaml_version_ok() {
  local major minor
  IFS=. read -r major minor _ <<<"$1"
  [ "${major:-0}" -ge 5 ] || { [ "${major:-0}" -eq 4 ] && [ "${minor:-0}" -ge 14 ]; }
}

# True when version $1 is older than 5.4 (dune 3.17.2 builds with it).
ocaml_builds_dune() {
  local major minor
  IFS=. read -r major minor _ <<<"$1"
  [ "${major:-0}" -lt 5 ] || { [ "${major:-0}" -eq 5 ] && [ "${minor:-0}" -lt 4 ]; }
}

# Maps "5.4", "5.3", "4.14" (or a full known version) to a known version.
ocaml_resolve_version() {
  local v
  for v in $OCAML_KNOWN_VERSIONS; do
    if [ "$1" = "$v" ] || [ "$1" = "${v%.*}" ]; then echo "$v"; return 0; fi
  done
  die "OCaml $1 is not one setup can build; known: $OCAML_KNOWN_VERSIONS"
}

sha256_ok() { [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }

# The first Debian mirror in this machine's apt sources: URIs: lines of
# deb822 files (/etc/apt/sources.list.d/*.sources), then one-line entries
# (/etc/apt/sources.list, *.list). Debian mirrors end in /debian.
debian_archive_uri() {
  if [ -n "${OCAML_GCLOSURE_DEBIAN_MIRROR:-}" ]; then echo "$OCAML_GCLOSURE_DEBIAN_MIRROR"; return 0; fi
  local f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    uri=$(awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) { print $i; exit } }' "$f")
    [ -n "$uri" ] && { echo "${uri%/}"; return 0; }
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] || continue
    uri=$(awk '$1 ~ /^deb(-src)?$/ { for (i = 2; i <= NF; i++) { if ($i ~ /^\[/) { while ($i !~ /\]$/ && i < NF) i++; continue } if ($i ~ /\/debian\/?$/) { print $i; exit } break } }' "$f")
    [ -n "$uri" ] && { echo "${uri%/}"; return 0; }
  done
  return 1
}

# apt_source SUITE PACKAGE[=VERSION]: downloads a Debian source package's
# files into the current folder, with a sources index for SUITE kept in our
# cache folder, so the machine's own apt configuration is never touched.
# apt may fail on a missing .dsc while the tarballs still arrive: callers
# check for the tarball and its sha256.
apt_source() {
  local suite=$1 pkg=$2 dir=$GC_CACHE/apt-$1 uri
  uri=$(debian_archive_uri) || die "no Debian mirror in this machine's apt sources (/etc/apt/sources.list.d/*.sources, /etc/apt/sources.list); set OCAML_GCLOSURE_DEBIAN_MIRROR"
  mkdir -p "$dir/lists/partial"
  local line="deb-src $uri $suite main"
  if [ "$(cat "$dir/sources.list" 2>/dev/null)" != "$line" ]; then
    echo "$line" >"$dir/sources.list"; rm -f "$dir/lists/.updated"
  fi
  local opts=(-o "Dir::Etc::sourcelist=$dir/sources.list" -o "Dir::Etc::sourceparts=-"
              -o "Dir::State::Lists=$dir/lists" -o "APT::Get::List-Cleanup=0")
  if [ ! -e "$dir/lists/.updated" ]; then
    apt-get "${opts[@]}" update -qq >/dev/null 2>&1 && touch "$dir/lists/.updated"
  fi
  apt-get "${opts[@]}" source --download-only "$pkg" >/dev/null 2>&1 || true
}

# npm_source PACKAGE@VERSION: `npm pack` into the current folder.
npm_source() {
  command -v npm >/dev/null 2>&1 || return 0
  npm pack --silent "$1" >/dev/null 2>&1 || true
}

# unpack TARBALL DEST: extracts a source tarball's single top folder as DEST.
unpack() {
  mkdir -p "$2" && tar -xf "$1" -C "$2" --strip-components=1
}

# fetch_ocaml_source VERSION DIR: leaves the checked source tree in DIR/ocaml-src.
fetch_ocaml_source() {
  local v=$1 dl=$2 tb
  case $v in
    5.4.1)
      ( cd "$dl" && apt_source sid "ocaml=5.4.1-1"; [ -f ocaml_5.4.1.orig.tar.xz ] || apt_source sid ocaml )
      tb=$dl/ocaml_5.4.1.orig.tar.xz
      [ -f "$tb" ] || die "could not fetch ocaml_5.4.1.orig.tar.xz from Debian's archive (sid)"
      sha256_ok "$tb" "$SHA_OCAML_5_4_1_DEB" || die "checksum mismatch for $tb"
      say "OCaml 5.4.1 source from Debian's archive (sid), sha256 checked" ;;
    5.3.0)
      ( cd "$dl" && npm_source ocaml@5.3.0 )
      tb=$dl/ocaml-5.3.0.tgz
      if [ -f "$tb" ] && sha256_ok "$tb" "$SHA_OCAML_5_3_0_NPM"; then
        say "OCaml 5.3.0 source from the npm registry, sha256 checked"
      else
        say "the npm registry's ocaml@5.3.0 unavailable or wrong checksum; trying Debian's archive (trixie)"
        ( cd "$dl" && apt_source trixie "ocaml=5.3.0-2"; [ -f ocaml_5.3.0.orig.tar.xz ] || apt_source trixie ocaml )
        tb=$dl/ocaml_5.3.0.orig.tar.xz
        [ -f "$tb" ] || die "could not fetch the OCaml 5.3.0 source"
        sha256_ok "$tb" "$SHA_OCAML_5_3_0_DEB" || die "checksum mismatch for $tb"
        say "OCaml 5.3.0 source from Debian's archive (trixie), sha256 checked"
      fi ;;
    4.14.0)
      ( cd "$dl" && npm_source ocaml@4.14.0 )
      tb=$dl/ocaml-4.14.0.tgz
      [ -f "$tb" ] || die "could not fetch ocaml@4.14.0 from the npm registry"
      sha256_ok "$tb" "$SHA_OCAML_4_14_0_NPM" || die "checksum mismatch for $tb"
      say "OCaml 4.14.0 source from the npm registry, sha256 checked" ;;
    *) die "no source known for OCaml $v" ;;
  esac
  unpack "$tb" "$dl/ocaml-src"
}

fetch_dune_source() {
  local dl=$1
  ( cd "$dl" && apt_source trixie "ocaml-dune=$DUNE_VERSION-1"; [ -f "ocaml-dune_$DUNE_VERSION.orig.tar.bz2" ] || apt_source trixie ocaml-dune )
  local tb="$dl/ocaml-dune_$DUNE_VERSION.orig.tar.bz2"
  [ -f "$tb" ] || die "could not fetch the dune $DUNE_VERSION source from Debian's archive (trixie)"
  sha256_ok "$tb" "$DUNE_DEB_SHA256" || die "checksum mismatch for $tb"
  say "dune $DUNE_VERSION source from Debian's archive (trixie), sha256 checked"
  unpack "$tb" "$dl/dune-src"
}

# Runs "$@" with its output in a log file; on failure shows the log's tail.
logged() {
  local log=$1; shift
  if ! "$@" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "step failed: $* (full log: $log)"
  fi
}

build_ocaml() {
  local v=$1 prefix=$2 dl
  dl=$(mktemp -d "$GC_CACHE/build.XXXXXX")
  fetch_ocaml_source "$v" "$dl"
  local t0=$SECONDS
  say "building OCaml $v into $prefix (about 3-4 minutes on 2 cores; log: $GC_CACHE/logs/ocaml-$v-*.log)"
  mkdir -p "$GC_CACHE/logs"
  ( cd "$dl/ocaml-src"
    logged "$GC_CACHE/logs/ocaml-$v-configure.log" ./configure --prefix="$prefix"
    logged "$GC_CACHE/logs/ocaml-$v-make.log" make -j"$(nproc)"
    logged "$GC_CACHE/logs/ocaml-$v-install.log" make install )
  say "OCaml $v built in $((SECONDS - t0)) s"
  rm -rf "$dl"
}

# build_dune PREFIX: with the OCaml first on PATH.
build_dune() {
  local prefix=$1 dl
  dl=$(mktemp -d "$GC_CACHE/build.XXXXXX")
  fetch_dune_source "$dl"
  local t0=$SECONDS
  say "building dune $DUNE_VERSION into $prefix with OCaml $(ocamlopt -version) (about 40 seconds)"
  mkdir -p "$GC_CACHE/logs"
  ( cd "$dl/dune-src"
    logged "$GC_CACHE/logs/dune-make.log" make release
    logged "$GC_CACHE/logs/dune-install.log" make install PREFIX="$prefix" )
  say "dune built in $((SECONDS - t0)) s"
  rm -rf "$dl"
}

# with_lock NAME CMD...: one setup at a time builds a given thing (another
# shell may be running setup on the same cache folder).
with_lock() {
  local name=$1; shift
  mkdir -p "$GC_CACHE"
  ( flock 9 || die "cannot lock $GC_CACHE/.lock-$name"; "$@" ) 9>"$GC_CACHE/.lock-$name"
}

# The prefix holding our build of OCaml $1 (built now if missing). The
# 5.3.0 prefix also holds dune.
ensure_ocaml() {
  local v=$1 prefix=$GC_CACHE/ocaml-$1
  [ -e "$prefix/.complete" ] || with_lock "ocaml-$v" ensure_ocaml_locked "$v" "$prefix"
  [ -e "$prefix/.complete" ] || die "OCaml $v was not built"
}
ensure_ocaml_locked() {
  local v=$1 prefix=$2
  [ -e "$prefix/.complete" ] && return 0
  say "building OCaml $v once, into $prefix"
  rm -rf "$prefix"
  build_ocaml "$v" "$prefix"
  if [ "$v" = "$DUNE_BUILDER" ]; then PATH="$prefix/bin:$PATH" build_dune "$prefix"; fi
  touch "$prefix/.complete"
}

# Puts our shared dune (built with OCaml 5.3.0) on PATH, alone in its folder
# so that 5.3.0's compilers stay off PATH.
use_shared_dune() {
  ensure_ocaml "$DUNE_BUILDER"
  local dir=$GC_CACHE/dune-$DUNE_VERSION/bin
  if [ ! -x "$dir/dune" ]; then
    mkdir -p "$dir" && ln -sf "$GC_CACHE/ocaml-$DUNE_BUILDER/bin/dune" "$dir/dune"
  fi
  export PATH="$dir:$PATH"
}

# Uses the OCaml on PATH (version $1); brings a dune when PATH has none.
use_path_ocaml() {
  local found=$1
  if [ "${SETUP_NEEDS_DUNE:-yes}" = no ]; then
    say "using OCaml $found from PATH"
    return 0
  fi
  if command -v dune >/dev/null 2>&1; then
    say "using OCaml $found and dune $(dune --version) from PATH"
    return 0
  fi
  if ocaml_builds_dune "$found"; then
    local dprefix=$GC_CACHE/dune-$DUNE_VERSION-ocaml-$found
    [ -e "$dprefix/.complete" ] || with_lock "dune-ocaml-$found" ensure_path_dune "$dprefix"
    export PATH="$dprefix/bin:$PATH"
    say "using OCaml $found from PATH, dune $DUNE_VERSION from $dprefix"
  else
    use_shared_dune
    say "using OCaml $found from PATH, dune $DUNE_VERSION (built with OCaml $DUNE_BUILDER) from $GC_CACHE"
  fi
}
ensure_path_dune() {
  [ -e "$1/.complete" ] && return 0
  rm -rf "$1"; build_dune "$1"; touch "$1/.complete"
}

# Uses our own build of version $1, built now when missing.
use_cached_ocaml() {
  local v=$1
  ensure_ocaml "$v"
  if [ "$v" = "$DUNE_BUILDER" ] || [ "${SETUP_NEEDS_DUNE:-yes}" = no ]; then
    export PATH="$GC_CACHE/ocaml-$v/bin:$PATH"
  else
    use_shared_dune
    export PATH="$GC_CACHE/ocaml-$v/bin:$PATH"
  fi
  hash -r
  if [ "${SETUP_NEEDS_DUNE:-yes}" = no ]; then say "using OCaml $v from $GC_CACHE"; return 0; fi
  say "using OCaml $v and dune $DUNE_VERSION from $GC_CACHE"
}

setup_ocaml() {
  local found want=${OCAML_GCLOSURE_OCAML:-}
  found=$(ocaml_on_path_version)
  OCAML_GCLOSURE_PRIMARY=yes   # the OCaml a plain `cargo build` here uses
  if [ -n "$want" ]; then
    want=$(ocaml_resolve_version "$want")
    if [ "$found" = "$want" ]; then
      use_path_ocaml "$found"
    else
      use_cached_ocaml "$want"
      [ "$want" = "$OCAML_DEFAULT_VERSION" ] && [ -z "$found" ] || OCAML_GCLOSURE_PRIMARY=no
    fi
    OCAML_GCLOSURE_OCAML_VERSION=$want
    return 0
  fi
  if [ -n "$found" ] && ocaml_version_ok "$found"; then
    use_path_ocaml "$found"
    OCAML_GCLOSURE_OCAML_VERSION=$found
    return 0
  fi
  if [ -n "$found" ]; then
    say "OCaml $found on PATH ($(command -v ocamlopt)) is too old: boxroot needs OCaml 4.14 or 5.x; using our own OCaml $OCAML_DEFAULT_VERSION"
  fi
  use_cached_ocaml "$OCAML_DEFAULT_VERSION"
  OCAML_GCLOSURE_OCAML_VERSION=$OCAML_DEFAULT_VERSION
}

# Gives the OCaml in use its own dune _build, in the repository root (the
# current folder). dune reruns everything for another OCaml (the Rust
# archive's rules name the OCaml), but switching back and forth would
# rebuild everything each time: the current _build is moved aside as
# _build.ocaml-VERSION (_build.ocaml-unknown when it has no stamp) and
# brought back when its version returns. Used by test.sh and demo.sh.
use_build_dir_of_ocaml() {
  local want=$OCAML_GCLOSURE_OCAML_VERSION stamp=_build/.ocaml-gclosure-ocaml have
  have=$(cat "$stamp" 2>/dev/null || true)
  [ -d _build ] && [ "$have" = "$want" ] && return 0
  if [ -d _build ]; then
    have=${have:-unknown}
    rm -rf "_build.ocaml-$have" && mv _build "_build.ocaml-$have"
    echo "=== _build was made with OCaml $have: kept aside as _build.ocaml-$have"
  fi
  [ -d "_build.ocaml-$want" ] && mv "_build.ocaml-$want" _build
  mkdir -p _build && echo "$want" >"$stamp"
}

setup_main() {
  local t0=$SECONDS
  setup_debian_packages
  setup_ocaml
  export OCAML_GCLOSURE_OCAML_VERSION
  # Cargo's output stays outside dune's _build (dune copies the archive in),
  # one folder per OCaml: what build.rs and ocaml-sys build depends on it.
  if [ -z "${OCAML_GCLOSURE_TARGET_DIR:-}" ]; then
    if [ "$OCAML_GCLOSURE_PRIMARY" = yes ]; then
      OCAML_GCLOSURE_TARGET_DIR=$OCAML_GCLOSURE_ROOT/target
    else
      OCAML_GCLOSURE_TARGET_DIR=$OCAML_GCLOSURE_ROOT/target/ocaml-$OCAML_GCLOSURE_OCAML_VERSION
    fi
  fi
  export OCAML_GCLOSURE_TARGET_DIR
  # For cargo: ocaml-sys's and ocaml-boxroot-sys's build scripts compile C
  # against this OCaml's headers and rerun when this variable changes (not
  # when only PATH does), so a target folder never mixes two OCamls.
  OCAML_WHERE_PATH=$(ocamlopt -where); export OCAML_WHERE_PATH
  if [ -n "${OCAMLOPT:-}" ]; then OCAMLOPT=$(command -v ocamlopt); export OCAMLOPT; fi
  say "setup done in $((SECONDS - t0)) s"
}

# write_cargo_config DIR: OCAMLOPT and OCAML_WHERE_PATH of the ocamlopt on
# PATH into DIR/.cargo/config.toml's [env] table (made when missing; an
# older value of either key is replaced, everything else kept).
write_cargo_config() {
  local dir=$1 file opt where tmp
  [ -d "$dir" ] || die "--cargo-config: no folder $dir"
  file=$(cd "$dir" && pwd)/.cargo/config.toml
  opt=$(command -v ocamlopt); case $opt in /*) ;; *) opt=$(readlink -f "$opt") ;; esac
  where=$("$opt" -where)
  mkdir -p "$(dirname "$file")"
  touch "$file"
  tmp=$(mktemp "$file.XXXXXX")
  awk -v opt="$opt" -v where="$where" '
    /^[[:space:]]*(OCAMLOPT|OCAML_WHERE_PATH)[[:space:]]*=/ { next }
    { print }
    /^[[:space:]]*\[env\][[:space:]]*(#.*)?$/ && !done {
      printf "OCAMLOPT = \"%s\"\nOCAML_WHERE_PATH = \"%s\"\n", opt, where; done = 1 }
    END { if (!done) printf "%s[env]\nOCAMLOPT = \"%s\"\nOCAML_WHERE_PATH = \"%s\"\n", (NR ? "\n" : ""), opt, where }
  ' "$file" >"$tmp" && mv "$tmp" "$file"
  say "wrote OCAMLOPT=$opt and OCAML_WHERE_PATH=$where into $file ([env])"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  # Run as a command: build (or find) what was asked for, and say how to use it.
  all=no
  cargo_config=""
  while [ $# -gt 0 ]; do
    case $1 in
      --ocaml) OCAML_GCLOSURE_OCAML=${2:?--ocaml needs a version}; shift 2 ;;
      --ocaml=*) OCAML_GCLOSURE_OCAML=${1#--ocaml=}; shift ;;
      --all) all=yes; shift ;;
      --cargo-config) cargo_config=${2:?--cargo-config needs a folder}; shift 2 ;;
      --cargo-config=*) cargo_config=${1#--cargo-config=}; shift ;;
      -h|--help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
      *) die "unknown argument $1 (use --ocaml VERSION, --all or --cargo-config DIR)" ;;
    esac
  done
  setup_debian_packages
  if [ "$all" = yes ]; then
    for v in $OCAML_KNOWN_VERSIONS; do ensure_ocaml "$v"; done
    say "cached: $(for v in $OCAML_KNOWN_VERSIONS; do printf 'OCaml %s in %s/ocaml-%s; ' "$v" "$GC_CACHE" "$v"; done)"
    exit 0
  fi
  # cargo needs no dune: --cargo-config builds none (nor the OCaml that
  # builds ours).
  [ -n "$cargo_config" ] && SETUP_NEEDS_DUNE=no
  setup_ocaml
  if [ -n "$cargo_config" ]; then write_cargo_config "$cargo_config"; exit 0; fi
  say "OCaml $OCAML_GCLOSURE_OCAML_VERSION: $(command -v ocamlopt); dune: $(command -v dune)"
  say "cargo finds it by itself (.cargo/config.toml, scripts/ocamlopt); for dune, put it on PATH:"
  echo "export PATH=\"$(dirname "$(command -v ocamlopt)"):$(dirname "$(command -v dune)"):\$PATH\""
  exit 0
fi

setup_main
set +e +u +o pipefail
