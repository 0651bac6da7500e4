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
# The build's own output (compiler warnings) is shown, not compared.
OCAMLPATH="$tmp/prefix/lib" dune build ./main.exe 2>&1 | sed 's/^/  | /'
out=$(./_build/default/main.exe 2>&1)
echo "$out"
[ "$out" = "linked: GObject" ] || { echo "FAIL: unexpected output"; exit 1; }

# A binding with its own Gobject module, on gclosure.core and the installed
# header (include/gclosure.h): no module clash, the C API links.
mkdir -p "$tmp/binding"
cat >"$tmp/binding/dune-project" <<'DUNE'
(lang dune 3.0)
DUNE
cat >"$tmp/binding/dune" <<'DUNE'
(rule
 (targets cflags.sexp)
 (action (with-stdout-to %{targets} (system "printf '(%s)' \"$(pkg-config --cflags gobject-2.0)\""))))
(executable
 (name main)
 (modules gobject main)
 (foreign_stubs (language c) (names stub) (flags (:standard (:include cflags.sexp))))
 (libraries gclosure.core))
DUNE
cat >"$tmp/binding/stub.c" <<'C'
#include <gclosure.h>
value binding_is_closed(value unit) { (void)unit; return Val_bool(ocgc_is_closed()); }
C
cat >"$tmp/binding/gobject.ml" <<'ML'
external is_closed : unit -> bool = "binding_is_closed"
ML
cat >"$tmp/binding/main.ml" <<'ML'
let () = Printf.printf "binding: closed=%b\n" (Gobject.is_closed ())
ML
cd "$tmp/binding"
# The build's own output (compiler warnings) is shown, not compared.
OCAMLPATH="$tmp/prefix/lib" dune build ./main.exe 2>&1 | sed 's/^/  | /'
out=$(./_build/default/main.exe 2>&1)
echo "$out"
[ "$out" = "binding: closed=false" ] || { echo "FAIL: the binding on gclosure.core"; exit 1; }

# GTK 4 is optional: the core (gclosure.core.glib, its default archive)
# links GLib, GObject and GIO, no GTK, so a GTK 3 binding can use it; the
# library gclosure (the Gtk4 module) brings GTK 4.
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' '; }
b=$(needed "$tmp/binding/_build/default/main.exe"); u=$(needed "$tmp/user/_build/default/main.exe")
echo "binding on gclosure.core needs: $b"
case " $b" in *gtk*|*gdk*) echo "FAIL: the core pulls GTK in"; exit 1 ;; esac
case " $b" in *libgobject-2.0*) ;; *) echo "FAIL: the core does not link GObject"; exit 1 ;; esac
case " $u" in *libgtk-4*) ;; *) echo "FAIL: gclosure does not link GTK 4 ($u)"; exit 1 ;; esac
echo "test_install: 3 passed, 0 failed"
