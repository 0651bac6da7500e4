(* Gobject.Type: the first call across OCaml, Rust and GLib. *)

(* The externals of Gobject.Type and Gobject.Value at [int]. *)
module Bogus = struct
  external name : int -> string = "ml_gobject_type_name"
  external is_a : int -> int -> bool = "ml_gobject_type_is_a"
  external create : int -> Gobject.g_value = "ml_gobject_value_create"

  let of_type (t : Gobject.g_type) : int = Obj.magic t
end

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
  (* A g_type is abstract, but the externals take plain integers: a
     program can declare them at another type, as here. Before of_int
     validated its integer, an id above GLib's fundamental range was read
     as a TypeNode pointer (a segfault), an unregistered fundamental id
     gave g_type_name's NULL to glib-rs (a segfault), and 5 read as "void"
     (the node of type 4: a silent wrong answer). *)
  Check.case "a bogus type id raises Invalid_argument naming it" (fun () ->
      List.iter
        (fun id ->
          let msg = string_of_int id in
          Check.expect_invalid_arg ~mentions:[ "Gobject.Type.name"; msg; "not a registered GType" ]
            (fun () -> Bogus.name id);
          Check.expect_invalid_arg ~mentions:[ "Gobject.Type.is_a"; msg ] (fun () ->
              Bogus.is_a id (Bogus.of_type (Gobject.Type.from_name "GObject")));
          Check.expect_invalid_arg ~mentions:[ "Gobject.Type.is_a"; msg ] (fun () ->
              Bogus.is_a (Bogus.of_type (Gobject.Type.from_name "GObject")) id);
          Check.expect_invalid_arg ~mentions:[ "Gobject.Value.create"; msg ] (fun () ->
              Bogus.create id))
        [ 0; 1; 5; 1000; 1 lsl 40; 123456789; -4; max_int ]);
  Check.case "real ids still work, including a type registered after a bogus look-up" (fun () ->
      (try ignore (Bogus.name (1 lsl 40)) with Invalid_argument _ -> ());
      let t = Gobject.Type.from_name "GSocketService" in
      assert (Gobject.Type.name t = "GSocketService");
      assert (Gobject.Type.is_a t (Gobject.Type.from_name "GObject"));
      assert (Bogus.name (Bogus.of_type (Gobject.Type.from_name "gint")) = "gint"));
  Check.case "GLib version is 2.x" (fun () ->
      assert (String.sub (Gclosure.glib_version ()) 0 2 = "2."));
  Check.finish "test_types"
