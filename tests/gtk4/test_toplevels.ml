(* Windows made with Gobject.unsafe_create and dropped (the hardening
   issue's item 1). GTK's list of toplevels owns a new GtkWindow's one
   reference; the library must take its own (g_object_ref_sink for an
   initially-unowned class), not GTK's: otherwise dropping the handle frees
   a window GTK still lists. Run under valgrind by tests/shell/
   test_valgrind.sh; the walk must also count every window. *)

external walk_toplevels : unit -> int = "test_walk_toplevels"

let () =
  Gtk4.init ();
  let before = walk_toplevels () in
  for _ = 1 to 5 do
    ignore (Sys.opaque_identity (Gobject.unsafe_create ~classe:"GtkWindow" [ ("title", `STRING (Some "t")) ]))
  done;
  for _ = 1 to 3 do Gc.full_major (); Gclosure.flush () done;
  let after = walk_toplevels () in
  Check.case "5 windows made and their handles dropped: GTK still lists them, alive" (fun () ->
      if after - before <> 5 then failwith (Printf.sprintf "%d toplevels before, %d after" before after));
  Check.finish "test_toplevels"
