#!/usr/bin/env bash
# The OCaml API documentation (the odoc part of "Rustdoc and odoc build
# without warnings; each public item has a doc comment"; odoc itself is not
# available here, see README "Not supported yet"):
#   * ocamldoc, the compiler's documentation generator, renders every
#     public .mli to HTML with its warnings turned into errors;
#   * tests/docs/check_docs.exe finds no public item without a doc comment,
#     and does find the one in a deliberately undocumented interface.
# Rustdoc runs in scripts/test.sh with -D warnings, under which the
# crate's #![warn(missing_docs)] fails on any undocumented public item.
set -uo pipefail
name=test_docs
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/shell/lib/check.sh
source tests/shell/lib/check.sh
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

mlis=(ocaml-lib/core/gclosure_core.mli ocaml-lib/core/gclosure_archive.mli ocaml-lib/gclosure.mli ocaml-lib/gobject.mli ocaml-lib/gtk4.mli)
dune build @install ./tests/docs/check_docs.exe || { check "dune build" false; finish; }
objs=_build/default/ocaml-lib/.gclosure.objs/byte
core_objs=_build/default/ocaml-lib/core/.gclosure_core.objs/byte

check "ocamldoc -html -warn-error renders ${mlis[*]}" \
  ocamldoc -html -warn-error -d "$tmp" -I "$objs" -I "$core_objs" "${mlis[@]}"
check "ocamldoc wrote a page per module" \
  test -s "$tmp/Gobject.Closure.html" -a -s "$tmp/Gtk4.Button.html" -a -s "$tmp/Gclosure.html"
check "every public item has a doc comment" \
  ./_build/default/tests/docs/check_docs.exe "${mlis[@]}"

printf '(** A module. *)\n\nval documented : int\n(** Yes. *)\n\nval forgotten : int\n' >"$tmp/bad.mli"
./_build/default/tests/docs/check_docs.exe "$tmp/bad.mli" >"$tmp/bad.out"; rc=$?
check "the check catches an undocumented value (exit 1, names it)" \
  bash -c '[ "$1" -eq 1 ] && grep -q "value forgotten has no doc comment" "$2" && ! grep -q documented "$2"' _ "$rc" "$tmp/bad.out"
finish
