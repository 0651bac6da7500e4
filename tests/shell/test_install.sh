#!/usr/bin/env bash
# `dune install` the library into a prefix, then build and run a separate
# dune project, outside the tree, that finds `gclosure` through OCAMLPATH.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$root"
dune build @install
dune install --prefix "$tmp/prefix" gclosure >/dev/null 2>&1 || dune install --prefix "$tmp/prefix" gclosure

mkdir -p "$tmp/user"
cat >"$tmp/user/dune-project" <<'DUNE'
(lang dune 3.0)
DUNE
cat >"$tmp/user/dune" <<'DUNE'
(executable
 (name main)
 (libraries gclosure))
DUNE
cat >"$tmp/user/main.ml" <<'ML'
let () = print_endline ("linked: " ^ Gobject.Type.(name (from_name "GObject")))
ML
cd "$tmp/user"
out=$(OCAMLPATH="$tmp/prefix/lib" dune build ./main.exe 2>&1 && ./_build/default/main.exe)
echo "$out"
[ "$out" = "linked: GObject" ] || { echo "FAIL: unexpected output"; exit 1; }
echo "test_install: 1 passed, 0 failed"
