#!/usr/bin/env bash
# Called by dune (ocaml-lib/core/{glib,gtk4}/dune): builds the Rust crate as
# a static archive and copies it to $1. $2 is the flavour: glib (the crate
# without its gtk4 feature) or gtk4 (with it). $3 is the OCaml's library
# folder (dune's %{ocaml_where}) and $4 its version: they are in the rule's
# command so that dune reruns it when the OCaml changes.
#
# Cargo runs on the source tree itself (DUNE_SOURCEROOT), not on dune's copy
# in _build: cargo gives a workspace's package the same build-script folder
# whatever its path, so building the copy (which has no tests/ or examples/)
# into the same target folder would keep overwriting what `cargo test`
# builds. The target folder lives outside _build, so incremental builds
# survive `dune clean`. Both flavours share it: each build and its copy run
# under one lock, so that dune's parallel rules never copy each other's
# archive.
set -euo pipefail
out=$PWD/$1
flavour=${2:-gtk4}
crate=${DUNE_SOURCEROOT:-$(cd ../../.. && pwd)}
target=${OCAML_GCLOSURE_TARGET_DIR:-$crate/target}
case $flavour in
  glib) features=(--no-default-features --features boxroot) ;;
  gtk4) features=() ;;
  *) echo "build_rust.sh: unknown flavour $flavour (glib or gtk4)" >&2; exit 2 ;;
esac
# The OCaml dune builds with: ocaml-sys's and ocaml-boxroot-sys's build
# scripts rerun when this changes, so their C always matches it.
OCAML_WHERE_PATH=${3:-$(ocamlopt -where)}; export OCAML_WHERE_PATH
mkdir -p "$target"
exec 9>"$target/.gclosure-archive.lock"
flock 9
cargo build --quiet --release --lib "${features[@]}" --manifest-path "$crate/Cargo.toml" --target-dir "$target"
cp "$target/release/libocaml_gclosure.a" "$out"
