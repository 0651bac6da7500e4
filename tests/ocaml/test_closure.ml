(* Closures on real GObject signals: invoke, disconnect, release, errors. *)

open Gobject

let cancellable () = unsafe_create ~classe:"GCancellable" []

let () =
  Check.case "a closure runs once per emission, with the instance as argument 0" (fun () ->
      let o = cancellable () in
      let calls = ref 0 and nargs = ref (-1) and inst_ok = ref false in
      let callback =
        Closure.create (fun argv ->
            incr calls;
            nargs := Closure.nargs argv;
            inst_ok := (match Closure.get argv ~pos:0 with `OBJECT (Some _) -> true | _ -> false))
      in
      let _id = Signal.connect_by_name o ~name:"cancelled" ~callback ~after:false in
      for _ = 1 to 3 do ignore (Signal.emit_by_name o ~name:"cancelled" ~params:[]) done;
      assert (!calls = 3);
      assert (!nargs = 1);
      assert !inst_ok);
  Check.case "after disconnect the callback no longer runs and its root is released" (fun () ->
      Gclosure.flush ();
      let before = Gclosure.stats () in
      let o = cancellable () in
      let calls = ref 0 in
      let callback = Closure.create (fun _ -> incr calls) in
      let id = Signal.connect_by_name o ~name:"cancelled" ~callback ~after:false in
      ignore (Signal.emit_by_name o ~name:"cancelled" ~params:[]);
      Signal.disconnect o id;
      ignore (Signal.emit_by_name o ~name:"cancelled" ~params:[]);
      assert (!calls = 1);
      ignore (Sys.opaque_identity callback);
      (* the handle is still reachable: the closure is still live *)
      assert ((Gclosure.stats ()).live = before.live + 1);
      ignore (Sys.opaque_identity callback));
  Check.case "dropped handles are released at the next safe point" (fun () ->
      let o = cancellable () in
      for _ = 1 to 100 do
        let callback = Closure.create (fun _ -> ()) in
        let id = Signal.connect_by_name o ~name:"cancelled" ~callback ~after:false in
        Signal.disconnect o id
      done;
      Gc.full_major ();
      Gclosure.flush ();
      let s = Gclosure.stats () in
      assert (s.live = 0 || s.live <= 2);
      assert (s.pending_release = 0);
      assert (s.released + s.live = Gclosure.created ()));
  Check.case "an exception in a callback goes to the handler, the emission goes on" (fun () ->
      let seen = ref [] in
      Gclosure.set_exception_handler (fun e -> seen := Printexc.to_string e :: !seen);
      let o = cancellable () in
      let after = ref false in
      let cb1 = Closure.create (fun _ -> failwith "boom") in
      let cb2 = Closure.create (fun _ -> after := true) in
      ignore (Signal.connect_by_name o ~name:"cancelled" ~callback:cb1 ~after:false);
      ignore (Signal.connect_by_name o ~name:"cancelled" ~callback:cb2 ~after:true);
      ignore (Signal.emit_by_name o ~name:"cancelled" ~params:[]);
      assert (!seen = [ "Failure(\"boom\")" ]);
      assert !after);
  Check.case "unknown signal names the signal and the class" (fun () ->
      Check.expect_invalid_arg ~mentions:[ "connect_by_name"; "no-such-signal"; "GCancellable" ]
        (fun () ->
          Signal.connect_by_name (cancellable ()) ~name:"no-such-signal"
            ~callback:(Closure.create ignore) ~after:false));
  Check.case "wrong number of parameters in emit_by_name" (fun () ->
      Check.expect_invalid_arg ~mentions:[ "emit_by_name"; "cancelled"; "0 parameter" ]
        (fun () -> Signal.emit_by_name (cancellable ()) ~name:"cancelled" ~params:[ `INT 1 ]));
  Check.case "unknown class and unknown property in unsafe_create" (fun () ->
      Check.expect_invalid_arg ~mentions:[ "NoSuchClass" ] (fun () -> unsafe_create ~classe:"NoSuchClass" []);
      Check.expect_invalid_arg ~mentions:[ "GSimpleAction"; "colour" ]
        (fun () -> unsafe_create ~classe:"GSimpleAction" [ ("colour", `INT 1) ]));
  Check.case "wrong value type for a property" (fun () ->
      Check.expect_invalid_arg ~mentions:[ "name"; "`INT"; "gchararray" ]
        (fun () -> unsafe_create ~classe:"GSimpleAction" [ ("name", `INT 1) ]));
  Check.case "disconnecting a handler twice" (fun () ->
      let o = cancellable () in
      let id = Signal.connect_by_name o ~name:"cancelled" ~callback:(Closure.create ignore) ~after:false in
      Signal.disconnect o id;
      Check.expect_invalid_arg ~mentions:[ "disconnect"; "not connected"; "GCancellable" ]
        (fun () -> Signal.disconnect o id));
  Check.case "argv used after its callback returned" (fun () ->
      let kept = ref None in
      let o = cancellable () in
      let callback = Closure.create (fun argv -> kept := Some argv) in
      ignore (Signal.connect_by_name o ~name:"cancelled" ~callback ~after:false);
      ignore (Signal.emit_by_name o ~name:"cancelled" ~params:[]);
      let argv = Option.get !kept in
      Check.expect_invalid_arg ~mentions:[ "after its callback returned" ] (fun () -> Closure.nargs argv));
  Check.case "nth out of range" (fun () ->
      let o = cancellable () in
      let got = ref "" in
      let callback =
        Closure.create (fun argv ->
            try ignore (Closure.nth argv ~pos:5) with Invalid_argument m -> got := m)
      in
      ignore (Signal.connect_by_name o ~name:"cancelled" ~callback ~after:false);
      ignore (Signal.emit_by_name o ~name:"cancelled" ~params:[]);
      assert (Check.contains !got "out of range"));
  Check.case "a handler that collects and raises: the original exception is printed intact" (fun () ->
      (* The library prints the callback's exception when the handler
         raises too: it must be rooted across the handler, whose GCs move
         a young exception (the hardening issue's item 10). *)
      let file = Filename.temp_file "gclosure" ".err" in
      let fd = Unix.openfile file [ Unix.O_WRONLY; Unix.O_TRUNC ] 0o600 in
      let saved = Unix.dup Unix.stderr in
      Unix.dup2 fd Unix.stderr;
      Gclosure.set_exception_handler (fun _ ->
          ignore (Sys.opaque_identity (Array.make 100_000 0));
          Gc.compact ();
          failwith "the handler fails too");
      let o = Gobject.unsafe_create ~classe:"GCancellable" [] in
      let callback =
        Gobject.Closure.create (fun _ -> failwith (String.make (1 + Random.int 3) 'x' ^ "-marker-of-the-original"))
      in
      ignore (Gobject.Signal.connect_by_name o ~name:"cancelled" ~callback ~after:false);
      ignore (Gobject.Signal.emit_by_name o ~name:"cancelled" ~params:[]);
      Unix.dup2 saved Unix.stderr;
      Unix.close fd;
      Gclosure.set_exception_handler (fun _ -> ());
      let ic = open_in file in
      let err = really_input_string ic (in_channel_length ic) in
      close_in ic;
      Sys.remove file;
      if not (Check.contains err "-marker-of-the-original") then failwith ("stderr was: " ^ String.escaped err));
  Check.finish "test_closure"
