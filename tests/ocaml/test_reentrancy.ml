(* Callbacks that re-enter the library: disconnect themselves, emit another
   signal, run a full major GC, raise, and finally shut the library down. *)

open Gobject

let obj () = unsafe_create ~classe:"GCancellable" []
let emit o = ignore (Signal.emit_by_name o ~name:"cancelled" ~params:[])

let () =
  Check.case "a callback that disconnects itself runs once" (fun () ->
      let o = obj () in
      let n = ref 0 and id = ref None in
      let callback =
        Closure.create (fun _ ->
            incr n;
            Signal.disconnect o (Option.get !id))
      in
      id := Some (Signal.connect_by_name o ~name:"cancelled" ~callback ~after:false);
      emit o;
      emit o;
      assert (!n = 1));
  Check.case "a callback that emits another signal (nested invocations)" (fun () ->
      let a = obj () and b = obj () in
      let inner = ref 0 and outer_nargs = ref 0 in
      ignore
        (Signal.connect_by_name b ~name:"cancelled" ~after:false
           ~callback:(Closure.create (fun _ -> incr inner)));
      ignore
        (Signal.connect_by_name a ~name:"cancelled" ~after:false
           ~callback:
             (Closure.create (fun argv ->
                  emit b;
                  emit b;
                  (* the outer argv is still valid after nested invocations *)
                  outer_nargs := Closure.nargs argv)));
      emit a;
      assert (!inner = 2 && !outer_nargs = 1));
  Check.case "a callback that runs Gc.full_major, with closures dropped meanwhile" (fun () ->
      let o = obj () in
      let n = ref 0 in
      let callback =
        Closure.create (fun _ ->
            for _ = 1 to 50 do
              let c = Closure.create ignore in
              Signal.disconnect o (Signal.connect_by_name o ~name:"cancelled" ~callback:c ~after:true)
            done;
            Gc.full_major ();
            incr n)
      in
      ignore (Signal.connect_by_name o ~name:"cancelled" ~callback ~after:false);
      for _ = 1 to 20 do emit o done;
      assert (!n = 20));
  Check.case "a callback that raises: handler called, later handlers still run" (fun () ->
      let o = obj () in
      let caught = ref 0 and later = ref 0 in
      Gclosure.set_exception_handler (function Exit -> incr caught | e -> raise e);
      ignore (Signal.connect_by_name o ~name:"cancelled" ~after:false ~callback:(Closure.create (fun _ -> raise Exit)));
      ignore (Signal.connect_by_name o ~name:"cancelled" ~after:true ~callback:(Closure.create (fun _ -> incr later)));
      emit o;
      emit o;
      assert (!caught = 2 && !later = 2));
  Check.case "a handler that raises itself is contained" (fun () ->
      let o = obj () in
      Gclosure.set_exception_handler (fun _ -> failwith "handler fails too");
      ignore (Signal.connect_by_name o ~name:"cancelled" ~after:false ~callback:(Closure.create (fun _ -> raise Exit)));
      emit o);
  Check.case "a callback that calls Gclosure.shutdown: the emission ends quietly" (fun () ->
      let o = obj () in
      let first = ref 0 and second = ref 0 in
      ignore
        (Signal.connect_by_name o ~name:"cancelled" ~after:false
           ~callback:(Closure.create (fun _ -> incr first; Gclosure.shutdown ())));
      ignore (Signal.connect_by_name o ~name:"cancelled" ~after:true ~callback:(Closure.create (fun _ -> incr second)));
      emit o;
      assert (!first = 1);
      assert (!second = 0) (* invalidated by the shutdown before its turn *);
      let s = Gclosure.stats () in
      assert (s.live = 0 && s.pending_release = 0 && s.released = Gclosure.created ()));
  Check.finish "test_reentrancy"
