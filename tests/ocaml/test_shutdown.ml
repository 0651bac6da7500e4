(* The ordered shutdown: balanced stats, then every use is a clear error. *)

open Gobject

external caml_boxes : unit -> int = "ml_gclosure_test_caml_boxes"
external register_kinds : unit -> unit = "test_kinds_register"
external kinds_finalized : unit -> int = "test_kinds_finalized"

let () =
  register_kinds ();
  (* An OCaml value GLib holds: a GclosureCaml property of an object that
     lives past shutdown (the hardening issue's item 13). *)
  let holder = unsafe_create ~classe:"GclosureTestKinds" [] in
  Property.set_dyn holder "caml-prop" (Data.caml.inj (List.init 10 string_of_int));
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
  (* Objects that outlive the shutdown, dropped after it (below). *)
  let later = ref (List.init 50 (fun _ -> unsafe_create ~classe:"GclosureTestKinds" [])) in
  Gclosure.shutdown ();
  Check.case "after shutdown: live = 0, pending = 0, released = created" (fun () ->
      let s = Gclosure.stats () in
      assert (s.live = 0);
      assert (s.pending_release = 0);
      assert (s.released = Gclosure.created ());
      assert (Gclosure.created () = 50));
  Check.case "the GclosureCaml values GLib holds are released by shutdown" (fun () ->
      ignore (Sys.opaque_identity holder);
      if caml_boxes () <> 0 then failwith (Printf.sprintf "%d still rooted" (caml_boxes ())));
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
  (* The second review's item 5: the program goes on after an explicit
     shutdown, and so does its GC: the unrefs it defers are made at the
     next major cycles (the GC alarm), without an explicit flush. *)
  Check.case "objects dropped after shutdown are unreffed by the next major cycles, without flush" (fun () ->
      let before = kinds_finalized () in
      later := [];
      for _ = 1 to 3 do
        Gc.full_major ();
        ignore (Sys.opaque_identity (Array.make 1000 0))
      done;
      let n = kinds_finalized () - before in
      if n <> 50 then failwith (Printf.sprintf "%d of 50 finalized" n));
  ignore (Sys.opaque_identity !keep);
  ignore (Sys.opaque_identity holder);
  Check.finish "test_shutdown"
