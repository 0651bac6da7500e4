(* The core of the OCaml side: the exceptions the Rust side raises, the
   exception handler, the GC alarm (a safe point per major cycle) and the
   at-exit shutdown. Linked with -linkall by every program that links the
   library, through gclosure.core (C bindings) or gclosure. *)

exception Closed

type stats = {
  live : int;
  pending_release : int;
  released : int;
  invalidated : int;
}

external stats : unit -> stats = "ml_gclosure_stats"
external created : unit -> int = "ml_gclosure_created"
external flush : unit -> unit = "ml_gclosure_flush"
external shutdown_ext : unit -> unit = "ml_gclosure_shutdown"
external at_exit_ext : unit -> unit = "ml_gclosure_at_exit"
external life_ext : unit -> int = "ml_gclosure_life"
external glib_version : unit -> string = "ml_gclosure_glib_version"
external init : unit -> unit = "ml_gclosure_init"

type life = Open | Closed_explicitly | Exiting

(* The one state is the Rust side's (src/core/lifecycle.rs); this reads it. *)
let life () =
  match life_ext () with 0 -> Open | 1 -> Closed_explicitly | _ -> Exiting

let is_closed () = life () <> Open

(* A safe point at the end of each major GC cycle. The alarm re-arms itself
   through Gc.finalise. An explicit shutdown keeps it: the program goes on,
   and the unrefs its GC defers (objects dropped after the shutdown) are
   made at the next major cycle, as before, without an explicit flush
   (flush works in the Closed state). The exit deletes it: from then on
   nothing of the library allocates in the runtime. *)
let alarm = Gc.create_alarm (fun () -> if life () = Closed_explicitly || life () = Open then flush ())

let shutdown () = shutdown_ext ()

let at_exit_shutdown () =
  Gc.delete_alarm alarm;
  at_exit_ext ()

let default_handler e =
  let bt = Printexc.get_raw_backtrace () in
  Printf.eprintf "Gclosure: exception in a callback: %s\n" (Printexc.to_string e);
  Printexc.print_raw_backtrace stderr bt;
  Stdlib.flush stderr

let handler = Atomic.make default_handler
let set_exception_handler f = Atomic.set handler f

(* Called by the marshaller with the exception a callback raised. *)
let handle_exception e =
  try (Atomic.get handler) e
  with e2 ->
    Printf.eprintf "Gclosure: the exception handler raised %s (while handling %s)\n%!"
      (Printexc.to_string e2) (Printexc.to_string e)

let () =
  Printexc.register_printer (function
    | Closed ->
      Some "Gclosure.Closed: ocaml-gclosure was shut down (Gclosure.shutdown or program exit); no closure or object can be created or connected"
    | _ -> None);
  Callback.register_exception "gclosure.closed" Closed;
  Callback.register_exception "gclosure.invalid_argument" (Invalid_argument "");
  Callback.register_exception "gclosure.failure" (Failure "");
  Callback.register "gclosure.handle_exception" handle_exception;
  (* ocgc_shutdown (C API) goes through this, so the alarm goes too. *)
  Callback.register "gclosure.shutdown" shutdown;
  init ();
  (* A thread OCaml never saw (a GLib worker invoking a closure) waits for
     the domain lock in caml_c_thread_register. A thread that holds the
     lock while running OCaml code (a loop over a non-blocking main-context
     iteration) gives it up only at the runtime's tick, and the tick thread
     starts with the first systhread: without one, that worker waits
     forever (ocgtk's thread-signal reproducer on ours). One short-lived
     thread starts it. *)
  Thread.join (Thread.create ignore ());
  at_exit at_exit_shutdown

(* ---- Owned closures (src/ocaml/owners.rs) ------------------------------------

   A closure connected to an object is kept by that object, not by a global
   root. Each owning object has one owner ephemeron, keyed by its wrapper,
   whose data is its slots: the callbacks it owns (src/ocaml/owners_gc.c). The
   ephemeron is made here, in OCaml: the runtime's C functions that make
   one run pending signal handlers and finalisers, which the Rust side
   must not. Everything else (noting a connection, moving a callback into
   its owners' slots when the program drops its g_closure value, freeing
   slots) is the Rust and C side's, with no OCaml allocation per
   connection. *)

type slots = { mutable cells : Obj.t array; mutable free : int }

external obj_addr : Obj.t -> int = "ml_gclosure_obj_addr" [@@noalloc]
external owner_set : int -> Obj.Ephemeron.t -> Obj.t -> unit = "ml_gclosure_owner_set"
external owner_unreachable : int -> Obj.t -> unit = "ml_gclosure_owner_unreachable"
external on_main_domain : unit -> bool = "ml_gclosure_on_main_domain" [@@noalloc]

(* [new_owner w addr]: the object at address [addr] (an int), whose wrapper
   is [w] (any heap block whose death means its holder dropped its last
   handle of the object), owns the closures connected to it from now on.
   The wrapper gets a finaliser: the GC found it unreachable but for the
   object's own handlers, and keeps it (and them) for that call; the Rust
   side decides: disposed if nothing else holds the object, else watched
   again (with the same function, which it keeps).

   Only on the main domain: ownership needs Gc.finalise finalisers, and
   OCaml 5 does not free the finaliser table of a domain that ends (its
   adoption copies the entries and frees only the header:
   adopt_orphaned_work in runtime/major_gc.c, 5.3.0 and 5.4.1), about 1.6
   KB per short-lived domain here. A closure connected on another domain
   keeps its strong root, as before. *)
let new_owner (w : Obj.t) (addr : int) =
  if on_main_domain () then begin
    let e = Obj.Ephemeron.create 1 in
    Obj.Ephemeron.set_key e 0 w;
    Obj.Ephemeron.set_data e (Obj.repr { cells = [||]; free = -1 });
    (* A finaliser runs at any allocation, the exit's included: it never
       raises (the thread running the exit gets Closed from the library). *)
    let fin w = try owner_unreachable addr w with _ -> () in
    (* First: it raises Invalid_argument for a block out of the heap
       (ocgc_closure_own's wrapper), and then nothing is recorded. *)
    Gc.finalise fin w;
    owner_set addr e (Obj.repr fin)
  end

let () = Callback.register "gclosure.new_owner" new_owner

(* After the first connection to the object of [obj] block [w]: it owns
   closures from now on. *)
let own (w : Obj.t) = new_owner w (obj_addr w)
