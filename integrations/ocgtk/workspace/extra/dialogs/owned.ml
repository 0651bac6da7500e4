(* Objects whose handler captures them, written with ocgtk's API (issue 19):
   N adjustments, each with a "value-changed" handler that uses the
   adjustment it captured, emitted once, then dropped; then full major GCs
   and flushes. Counts the adjustments GLib finalized (a weak ref on each).
   Stock keeps every one (the handler's global root holds the adjustment);
   on ours the glue makes each closure owned by its object
   (ocgc_closure_own), so they go. Prints one line:
     owned: F of N self-capturing adjustments finalized
   OWNED=N sets N (default 200). *)

external watch : 'a Gobject.obj -> unit = "dialogs_watch"
external finalized : unit -> int = "dialogs_finalized"
external flush : unit -> unit = "dialogs_flush"

module Adjustment = Ocgtk_gtk.Gtk.Wrappers.Adjustment

let () =
  let n = match Sys.getenv_opt "OWNED" with Some s -> int_of_string s | None -> 200 in
  let changed = ref 0 in
  for _ = 1 to n do
    let a = Adjustment.new_ 0. 0. 1. 0.1 0.1 0. in
    watch a;
    let on_changed _ = incr changed; ignore (Sys.opaque_identity a) in
    ignore (Gobject.Signal.connect a ~name:"value-changed" ~callback:(Gobject.Closure.create on_changed) ~after:false);
    Adjustment.set_value a 0.5
  done;
  if !changed <> n then failwith (Printf.sprintf "%d of %d handlers ran" !changed n);
  for _ = 1 to 6 do
    Gc.full_major ();
    flush ()
  done;
  Printf.printf "owned: %d of %d self-capturing adjustments finalized\n" (finalized ()) n
