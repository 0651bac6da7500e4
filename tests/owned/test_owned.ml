(* Owned closures (src/ocaml/owners.rs, design invariant 11): a handler that
   captures its own object is collected with it, without shutdown, while
   an object held by anything else (a parent widget, C code) keeps its
   handlers. Each leak case measures growth per round after a baseline
   taken after the first third of the rounds (Gc.full_major and
   Gclosure.flush, three times), as in shared/research's method: bytes in
   use by malloc, RSS, and live closures. *)

external watch : 'a Gobject.obj -> unit = "test_watch"
external finalized : unit -> int = "test_finalized"
external keep : int -> 'a Gobject.obj -> unit = "test_keep"
external kept_ref : int -> unit = "test_kept_ref"
external kept_unref : int -> unit = "test_kept_unref"
external kept_emit : int -> string -> unit = "test_kept_emit"
let malloc_in_use = Memstat.malloc_in_use
let rss = Memstat.rss
let settle = Memstat.settle

let live () = (Gclosure.stats ()).Gclosure.live

(* [growth ~rounds round]: per-round growth after the first third. *)
let growth ~rounds round =
  let third = rounds / 3 in
  for i = 1 to third do round i done;
  settle ();
  let m0 = malloc_in_use () and r0 = rss () and l0 = live () in
  for i = third + 1 to rounds do round i done;
  settle ();
  let n = float_of_int (rounds - third) in
  ( float_of_int (malloc_in_use () - m0) /. n,
    float_of_int (rss () - r0) /. n,
    float_of_int (live () - l0) /. n )

(* Closures: the total left over the measured rounds (a few may be in
   flight at the end; a leak leaves one or more per round). *)
let check_growth name ~bytes ~rounds (m, r, l) =
  let left = l *. float_of_int (rounds - (rounds / 3)) in
  Printf.printf "  %s: %.0f B malloc, %.0f B RSS per round, %.0f closures left over %d rounds\n%!"
    name m r left (rounds - (rounds / 3));
  if m > float_of_int bytes || left > 2. then
    failwith (Printf.sprintf "%.0f B in use per round and %.0f closures left (limits %d B, 2 closures)" m left bytes)

let cancellable () : [ `cancellable ] Gobject.obj = Gobject.unsafe_create ~classe:"GCancellable" []

let connect o name f =
  ignore
    (Gobject.Signal.connect_by_name o ~name ~callback:(Gobject.Closure.create f) ~after:false)

let () =
  Gtk4.init ();
  Check.case "a GCancellable whose handler captures it is finalized, without shutdown" (fun () ->
      settle ();
      let f0 = finalized () and l0 = live () in
      let ran = ref 0 in
      for _ = 1 to 200 do
        let c = cancellable () in
        watch c;
        connect c "cancelled" (fun _ -> incr ran; ignore (Sys.opaque_identity c));
        ignore (Gobject.Signal.emit_by_name c ~name:"cancelled" ~params:[])
      done;
      settle ();
      if !ran <> 200 then failwith (Printf.sprintf "%d handlers ran of 200" !ran);
      let f = finalized () - f0 in
      if f <> 200 || live () <> l0 then
        failwith (Printf.sprintf "%d of 200 finalized, %d closures left" f (live () - l0)));
  Check.case "self-capturing GCancellable and GtkAdjustment handlers: under 256 B per round" (fun () ->
      (* A GC every 500 rounds: the figure is what stays, not how many
         dead objects GTK had at once (shared/research's "peak" effect). *)
      let round i =
        if i mod 500 = 0 then settle ();
        let c = cancellable () in
        connect c "cancelled" (fun _ -> ignore (Sys.opaque_identity c));
        let a : [ `adjustment ] Gobject.obj = Gobject.unsafe_create ~classe:"GtkAdjustment" [] in
        connect a "value-changed" (fun _ -> ignore (Gobject.Property.get_dyn a "value"));
        Gobject.Property.set_dyn a "upper" (`DOUBLE 10.);
        Gobject.Property.set_dyn a "value" (`DOUBLE 1.)
      in
      let rounds = try int_of_string (Sys.getenv "OWNED_ROUNDS") with Not_found -> 30000 in
      check_growth "self-capturing" ~bytes:256 ~rounds (growth ~rounds round));
  Check.case "a button dropped in a box keeps its handler (emitted from C after GCs)" (fun () ->
      let box = Gtk4.Box.create () in
      let ran = ref 0 in
      (let b = Gtk4.Button.create ~label:"in a box" () in
       keep 0 b;
       ignore (Gtk4.Button.on_clicked b (fun b' -> incr ran; ignore (Sys.opaque_identity (b, b'))));
       Gtk4.Box.append box b);
      settle ();
      kept_emit 0 "clicked";
      settle ();
      kept_emit 0 "clicked";
      if !ran <> 2 then failwith (Printf.sprintf "the handler ran %d times of 2" !ran);
      ignore (Sys.opaque_identity box));
  Check.case "an object held only by C keeps its handler, and goes when C lets go" (fun () ->
      let f0 = finalized () in
      let ran = ref 0 in
      (let c = cancellable () in
       watch c;
       keep 1 c;
       kept_ref 1;
       connect c "cancelled" (fun _ -> incr ran; ignore (Sys.opaque_identity c)));
      settle ();
      kept_emit 1 "cancelled";
      if !ran <> 1 then failwith (Printf.sprintf "the handler ran %d times of 1" !ran);
      kept_unref 1;
      settle ();
      if finalized () - f0 <> 1 then failwith "not finalized after C's unref");
  Check.case "a g_closure the program keeps outlives its first object and runs on the next" (fun () ->
      let ran = ref 0 in
      let callback = Gobject.Closure.create (fun _ -> incr ran) in
      (let c1 = cancellable () in
       ignore (Gobject.Signal.connect_by_name c1 ~name:"cancelled" ~callback ~after:false));
      settle ();
      let c2 = cancellable () in
      ignore (Gobject.Signal.connect_by_name c2 ~name:"cancelled" ~callback ~after:false);
      settle ();
      ignore (Gobject.Signal.emit_by_name c2 ~name:"cancelled" ~params:[]);
      if !ran <> 1 then failwith (Printf.sprintf "ran %d times of 1" !ran));
  Check.case "a closure connected to two objects lives while either does" (fun () ->
      let ran = ref 0 in
      let c2 = cancellable () in
      (let c1 = cancellable () in
       let callback = Gobject.Closure.create (fun _ -> incr ran; ignore (Sys.opaque_identity c1)) in
       ignore (Gobject.Signal.connect_by_name c1 ~name:"cancelled" ~callback ~after:false);
       ignore (Gobject.Signal.connect_by_name c2 ~name:"cancelled" ~callback ~after:false));
      settle ();
      ignore (Gobject.Signal.emit_by_name c2 ~name:"cancelled" ~params:[]);
      if !ran <> 1 then failwith (Printf.sprintf "ran %d times of 1" !ran));
  Check.case "a dropped label's destroy handler still runs (disposed, not forgotten)" (fun () ->
      let ran = ref 0 in
      for _ = 1 to 50 do
        let l = Gtk4.Label.create ~text:"x" () in
        connect l "destroy" (fun _ -> incr ran; ignore (Sys.opaque_identity l))
      done;
      settle ();
      if !ran <> 50 then failwith (Printf.sprintf "destroy ran %d times of 50" !ran));
  Check.finish "test_owned"
