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

(* The one state is the Rust side's (src/lifecycle.rs); this reads it. *)
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

(* ---- Owned closures (src/owners.rs) ------------------------------------

   A closure connected to an object is kept by that object, not by a global
   root. Its registry root holds this record: [strong] is the callback
   while the closure is not owned, or while the program still holds its
   g_closure value (its handle's finalizer clears it); [owned] lists
   ephemerons whose data is the callback, keyed by each owning object's
   wrapper. The ephemerons are made here, in OCaml: the runtime's C
   functions that make or read them run pending signal handlers and
   finalisers, which the Rust side must not. *)

type record = { mutable strong : Obj.t; mutable owned : Obj.Ephemeron.t list }

external record_of : Obj.t -> record option = "ml_gclosure_record_of"
external owner_get : Obj.t -> Obj.Ephemeron.t option = "ml_gclosure_owner_get"
external owner_set : Obj.t -> Obj.Ephemeron.t -> unit = "ml_gclosure_owner_set"
external owner_unreachable : Obj.t -> unit = "ml_gclosure_owner_unreachable"
external on_main_domain : unit -> bool = "ml_gclosure_on_main_domain" [@@noalloc]

(* The finaliser of an owning object's wrapper: the GC found the wrapper
   unreachable but for the object's own handlers, and keeps it (and them)
   for this call. The Rust side decides: disposed if nothing else holds
   the object, else watched again. *)
let on_unreachable w =
  (* A finaliser runs at any allocation, the exit's included: it never
     raises (the thread running the exit gets Closed from the library). *)
  try owner_unreachable w with _ -> ()
let () = Callback.register "gclosure.owner_unreachable" on_unreachable

let unit_repr = Obj.repr ()

let rec find_data = function
  | [] -> None
  | e :: rest -> (
      match Obj.Ephemeron.get_data e with Some d -> Some d | None -> find_data rest)

(* [own w closure]: the closure (a g_closure value) is owned by the object
   whose wrapper is [w]. The program holds the g_closure value, which keeps
   the callback strongly until its finalizer lets go (src/owners.rs,
   handle_released). *)
let own (w : Obj.t) (closure : Obj.t) =
  (* Only on the main domain: ownership needs Gc.finalise finalisers, and
     OCaml 5 does not free the finaliser table of a domain that ends (its
     adoption copies the entries and frees only the header:
     adopt_orphaned_work in runtime/major_gc.c, 5.3.0 and 5.4.1), about
     1.6 KB per short-lived domain here. A closure connected on another
     domain keeps its strong root, as before. *)
  if not (on_main_domain ()) then ()
  else
  match record_of closure with
  | None -> ()
  | Some r -> (
      let cb = if r.strong != unit_repr then Some r.strong else find_data r.owned in
      match cb with
      | None -> ()
      | Some cb ->
          let new_owner () =
            (* this wrapper, watched by its finaliser *)
            let e = Obj.Ephemeron.create 1 in
            Obj.Ephemeron.set_key e 0 w;
            owner_set w e;
            Gc.finalise on_unreachable w;
            w
          in
          let key =
            match owner_get w with
            | Some e -> (
                match Obj.Ephemeron.get_key e 0 with Some k -> k | None -> new_owner ())
            | None -> new_owner ()
          in
          let e = Obj.Ephemeron.create 1 in
          Obj.Ephemeron.set_key e 0 key;
          Obj.Ephemeron.set_data e cb;
          r.owned <- e :: r.owned)

