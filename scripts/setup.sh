# shellcheck shell=bash
# Sourced by scripts/demo.sh and scripts/test.sh: makes sure this machine has
# what the project builds with, then puts it on PATH.
#
#   1. Debian packages: libgtk-4-dev, xvfb, xauth, pkg-config, valgrind, gdb
#      (installed with apt-get when one is missing).
#   2. OCaml >= 5.0 (or 4.14) and dune: the ones on PATH when they are
#      suitable; otherwise OCaml 5.3.0 and dune 3.17.2 built from source
#      tarballs checked against their sha256 into a per-user cache folder
#      ($OCAML_GCLOSURE_CACHE, default ~/.cache/ocaml-gclosure), reused later.
#
# After it: ocamlfind-free OCaml and dune on PATH, OCAML_GCLOSURE_OCAML_VERSION set.

set -euo pipefail

OCAML_GCLOSURE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export OCAML_GCLOSURE_ROOT
GC_CACHE=${OCAML_GCLOSURE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ocaml-gclosure}

OCAML_VERSION=5.3.0
OCAML_NPM_SHA256=c4108bac7b45c46325f0e15a988c308f7785cd6c4d29dac190df06f543f7c992
OCAML_DEB_SHA256=b0229336d9ebe0af905954bcd1ae5b293306bbcb08c01ead03500d9e5bc90164
DUNE_VERSION=3.17.2
DUNE_DEB_SHA256=9deafeed0ecfe9e65e642cd8e6197f0864f73fcd7b94b5b199ae4d2e07a2ea64

say() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

# ---- 1. Debian packages ---------------------------------------------------
setup_debian_packages() {
  local wanted=(libgtk-4-dev xvfb xauth pkg-config valgrind gdb bzip2 xz-utils make gcc)
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

sha256_ok() { [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }

# Runs apt-get against Debian trixie's source index kept in our cache folder,
# so the machine's own apt configuration is never touched.
apt_trixie_source() {
  local dir=$GC_CACHE/apt-trixie
  mkdir -p "$dir/lists/partial"
  echo 'deb-src http://deb.debian.org/debian trixie main' >"$dir/sources.list"
  local opts=(-o "Dir::Etc::sourcelist=$dir/sources.list" -o "Dir::Etc::sourceparts=-"
              -o "Dir::State::Lists=$dir/lists" -o "APT::Get::List-Cleanup=0")
  if [ ! -e "$dir/lists/.updated" ]; then
    apt-get "${opts[@]}" update -qq >/dev/null 2>&1 && touch "$dir/lists/.updated"
  fi
  apt-get "${opts[@]}" source --download-only "$1" >/dev/null 2>&1 || true
}

fetch_ocaml_source() {
  local dl=$1
  ( cd "$dl" && npm pack --silent "ocaml@$OCAML_VERSION" >/dev/null 2>&1 ) || true
  if [ -f "$dl/ocaml-$OCAML_VERSION.tgz" ] && sha256_ok "$dl/ocaml-$OCAML_VERSION.tgz" "$OCAML_NPM_SHA256"; then
    say "OCaml $OCAML_VERSION source from the npm registry, sha256 checked"
    tar -xzf "$dl/ocaml-$OCAML_VERSION.tgz" -C "$dl" && mv "$dl/package" "$dl/ocaml-src"
    return 0
  fi
  say "npm registry tarball unavailable or wrong checksum; trying Debian trixie's source"
  ( cd "$dl" && apt_trixie_source "ocaml=$OCAML_VERSION-2" ; apt_trixie_source ocaml )
  local tb="$dl/ocaml_$OCAML_VERSION.orig.tar.xz"
  [ -f "$tb" ] || die "could not fetch the OCaml $OCAML_VERSION source"
  sha256_ok "$tb" "$OCAML_DEB_SHA256" || die "checksum mismatch for $tb"
  mkdir -p "$dl/ocaml-src" && tar -xJf "$tb" -C "$dl/ocaml-src" --strip-components=1
}

fetch_dune_source() {
  local dl=$1
  ( cd "$dl" && apt_trixie_source "ocaml-dune" )
  local tb="$dl/ocaml-dune_$DUNE_VERSION.orig.tar.bz2"
  [ -f "$tb" ] || die "could not fetch the dune $DUNE_VERSION source from Debian trixie"
  sha256_ok "$tb" "$DUNE_DEB_SHA256" || die "checksum mismatch for $tb"
  say "dune $DUNE_VERSION source from Debian trixie, sha256 checked"
  mkdir -p "$dl/dune-src" && tar -xjf "$tb" -C "$dl/dune-src" --strip-components=1
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
  local prefix=$1 dl
  dl=$(mktemp -d "$GC_CACHE/build.XXXXXX")
  fetch_ocaml_source "$dl"
  local t0=$SECONDS
  say "building OCaml $OCAML_VERSION into $prefix (about 3-4 minutes on 2 cores)"
  ( cd "$dl/ocaml-src"
    logged "$GC_CACHE/ocaml-configure.log" ./configure --prefix="$prefix"
    logged "$GC_CACHE/ocaml-make.log" make -j"$(nproc)"
    logged "$GC_CACHE/ocaml-install.log" make install )
  say "OCaml built in $((SECONDS - t0)) s"
  rm -rf "$dl"
}

build_dune() {
  local prefix=$1 dl
  dl=$(mktemp -d "$GC_CACHE/build.XXXXXX")
  fetch_dune_source "$dl"
  local t0=$SECONDS
  say "building dune $DUNE_VERSION into $prefix (about 40 seconds)"
  ( cd "$dl/dune-src"
    logged "$GC_CACHE/dune-make.log" make release
    logged "$GC_CACHE/dune-install.log" make install PREFIX="$prefix" )
  say "dune built in $((SECONDS - t0)) s"
  rm -rf "$dl"
}

setup_ocaml() {
  local found
  found=$(ocaml_on_path_version)
  if [ -n "$found" ] && ocaml_version_ok "$found"; then
    if command -v dune >/dev/null 2>&1; then
      say "using OCaml $found and dune $(dune --version) from PATH"
      OCAML_GCLOSURE_OCAML_VERSION=$found
      return 0
    fi
    local dprefix=$GC_CACHE/dune-$DUNE_VERSION-ocaml-$found
    if [ ! -e "$dprefix/.complete" ]; then
      mkdir -p "$GC_CACHE"
      rm -rf "$dprefix"; build_dune "$dprefix"; touch "$dprefix/.complete"
    fi
    export PATH="$dprefix/bin:$PATH"
    say "using OCaml $found from PATH, dune $DUNE_VERSION from $dprefix"
    OCAML_GCLOSURE_OCAML_VERSION=$found
    return 0
  fi
  if [ -n "$found" ]; then
    say "OCaml $found on PATH ($(command -v ocamlopt)) is too old: boxroot needs OCaml 4.14 or 5.x; using our own OCaml $OCAML_VERSION"
  fi
  local prefix=$GC_CACHE/ocaml-$OCAML_VERSION
  if [ ! -e "$prefix/.complete" ]; then
    mkdir -p "$GC_CACHE"
    say "no suitable OCaml on PATH and none cached: building OCaml $OCAML_VERSION and dune $DUNE_VERSION once, into $prefix"
    rm -rf "$prefix"
    build_ocaml "$prefix"
    PATH="$prefix/bin:$PATH" build_dune "$prefix"
    touch "$prefix/.complete"
  fi
  export PATH="$prefix/bin:$PATH"
  OCAML_GCLOSURE_OCAML_VERSION=$OCAML_VERSION
  say "using cached OCaml $OCAML_VERSION and dune $DUNE_VERSION from $prefix"
}

setup_t0=$SECONDS
setup_debian_packages
setup_ocaml
export OCAML_GCLOSURE_OCAML_VERSION
# Cargo's output stays outside dune's _build (dune copies the archive in).
export OCAML_GCLOSURE_TARGET_DIR=${OCAML_GCLOSURE_TARGET_DIR:-$OCAML_GCLOSURE_ROOT/target}
say "setup done in $((SECONDS - setup_t0)) s"
set +e +u +o pipefail
