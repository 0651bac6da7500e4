(** Which static archive of the Rust crate this program links (see
    [ocaml-lib/core/dune]): implemented by [gclosure.core.glib] (the
    default) and [gclosure.core.gtk4]. *)

val with_gtk4 : bool
(** [true] when the archive has GTK 4 in it (the [Gtk4] module's
    externals), [false] for the GLib-only core. *)
