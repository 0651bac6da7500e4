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

(* How many closures the emitter case made (it goes on until they overlap). *)
let made_beside_emitter = ref 0

let expected iterations = (window * iterations) - (window * (window - 1) / 2)

let () =
  let iterations = try int_of_string Sys.argv.(1) with _ -> 100_000 in
  Check.case (Printf.sprintf "2 domains x %d iterations" iterations) (fun () ->
      let d = Domain.spawn (fun () -> work iterations) in
      let mine = work iterations in
      let theirs = Domain.join d in
      if mine <> expected iterations || theirs <> expected iterations then
        failwith (Printf.sprintf "callbacks: %d and %d, expected %d each" mine theirs (expected iterations)));
  (* connect_by_name borrows its object, closure and name (src/handles.rs,
     Borrowed): here nothing else keeps them, and the other domain collects
     and flushes all the time, releasing every dead handle's reference at
     its safe points. *)
  Check.case "connect to objects and closures nobody keeps, beside a collecting domain" (fun () ->
      let stop = Atomic.make false in
      let collector =
        Domain.spawn (fun () ->
            let n = ref 0 in
            while not (Atomic.get stop) do
              ignore (Sys.opaque_identity (Array.make 100 0));
              if !n land 63 = 0 then (Gc.minor (); Gclosure.flush ());
              if !n land 4095 = 0 then Gc.full_major ();
              incr n
            done)
      in
      (* What the library must have done: each handler connected and
         called by its emission (the closure borrowed by connect, kept by
         GLib alone), each closure counted once. *)
      let calls = ref 0 and emitted = ref 0 in
      let created0 = Gclosure.created () in
      for i = 1 to iterations / 10 do
        let o = unsafe_create ~classe:"GCancellable" [] in
        let _ : Signal.id =
          Signal.connect_by_name o
            ~name:(if i land 1 = 0 then "cancelled" else "notify")
            ~callback:(Closure.create (fun _ -> incr calls))
            ~after:false
        in
        if i land 1 = 0 then begin
          Gc.minor ();
          incr emitted;
          ignore (Signal.emit_by_name o ~name:"cancelled" ~params:[])
        end;
        if i land 255 = 0 then Gclosure.flush ()
      done;
      Atomic.set stop true;
      Domain.join collector;
      let made = Gclosure.created () - created0 in
      if !calls <> !emitted || made <> iterations / 10 then
        failwith (Printf.sprintf "%d calls for %d emissions, %d closures made of %d" !calls !emitted made (iterations / 10)));
  (* Connect, disconnect and drop closures on one domain while another
     emits on the same object all the time: the marshaller reads without
     the registry's lock, drains retire what they take out, and a closure
     the object comes to own has its root replaced (the old one retired:
     src/core/grace.rs). *)
  Check.case "connect, disconnect and drop closures while another domain emits" (fun () ->
      let o = unsafe_create ~classe:"GCancellable" [] in
      let stop = Atomic.make false in
      let emitter =
        Domain.spawn (fun () ->
            let n = ref 0 in
            while not (Atomic.get stop) do
              ignore (Signal.emit_by_name o ~name:"cancelled" ~params:[]);
              ignore (Sys.opaque_identity (Array.make 50 0));
              incr n
            done;
            !n)
      in
      let calls = Atomic.make 0 in
      let connected = Queue.create () in
      (* At least iterations / 20 closures, and on until the other domain
         has called 1,000 of them (it may start late on a busy machine). *)
      let i = ref 0 in
      while (!i < iterations / 20 || Atomic.get calls < 1000) && !i < 100 * iterations do
        incr i;
        let callback = Closure.create (fun _ -> Atomic.incr calls) in
        Queue.push (Signal.connect_by_name o ~name:"cancelled" ~callback ~after:false) connected;
        if Queue.length connected > 4 then Signal.disconnect o (Queue.pop connected);
        if !i land 63 = 0 then Gc.minor ();
        if !i land 255 = 0 then Gclosure.flush ()
      done;
      made_beside_emitter := !i;
      Queue.iter (Signal.disconnect o) connected;
      Atomic.set stop true;
      let emissions = Domain.join emitter in
      Gclosure.flush ();
      if Atomic.get calls < 1000 then
        failwith (Printf.sprintf "%d emissions, %d calls: the domains did not overlap" emissions (Atomic.get calls)));
  (* With a second domain running, a released root waits for two minor
     collections (src/core/grace.rs), not for the 1,024 that would make
     the releasing domain wait for readers, nor for the end: after each
     cycle of closures made, connected, called and dropped, three minor
     collections and a safe point leave no closure live or pending. *)
  Check.case "with a second domain running, every released closure goes after two minor GCs" (fun () ->
      let stop = Atomic.make false in
      let other =
        Domain.spawn (fun () ->
            while not (Atomic.get stop) do
              ignore (Sys.opaque_identity (List.init 20 Fun.id))
            done)
      in
      let o = unsafe_create ~classe:"GCancellable" [] in
      let before = Gclosure.stats () in
      let worst = ref 0 in
      for _ = 1 to 10 do
        let ids =
          List.init 200 (fun _ ->
              Signal.connect_by_name o ~name:"cancelled" ~callback:(Closure.create (fun _ -> ())) ~after:false)
        in
        ignore (Signal.emit_by_name o ~name:"cancelled" ~params:[]);
        List.iter (Signal.disconnect o) ids;
        Gc.full_major ();
        Gclosure.flush ();
        Gc.minor ();
        Gc.minor ();
        Gc.minor ();
        Gclosure.flush ();
        let s = Gclosure.stats () in
        worst := max !worst (s.live - before.live + s.pending_release - before.pending_release)
      done;
      Atomic.set stop true;
      Domain.join other;
      if !worst <> 0 then
        failwith (Printf.sprintf "%d closures live or pending after a cycle (10 cycles of 200)" !worst));
  Gclosure.shutdown ();
  Check.case "stats balanced after shutdown" (fun () ->
      let s = Gclosure.stats () in
      assert (s.live = 0 && s.pending_release = 0);
      assert (s.released = Gclosure.created ());
      assert (Gclosure.created () = (2 * iterations) + (iterations / 10) + !made_beside_emitter + 2_000));
  Check.finish "test_domains"
