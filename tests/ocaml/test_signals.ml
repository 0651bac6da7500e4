(* OCaml signal handlers that raise, while the library gives the domain
   lock up (the design's invariant 5: callbacks only with the domain lock;
   the hardening issue's item 4). A
   SIGTERM handler that raises arrives while foreign threads emit: its
   exception must surface inside a callback (and reach the exception
   handler), never from inside the library's lock release, where it would
   unwind through Rust and GLib frames. *)

external emit_from_threads : 'a Gobject.obj -> string -> int -> int -> unit
  = "test_emit_from_threads"

external raise_quietly : int -> unit = "test_raise_quietly"

exception Term

let () =
  let seen = Atomic.make 0 and other = Atomic.make 0 in
  Gclosure.set_exception_handler (function Term -> Atomic.incr seen | _ -> Atomic.incr other);
  Sys.set_signal Sys.sigterm (Sys.Signal_handle (fun _ -> raise Term));
  let o = Gobject.unsafe_create ~classe:"GCancellable" [] in
  let calls = Atomic.make 0 and sent = Atomic.make false in
  let callback =
    Gobject.Closure.create (fun _ ->
        ignore (Sys.opaque_identity (Array.make 10 0));
        Atomic.incr calls;
        (* Last: the signal is pending when the callback returns. *)
        if not (Atomic.exchange sent true) then raise_quietly Sys.sigterm)
  in
  ignore (Gobject.Signal.connect_by_name o ~name:"cancelled" ~callback ~after:false);
  let threads = 4 and per = 2000 in
  (* The handler may also run on this thread, in OCaml code, once the
     emitters are joined: that is fine too (it is OCaml code). *)
  let on_main = try emit_from_threads o "cancelled" threads per; false with Term -> true in
  (* Where the handler runs is the runtime's choice: OCaml 4.14 runs a
     pending signal's handler at the next poll point of whichever thread
     runs OCaml code, which may be this one, well after the emitters are
     joined; a poll point can be any allocation, function entry or loop
     back-edge of this thread's code (an uncaught Term in 3.5% of runs
     here, when the rest of this test was outside a handler). So this
     thread polls, all of it inside one handler, until the signal's
     handler has run somewhere, for up to 10 s. *)
  let poll_until_handled () =
    let deadline = Unix.gettimeofday () +. 10. in
    let rec poll () =
      if Atomic.get seen = 0 && Unix.gettimeofday () < deadline then begin
        Gc.full_major ();
        ignore (Sys.opaque_identity (List.init 1000 (fun i -> ref i)));
        Unix.sleepf 0.001;
        poll ()
      end
    in
    poll ()
  in
  let on_main = on_main || (try poll_until_handled (); false with Term -> true) in
  Check.case "SIGTERM with a raising handler during foreign-thread emissions: the process goes on" (fun () ->
      let n = Atomic.get calls in
      if n < (threads * per) - 1 then failwith (Printf.sprintf "%d callbacks of %d" n (threads * per)));
  Check.case "its exception reached the exception handler (or OCaml code), once" (fun () ->
      let s = Atomic.get seen + if on_main then 1 else 0 in
      if s <> 1 || Atomic.get other <> 0 then
        failwith (Printf.sprintf "seen %d in callbacks, on main %b, other exceptions %d" (Atomic.get seen) on_main (Atomic.get other)));
  Check.finish "test_signals"
