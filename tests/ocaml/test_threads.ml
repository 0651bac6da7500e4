(* Callbacks arriving on threads the OCaml runtime never saw (the design's
   invariant 5: callbacks never run without the domain lock; README,
   "Threads"): plain pthreads and GLib's own worker threads (GTasks run
   with g_task_run_in_thread). Each callback runs with the domain lock,
   exactly once. *)

external emit_from_threads : 'a Gobject.obj -> string -> int -> int -> unit
  = "test_emit_from_threads"

external emit_in_tasks : 'a Gobject.obj -> string -> int -> int -> unit
  = "test_emit_in_tasks"

let () =
  let threads = 4 and per_thread = try int_of_string Sys.argv.(1) with _ -> 10_000 in
  let o = Gobject.unsafe_create ~classe:"GCancellable" [] in
  let calls = Atomic.make 0 in
  let callback =
    Gobject.Closure.create (fun argv ->
        assert (Gobject.Closure.nargs argv = 1);
        ignore (Sys.opaque_identity (Array.make 10 0)) (* allocate: needs the lock *);
        Atomic.incr calls)
  in
  ignore (Gobject.Signal.connect_by_name o ~name:"cancelled" ~callback ~after:false);
  Check.case
    (Printf.sprintf "%d foreign threads x %d emissions: every callback runs exactly once" threads per_thread)
    (fun () ->
      emit_from_threads o "cancelled" threads per_thread;
      if Atomic.get calls <> threads * per_thread then
        failwith (Printf.sprintf "%d callbacks for %d emissions" (Atomic.get calls) (threads * per_thread)));
  Check.case "with GC pressure in between" (fun () ->
      Atomic.set calls 0;
      let gc_cb = Gobject.Closure.create (fun _ -> if Random.int 500 = 0 then Gc.minor ()) in
      ignore (Gobject.Signal.connect_by_name o ~name:"cancelled" ~callback:gc_cb ~after:true);
      emit_from_threads o "cancelled" threads (per_thread / 10);
      assert (Atomic.get calls = threads * (per_thread / 10)));
  Check.case
    (Printf.sprintf "4 GTasks on GLib's worker threads x %d emissions: every callback runs once" (per_thread / 10))
    (fun () ->
      Atomic.set calls 0;
      emit_in_tasks o "cancelled" 4 (per_thread / 10);
      if Atomic.get calls <> 4 * (per_thread / 10) then
        failwith (Printf.sprintf "%d callbacks for %d emissions" (Atomic.get calls) (4 * (per_thread / 10))));
  Gclosure.shutdown ();
  Check.case "stats balanced after shutdown" (fun () ->
      let s = Gclosure.stats () in
      assert (s.live = 0 && s.pending_release = 0 && s.released = Gclosure.created ()));
  Check.finish "test_threads"
