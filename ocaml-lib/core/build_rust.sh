#!/usr/bin/env bash
# Called by dune (ocaml-lib/core/dune): builds the Rust crate as a static archive
# and copies it to $1.
#
# Cargo runs on the source tree itself (DUNE_SOURCEROOT), not on dune's copy
# in _build: cargo gives a workspace's package the same build-script folder
# whatever its path, so building the copy (which has no tests/ or examples/)
# into the same target folder would keep overwriting what `cargo test`
# builds. The target folder lives outside _build, so incremental builds
# survive `dune clean`.
set -euo pipefail
out=$PWD/$1
crate=${DUNE_SOURCEROOT:-$(cd ../.. && pwd)}
target=${OCAML_GCLOSURE_TARGET_DIR:-$crate/target}
cargo build --quiet --release --lib --manifest-path "$crate/Cargo.toml" --target-dir "$target"
cp "$target/release/libocaml_gclosure.a" "$out"
