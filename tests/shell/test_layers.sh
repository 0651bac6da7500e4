#!/usr/bin/env bash
# The crate's layers (issue 23): src/ has one folder per layer, no two of
# its files refer to each other (directly or through others), each layer
# uses only those before it (core < gtk < ocaml < gtk4, capi, embed), and
# each file opens with what it is for. tests/shell/lib/layers.py reads the
# `crate::` and `super::` paths of every file; it is shown failing on a
# copy of src/ with a cycle, an upward reference and a file without its
# opening comment. Every `unsafe fn` states its rule where it is declared,
# and docs/unsafe.md (their list, tests/shell/lib/unsafe_list.py) is
# current.
set -uo pipefail
name=test_layers
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/shell/lib/check.sh
source tests/shell/lib/check.sh
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

check "src/: no cycle, layers in order, every file says what it is for" python3 tests/shell/lib/layers.py src

fails_with() { # fails_with PATTERN DIR: the check fails, naming PATTERN
  local out; out=$(python3 tests/shell/lib/layers.py "$2"); local rc=$?
  [ "$rc" -eq 1 ] && grep -q "$1" <<<"$out"
}
cp -r src "$tmp/cycle"
printf '\nfn _back() { let _ = crate::ocaml::owners::maintain; }\n' >>"$tmp/cycle/core/safepoint.rs"
printf '\nfn _again() { let _ = crate::core::safepoint::flush; }\n' >>"$tmp/cycle/ocaml/owners.rs"
check "it finds a cycle (safepoint <-> owners) in a broken copy" fails_with "cycle among.*core::safepoint.*ocaml::owners" "$tmp/cycle"
cp -r src "$tmp/up"
printf '\nuse crate::gtk::toplevels;\n' >>"$tmp/up/core/deferred.rs"
check "it finds a layer using a later one (core -> gtk) in a broken copy" fails_with "core::deferred (core) refers to gtk::toplevels (gtk)" "$tmp/up"
cp -r src "$tmp/doc"
sed -i '1s|^//!|//|' "$tmp/doc/core/spare.rs"
check "it finds a file that does not say what it is for" fails_with "spare.rs does not open with a comment" "$tmp/doc"

check "every unsafe fn states its rule (a # Safety section, or what calls it)" python3 tests/shell/lib/unsafe_list.py --missing src
cp -r src "$tmp/norule"
printf '\n/// No rule here.\nunsafe fn _unruled() {}\n' >>"$tmp/norule/core/spare.rs"
norule() { ! python3 tests/shell/lib/unsafe_list.py --missing "$tmp/norule" >/dev/null; }
check "it finds an unsafe fn without a rule in a broken copy" norule
current() { python3 tests/shell/lib/unsafe_list.py src | diff -u docs/unsafe.md - >"$tmp/unsafe.diff"; }
check "docs/unsafe.md is current (regenerate: python3 tests/shell/lib/unsafe_list.py > docs/unsafe.md)" current
[ -s "$tmp/unsafe.diff" ] && head -20 "$tmp/unsafe.diff"
finish
