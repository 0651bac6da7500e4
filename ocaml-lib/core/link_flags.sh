#!/usr/bin/env bash
# Prints the C linker flags of the Rust archive as a dune sexp: GLib's (the
# glib flavour: gobject and gio) or GTK 4's (the gtk4 flavour), from
# pkg-config, and those Rust's std needs (cargo's native-static-libs).
set -euo pipefail
case ${1:-gtk4} in
  glib) pkgs="gobject-2.0 gio-2.0" ;;
  gtk4) pkgs="gtk4" ;;
  *) echo "link_flags.sh: unknown flavour $1 (glib or gtk4)" >&2; exit 2 ;;
esac
# --no-as-needed: the libraries stay linked even in a program that names
# their classes only as strings (Gobject.Type.from_name "GtkButton" finds
# gtk_button_get_type).
libs=$(pkg-config --libs $pkgs)
printf '('
for f in -Wl,--no-as-needed $libs -Wl,--as-needed -lpthread -ldl -lm -lgcc_s -lrt -lutil; do printf '%s ' "$f"; done
printf ')\n'
