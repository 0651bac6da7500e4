(* The ordered shutdown: balanced stats, then every use is a clear error. *)

open Gobject

let () =
  let o = unsafe_create ~classe:"GCancellable" [] in
  let calls = ref 0 in
  let keep = ref [] in
  for i = 1 to 50 do
    let callback = Closure.create (fun _ -> incr calls) in
    let id = Signal.connect_by_name o ~name:"cancelled" ~callback ~after:false in
    if i mod 2 = 0 then Signal.disconnect o id;
    if i mod 5 = 0 then keep := callback :: !keep
  done;
  ignore (Signal.emit_by_name o ~name:"cancelled" ~params:[]);
  Check.case "25 connected closures ran" (fun () -> assert (!calls = 25));
  Gclosure.shutdown ();
  Check.case "after shutdown: live = 0, pending = 0, released = created" (fun () ->
      let s = Gclosure.stats () in
      assert (s.live = 0);
      assert (s.pending_release = 0);
      assert (s.released = Gclosure.created ());
      assert (Gclosure.created () = 50));
  Check.case "shutdown is idempotent" (fun () -> Gclosure.shutdown (); assert (Gclosure.is_closed ()));
  Check.case "creating a closure raises Closed" (fun () ->
      match Closure.create ignore with
      | _ -> failwith "no exception"
      | exception Gclosure.Closed -> ());
  Check.case "emitting after shutdown raises Closed (use after shutdown)" (fun () ->
      match Signal.emit_by_name o ~name:"cancelled" ~params:[] with
      | _ -> failwith "no exception"
      | exception Gclosure.Closed -> ());
  Check.case "Closed prints a message naming the problem" (fun () ->
      assert (Check.contains (Printexc.to_string Gclosure.Closed) "shut down"));
  ignore (Sys.opaque_identity !keep);
  Check.finish "test_shutdown"
