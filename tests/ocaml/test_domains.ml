(* OCaml 5: two domains creating, emitting and dropping closures at once. *)

open Gobject

(* Each domain keeps its 8 most recent closures connected and disconnects
   the older ones, so emission i runs min(i, 8) callbacks. *)
let window = 8

let work iterations =
  let o = unsafe_create ~classe:"GCancellable" [] in
  let calls = ref 0 in
  let connected = Queue.create () in
  for _ = 1 to iterations do
    let callback = Closure.create (fun _ -> incr calls) in
    Queue.push (Signal.connect_by_name o ~name:"cancelled" ~callback ~after:false) connected;
    if Queue.length connected > window then Signal.disconnect o (Queue.pop connected);
    ignore (Signal.emit_by_name o ~name:"cancelled" ~params:[])
  done;
  Queue.iter (Signal.disconnect o) connected;
  !calls

let expected iterations = (window * iterations) - (window * (window - 1) / 2)

let () =
  let iterations = try int_of_string Sys.argv.(1) with _ -> 100_000 in
  Check.case (Printf.sprintf "2 domains x %d iterations" iterations) (fun () ->
      let d = Domain.spawn (fun () -> work iterations) in
      let mine = work iterations in
      let theirs = Domain.join d in
      if mine <> expected iterations || theirs <> expected iterations then
        failwith (Printf.sprintf "callbacks: %d and %d, expected %d each" mine theirs (expected iterations)));
  Gclosure.shutdown ();
  Check.case "stats balanced after shutdown" (fun () ->
      let s = Gclosure.stats () in
      assert (s.live = 0 && s.pending_release = 0);
      assert (s.released = Gclosure.created ());
      assert (Gclosure.created () = 2 * iterations));
  Check.finish "test_domains"
