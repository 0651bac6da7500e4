#!/usr/bin/env bash
# The crates as a Rust user would get them from a registry:
# - `cargo package --list` of ocaml-gclosure and ocaml-gclosure-build holds
#   what a build needs (the Rust sources, the C shim, build.rs, the library's
#   OCaml side that ocaml-gclosure-build compiles into the user's program)
#   and nothing of the repository's test harness (tests/, examples/, bench/,
#   scripts/, integrations/, the dune build);
# - `cargo package --workspace` makes both .crate files (`--no-verify`: the
#   verification builds each package again from scratch, OCaml and GTK
#   included, minutes on 2 cores; `--allow-dirty` so that it runs on a
#   working tree; `--offline`: the dependencies come from cargo's cache);
# - `cargo doc`, as docs.rs builds it ([package.metadata.docs.rs]: no
#   default features, `gtk4` and `without-ocamlopt`), succeeds on the
#   unpacked .crate from a shell with no OCaml on PATH and none of the
#   variables that name one, outside the repository (no .cargo/config.toml
#   of ours), while the default features there fail (they need an OCaml:
#   the check that the shell really has none).
#
# The doc build's target folder lives in the cache: seconds once warm.
set -uo pipefail
name=test_rust_package
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/shell/lib/check.sh
source "$root/tests/shell/lib/check.sh"
cache=${OCAML_GCLOSURE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ocaml-gclosure}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$root" || exit 1

list() { cargo package --quiet --allow-dirty --offline --list -p "$1" 2>/dev/null; }
main=$(list ocaml-gclosure); build=$(list ocaml-gclosure-build)
has_all() { local l=$1; shift; for f in "$@"; do grep -qx "$f" <<<"$l" || { echo "  missing: $f"; return 1; }; done; }
check "the main crate's package has the sources, the shim, build.rs and the OCaml side" \
  has_all "$main" Cargo.toml README.md build.rs src/lib.rs src/embed/mod.rs src/ocaml/ml/mod.rs src/shim.c src/ocaml/owners_gc.c \
  ocaml-lib/core/gclosure_core.ml ocaml-lib/core/gclosure_core.mli ocaml-lib/gclosure.ml ocaml-lib/gclosure.mli \
  ocaml-lib/gobject.ml ocaml-lib/gobject.mli
# Every module ocaml-gclosure-build compiles is in it (its LIBRARY_ML).
lib_ml=$(sed -n '/^pub const LIBRARY_ML/,/^];/p' ocaml-gclosure-build/src/lib.rs | grep -o '"[^"]*"' | tr -d '"' | sed 's|^|ocaml-lib/|')
# shellcheck disable=SC2086
check "it has every OCaml module ocaml-gclosure-build compiles (LIBRARY_ML)" has_all "$main" $lib_ml
check "it has nothing of the test harness" \
  bash -c '! grep -E "^(tests|examples|bench|scripts|integrations|docs|include|core|_build|target)/|^(dune|dune-project|gclosure.opam)$" <<<"$1"' _ "$main"
check "ocaml-gclosure-build's package is its manifest, build.rs and src/lib.rs" \
  bash -c '[ "$(grep -v -E "^(Cargo.toml|Cargo.toml.orig|Cargo.lock|.cargo_vcs_info.json|build.rs|src/lib.rs)$" <<<"$1")" = "" ]' _ "$build"

pkg=$cache/rust-package/target
mkdir -p "$pkg"
out=$(cargo package --quiet --workspace --no-verify --allow-dirty --offline --target-dir "$pkg" 2>&1)
code=$?
check "cargo package --workspace --no-verify succeeds" [ "$code" = 0 ]
[ "$code" = 0 ] || grep -v '^warning' <<<"$out" | tail -n 20
tar -xzf "$pkg/package/ocaml-gclosure-0.1.0.crate" -C "$tmp" && tar -xzf "$pkg/package/ocaml-gclosure-build-0.1.0.crate" -C "$tmp"

# A shell with cargo but no OCaml, as docs.rs has.
clean_path=""
IFS=: read -ra dirs <<<"$PATH"
for d in "${dirs[@]}"; do
  [ -n "$d" ] && [ ! -e "$d/ocamlopt" ] && clean_path=${clean_path:+$clean_path:}$d
done
user() { env -u OCAMLOPT -u OCAML_WHERE_PATH -u OPAM_SWITCH_PREFIX -u OCAML_VERSION -u OCAML_GCLOSURE_TARGET_DIR \
  -u CARGO_TARGET_DIR -u RUSTDOCFLAGS OCAML_GCLOSURE_CACHE="$tmp/no-cache" PATH="$clean_path" "$@"; }
check "the doc shell has cargo but no OCaml" user bash -c 'command -v cargo >/dev/null && ! command -v ocamlopt >/dev/null'

crate=$tmp/ocaml-gclosure-0.1.0
docs_target=$cache/rust-package/doc-target
# ocaml-gclosure-build is not on a registry: the unpacked one stands in.
patch="patch.crates-io.ocaml-gclosure-build.path=\"$tmp/ocaml-gclosure-build-0.1.0\""
doc() { ( cd "$crate" && user DOCS_RS=1 RUSTDOCFLAGS="--cfg docsrs -D warnings" nice cargo doc --quiet --offline --no-deps --lib \
  --config "$patch" --target-dir "$docs_target" "$@" ) 2>&1; }
# docs.rs's features, read from the package's own manifest.
docsrs() { python3 -c 'import sys, tomllib; d = tomllib.load(open(sys.argv[1], "rb"))["package"]["metadata"]["docs"]["rs"]; print(d.get("no-default-features", False), ",".join(d.get("features", [])))' "$crate/Cargo.toml"; }
read -r no_default features < <(docsrs)
check "[package.metadata.docs.rs] names no-default-features and the features ($features)" \
  bash -c '[ "$1" = True ] && [ -n "$2" ]' _ "$no_default" "$features"
rm -rf "$docs_target/doc/ocaml_gclosure"
td=$SECONDS
out=$(doc --no-default-features --features "$features"); code=$?
[ "$code" = 0 ] || tail -n 20 <<<"$out"
check "cargo doc of the package as docs.rs builds it, without OCaml, succeeds ($((SECONDS - td)) s)" [ "$code" = 0 ]
check "it documents Runtime and Locked" \
  test -f "$docs_target/doc/ocaml_gclosure/embed/struct.Runtime.html" -a -f "$docs_target/doc/ocaml_gclosure/embed/struct.Locked.html"
out=$(doc); code=$?
check "with the default features the same shell fails (they need an OCaml)" [ "$code" != 0 ]
finish
