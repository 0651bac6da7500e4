(* (c) OCaml code run inside a GC finalizer, on ocgtk's public API.

   A GtkLabel made by ocgtk is owned by its OCaml handle alone (ocgtk sinks
   the floating reference). When the GC finds the handle dead, ocgtk's
   custom-block finalizer (finalize_gobject in common/wrappers.c) calls
   g_object_unref: the widget is disposed right there, GTK emits "destroy",
   and ocgtk's marshaller runs the OCaml handler inside the garbage
   collector. Then the handler's closure is released and, if its own
   handle is already gone, ml_closure_invalidate removes a global root from
   inside the finalizer too.

   modes:
     labels N     N labels, each with a "destroy" handler that allocates a
                  little (a string) and counts; handles dropped at once.
     kept N K     the same, the last K labels kept in a ring (so they die
                  in the major heap, finalized by its sweep).
   Nothing but the GC ever releases a label here, so every "destroy"
   handler that runs, runs inside a GC finalizer. Prints
   "done: D destroy handlers ran for N labels". *)

module Label = Ocgtk_gtk.Gtk.Wrappers.Label

let () =
  let mode = if Array.length Sys.argv > 1 then Sys.argv.(1) else "labels" in
  let n = if Array.length Sys.argv > 2 then int_of_string Sys.argv.(2) else 50_000 in
  let k = if Array.length Sys.argv > 3 then int_of_string Sys.argv.(3) else 1024 in
  ignore (Ocgtk_gtk.GMain.init ());
  let destroyed = ref 0 in
  let last = ref "" in
  let ring = Array.make k None in
  let t0 = Unix.gettimeofday () in
  for i = 1 to n do
    let l = Label.new_ (Some "x") in
    let cb =
      Gobject.Closure.create (fun _argv ->
          incr destroyed;
          last := Printf.sprintf "label %d destroyed" i)
    in
    ignore (Gobject.Signal.connect l ~name:"destroy" ~callback:cb ~after:false);
    ignore (Sys.opaque_identity (Array.make 8 i));
    if mode = "kept" then ring.(i mod k) <- Some l;
    if n >= 10 && i mod (n / 10) = 0 then
      Printf.printf "%d/%d labels after %.1f s, %d destroy handlers ran\n%!" i n
        (Unix.gettimeofday () -. t0) !destroyed
  done;
  Array.fill ring 0 k None;
  Gc.full_major ();
  Printf.printf "done: %d destroy handlers ran for %d labels; last: %s\n%!" !destroyed n !last
