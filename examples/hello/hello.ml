(* Prints what the program linked: OCaml, GLib, and a GType looked up through Rust. *)
let () =
  Printf.printf "OCaml %s, GLib %s, %s found through Rust\n" Sys.ocaml_version
    (Gclosure.glib_version ())
    Gobject.Type.(name (from_name "GObject"))
