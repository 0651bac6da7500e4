(* Destroyed GTK 4 toplevels are disposed (issue 19, item 2; design
   invariant 12): GTK 4's gtk_window_destroy only hides a window and drops
   GTK's reference; the library disposes it at the next safe point, as
   GTK 3's destroy did. A window only hidden is left alone. *)

external watch : 'a Gobject.obj -> int = "dialogs_watch_one"
external gone : int -> bool = "dialogs_gone"
external destroy_from_c : 'a Gobject.obj -> unit = "dialogs_destroy_from_c"
external iterate : int -> unit = "dialogs_iterate"
external has_parent : 'a Gobject.obj -> bool = "dialogs_has_parent"

let collect () = for _ = 1 to 3 do Gc.full_major (); Gclosure.flush () done

let window () : Gtk4.window = Gobject.unsafe_create ~classe:"GtkWindow" [ ("title", `STRING (Some "t")) ]

(* Counts the runs of a handler connected to [o]'s [name]. *)
let count o name =
  let n = ref 0 in
  let callback = Gobject.Closure.create (fun _ -> incr n) in
  ignore (Gobject.Signal.connect_by_name o ~name ~callback ~after:false);
  n

let () =
  Gtk4.init ();
  Check.case "a window hidden, then presented again, keeps its handlers and children" (fun () ->
      let w = window () in
      let slot = watch w in
      let b = Gtk4.Button.create ~label:"b" () in
      Gtk4.Window.set_child w b;
      let titles = count w "notify::title" and clicks = count b "clicked" in
      Gtk4.Window.present w;
      Gobject.Property.set_dyn w "visible" (`BOOL false);
      collect ();
      iterate 200;
      collect ();
      Gtk4.Window.present w;
      Gtk4.Window.set_title w "again";
      Gtk4.Button.clicked b;
      if !titles <> 1 then failwith (Printf.sprintf "the window's handler ran %d times, not 1" !titles);
      if !clicks <> 1 then failwith (Printf.sprintf "the button's handler ran %d times, not 1" !clicks);
      if not (has_parent b) then failwith "the button lost its window";
      if gone slot then failwith "the hidden window was finalized";
      Gtk4.Window.destroy w);
  collect ();
  Check.case "a destroyed window: its handlers are gone, its children unparented, it is finalized" (fun () ->
      let live0 = (Gclosure.stats ()).live in
      let titles, b, slot =
        let w = window () in
        let slot = watch w in
        let b = Gtk4.Button.create ~label:"b" () in
        Gtk4.Window.set_child w b;
        let titles = count w "notify::title" in
        Gtk4.Window.present w;
        Gtk4.Window.destroy w;
        Gclosure.flush ();
        Gtk4.Window.set_title w "after";
        (titles, b, slot)
      in
      if !titles <> 0 then failwith "a handler of the destroyed window ran";
      if has_parent b then failwith "the destroyed window kept its child";
      collect ();
      if not (gone slot) then failwith "the destroyed window was not finalized";
      let live = (Gclosure.stats ()).live - live0 in
      if live <> 0 then failwith (Printf.sprintf "%d closure(s) left live" live));
  Check.case "a dialog whose Close handler captures its window is finalized with its closure" (fun () ->
      let live0 = (Gclosure.stats ()).live in
      let slot =
       let w = window () in
       let slot = watch w in
       let close = Gtk4.Button.create ~label:"Close" () in
       Gtk4.Window.set_child w close;
       ignore (Gtk4.Button.on_clicked close (fun _ -> Gtk4.Window.destroy w));
       Gtk4.Window.present w;
       Gtk4.Button.clicked close;
       slot
      in
      collect ();
      if not (gone slot) then failwith "the dialog's window was not finalized";
      let live = (Gclosure.stats ()).live - live0 in
      if live <> 0 then failwith (Printf.sprintf "%d closure(s) left live" live));
  Check.case "a window destroyed from C is disposed by the main loop, with no OCaml call after it" (fun () ->
      let w = window () in
      let b = Gtk4.Button.create ~label:"b" () in
      Gtk4.Window.set_child w b;
      Gtk4.Window.present w;
      destroy_from_c w;
      if not (has_parent b) then failwith "disposed inside gtk_window_destroy (too early)";
      iterate 200;
      if has_parent b then failwith "not disposed by the main loop's next turn");
  Check.case "a safe point on another thread leaves the dispose to GTK's thread" (fun () ->
      let main = Thread.id (Thread.self ()) in
      let w = window () in
      let b = Gtk4.Button.create ~label:"b" () in
      Gtk4.Window.set_child w b;
      let where = ref [] in
      let callback = Gobject.Closure.create (fun _ -> where := Thread.id (Thread.self ()) :: !where) in
      ignore (Gobject.Signal.connect_by_name w ~name:"destroy" ~callback ~after:false);
      Gtk4.Window.present w;
      destroy_from_c w;
      let t = Thread.create (fun () -> for _ = 1 to 20 do Gc.full_major (); Gclosure.flush () done) () in
      Thread.join t;
      Gclosure.flush ();
      if has_parent b then failwith "not disposed";
      if !where <> [ main ] then
        failwith (Printf.sprintf "\"destroy\" ran %d time(s), on another thread: %b" (List.length !where)
                    (List.exists (( <> ) main) !where)));
  Check.finish "test_dispose"
