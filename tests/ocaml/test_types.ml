(* Gobject.Type: the first call across OCaml, Rust and GLib. *)

let () =
  Check.case "GObject by name, and back" (fun () ->
      let t = Gobject.Type.from_name "GObject" in
      assert (Gobject.Type.name t = "GObject"));
  Check.case "a class not registered yet is found through _get_type" (fun () ->
      let t = Gobject.Type.from_name "GSocketClient" in
      assert (Gobject.Type.name t = "GSocketClient"));
  Check.case "a GTK widget class" (fun () ->
      assert (Gobject.Type.name (Gobject.Type.from_name "GtkButton") = "GtkButton"));
  Check.case "an unknown name raises Invalid_argument naming it" (fun () ->
      Check.expect_invalid_arg ~mentions:[ "Gobject.Type.from_name"; "NoSuchWidget" ]
        (fun () -> Gobject.Type.from_name "NoSuchWidget"));
  Check.case "GLib version is 2.x" (fun () ->
      assert (String.sub (Gclosure.glib_version ()) 0 2 = "2."));
  Check.finish "test_types"
