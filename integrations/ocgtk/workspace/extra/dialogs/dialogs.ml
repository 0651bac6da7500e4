(* A dialog opened and closed N times, written with ocgtk's API (issue 19,
   item 4): a window of the application with a box, a label and a "Close"
   button. ocgtk's callbacks receive no widget, so the Close handler
   captures its window, and calls window#destroy. "clicked" is emitted,
   every handle dropped, then Gc.full_major and a flush (ocgc_flush on
   ours, nothing on stock) after each dialog.

   Growth per dialog of RSS, malloc in use and (ours) live closures, from a
   baseline after the first third of the dialogs (three GCs and flushes) to
   the end (30 more idle turns with a GC and a flush each), as in
   shared/research/lifetime-measurements.md. Prints one line:
     dialogs: RSS R B, malloc M B, closures C per dialog; F of N windows finalized
   DIALOGS=N sets N (default 450). *)

external malloc_in_use : unit -> int = "dialogs_malloc_in_use"
external rss : unit -> int = "dialogs_rss"
external watch : 'a Gobject.obj -> unit = "dialogs_watch"
external finalized : unit -> int = "dialogs_finalized"
external flush : unit -> unit = "dialogs_flush"
external live_closures : unit -> int = "dialogs_live_closures"

open Ocgtk_gtk.Gtk

let n = match Sys.getenv_opt "DIALOGS" with Some s -> int_of_string s | None -> 450

let collect () = for _ = 1 to 3 do Gc.full_major (); flush () done

let dialog app =
  let window = Window.new_ () in
  window#set_title (Some "Dialog");
  (app :> Application.application_t)#add_window window;
  let vbox = new Box.box (Wrappers.Box.new_ `VERTICAL 6) in
  window#set_child (Some (vbox :> Widget.widget_t));
  let label = new Label.label (Wrappers.Label.new_ (Some "Something happened.")) in
  vbox#append (label :> Widget.widget_t);
  let close = new Button.button (Wrappers.Button.new_with_label "Close") in
  vbox#append (close :> Widget.widget_t);
  ignore (close#on_clicked ~callback:(fun () -> window#destroy ()) ());
  watch window#as_window;
  window#present ();
  Gobject.Signal.emit_by_name close#as_button ~name:"clicked"

let () =
  let app = Application.new_ (Some "org.ocaml_gclosure.OcgtkDialogs") [ `NON_UNIQUE ] in
  let result = ref None in
  let activate () =
    (* The application lives while it has a window: this one, never shown. *)
    let holder = Window.new_ () in
    (app :> Application.application_t)#add_window holder;
    let i = ref 0 and base = ref (0, 0, 0) in
    ignore
      (Glib.Idle.add (fun () ->
           incr i;
           if !i <= n then begin
             dialog app;
             Gc.full_major ();
             flush ();
             if !i = n / 3 then begin
               collect ();
               base := (rss (), malloc_in_use (), live_closures ())
             end;
             true
           end
           else if !i <= n + 30 then (Gc.full_major (); flush (); true)
           else begin
             let r, m, c = !base in
             let d = float (n - (n / 3)) in
             let closures =
               if c < 0 then "n/a" else Printf.sprintf "%.3f" (float (live_closures () - c) /. d)
             in
             result :=
               Some
                 (Printf.sprintf "dialogs: RSS %.0f B, malloc %.0f B, closures %s per dialog; %d of %d windows finalized"
                    (float (rss () - r) /. d)
                    (float (malloc_in_use () - m) /. d)
                    closures (finalized ()) n);
             holder#destroy ();
             false
           end))
  in
  ignore (app#on_activate ~callback:activate ());
  let status = app#run 0 None in
  match !result with
  | Some line -> print_endline line; exit status
  | None -> Printf.printf "dialogs: the application ended (status %d) before the measurement\n" status; exit 1
