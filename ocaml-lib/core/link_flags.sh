#!/usr/bin/env bash
# Prints the C linker flags for the Rust archive as a dune sexp: GTK4's (from
# pkg-config) and those Rust's std needs (cargo's native-static-libs).
set -euo pipefail
# --no-as-needed: GTK stays linked even in a program that names its classes
# only as strings (Gobject.Type.from_name "GtkButton" finds gtk_button_get_type).
gtk=$(pkg-config --libs gtk4)
printf '('
for f in -Wl,--no-as-needed $gtk -Wl,--as-needed -lpthread -ldl -lm -lgcc_s -lrt -lutil; do printf '%s ' "$f"; done
printf ')\n'
