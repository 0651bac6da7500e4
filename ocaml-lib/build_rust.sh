#!/usr/bin/env bash
# Called by dune (ocaml-lib/dune): builds the Rust crate as a static archive
# and copies it to $1. Cargo's target folder lives outside _build so that
# incremental builds survive `dune clean` and dune's sandbox.
set -euo pipefail
out=$1
here=$(pwd)                      # _build/default/ocaml-lib
crate=$(cd "$here/.." && pwd)    # _build/default (a copy of the sources)
target=${OCAML_GCLOSURE_TARGET_DIR:-${DUNE_SOURCEROOT:-$crate/../..}/target}
cargo build --quiet --release --lib --manifest-path "$crate/Cargo.toml" --target-dir "$target"
cp "$target/release/libocaml_gclosure.a" "$out"
