(* Drives one of lablgtk's own examples so that it ends by itself. Linked
   (with -linkall) before the example's module, this module's initialiser
   adds a GLib timeout (GLib's default context; GTK need not be initialised
   yet). When it fires (LABLGTK3_EXAMPLE_MS, default 1500 ms, during which
   the example's own timeouts, idles and tree models run), it walks every
   toplevel window's widgets and exercises their signals where that is
   safe: a toggle or check button is clicked twice ("clicked", "toggled"),
   a combo box is set to each of its first 4 entries ("changed"); then runs
   a full major GC with every handler alive, destroys the toplevels (their
   "destroy" handlers run; most examples quit there) and quits the main
   loop. It prints "example-driver: <counts>: done" on stdout. *)

let ms = try int_of_string (Sys.getenv "LABLGTK3_EXAMPLE_MS") with _ -> 1500

let rec widgets (w : GObj.widget) =
  w :: (if Gobject.is_a w#as_widget "GtkContainer" then
          List.concat_map widgets
            (new GContainer.container (Gobject.unsafe_cast w#as_widget))#all_children
        else [])

let drive () =
  let tops = List.map (fun w -> new GObj.widget (Gobject.unsafe_cast w))
      (GtkWindow.Window.list_toplevels ()) in
  let all = List.concat_map widgets tops in
  let toggles = ref 0 and combos = ref 0 in
  List.iter (fun (w : GObj.widget) ->
    let o = w#as_widget in
    if Gobject.is_a o "GtkToggleButton" then begin
      let b = new GButton.toggle_button (Gobject.unsafe_cast o) in
      b#clicked (); b#clicked (); incr toggles
    end else if Gobject.is_a o "GtkComboBox" then begin
      let c = new GEdit.combo_box (Gobject.unsafe_cast o) in
      for i = 0 to 3 do (try c#set_active i with _ -> ()) done;
      incr combos
    end) all;
  Gc.full_major ();
  Printf.printf "example-driver: %d toplevels, %d widgets, %d toggles clicked, %d combo boxes changed: done\n%!"
    (List.length tops) (List.length all) !toggles !combos;
  List.iter (fun (w : GObj.widget) -> w#destroy ()) tops;
  GMain.quit ();
  false

let () = ignore (Glib.Timeout.add ~ms ~callback:drive)
