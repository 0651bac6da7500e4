(* OCaml signal handlers that raise, while the library gives the domain
   lock up (design.md invariant 5; the hardening issue's item 4). A
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
  let on_main = on_main || (try Gc.full_major (); ignore (Sys.opaque_identity (Array.make 100 0)); false with Term -> true) in
  Check.case "SIGTERM with a raising handler during foreign-thread emissions: the process goes on" (fun () ->
      let n = Atomic.get calls in
      if n < (threads * per) - 1 then failwith (Printf.sprintf "%d callbacks of %d" n (threads * per)));
  Check.case "its exception reached the exception handler (or OCaml code), once" (fun () ->
      let s = Atomic.get seen + if on_main then 1 else 0 in
      if s <> 1 || Atomic.get other <> 0 then
        failwith (Printf.sprintf "seen %d in callbacks, on main %b, other exceptions %d" (Atomic.get seen) on_main (Atomic.get other)));
  Check.finish "test_signals"
