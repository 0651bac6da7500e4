(** The core of ocaml-gclosure for C bindings (dune library [gclosure.core]):
    the same functions as [Gclosure] (which includes this module), without
    the [Gobject] and [Gtk4] modules, so that a binding with its own
    [Gobject] can link it. Linking it registers the at-exit shutdown.

    The life of the closures made by [Gobject.Closure.create] of the
    library [gclosure] or by [ocgc_closure_new] of the C API
    (include/gclosure.h).

    A closure is [live] from creation until GLib invalidates it (its last
    signal handler disconnected and its last reference dropped) or
    {!shutdown} runs; then its OCaml root waits in a queue and is released
    at the next safe point: the next call into the library, the end of a
    major GC cycle, {!flush}, or {!shutdown}. No root is ever removed, and
    no GLib object unreferenced, inside a GC finalizer. Objects whose
    handles the GC collected are unreferenced at the end of a callback or
    of a major GC cycle, {!flush} or {!shutdown}, never at the start of a
    library call (their dispose may emit signals into OCaml while that
    call has not read its arguments yet). At exit, {!shutdown} runs by
    itself ([at_exit]).

    {2 The library's life: closed, and exiting}

    The library is {e open}, then either {e closed} by an explicit
    {!shutdown} while the program goes on, or {e exiting} once the
    program's [at_exit] has begun (after [exit], or the end of the main
    program).
    - {b Closed}: every function of [Gobject] and [Gtk4] (and [ocgc_closure_new]) raises {!Closed};
      closures do nothing when GLib invokes them; {!stats}, {!flush} and
      {!shutdown} still answer.
    - {b Exiting}: the runtime is about to be torn down. A thread of
      another domain, or another systhread, that calls into the library
      (any function, or a closure invoked on it) is {e parked}: it gives up
      its domain lock and waits for the process to end. It never gets an
      exception: a domain that ends during the runtime's exit teardown
      crashes OCaml 5 (ocaml/ocaml#14594). A callback already running on
      another thread when the exit begins is waited for (up to 2 s), and
      its thread parks when it returns: OCaml 5.4's exit ends a domain
      that runs OCaml code with [pthread_exit], which must not unwind
      through the library. The thread that runs the exit gets {!Closed}.
      GLib's own threads are refused and go back to GLib without running
      OCaml code. *)

exception Closed
(** Raised by a library call after an explicit {!shutdown} (and, during the
    exit, in the exiting thread only; see above). *)

type stats = {
  live : int;  (** closures that can still call OCaml *)
  pending_release : int;  (** roots waiting for the next safe point *)
  released : int;  (** roots released since start *)
  invalidated : int;  (** closures invalidated since start *)
}
(** Counters of the closures' life, read by {!stats}. *)

val stats : unit -> stats
(** Counters, read at once. [created = live + pending_release + released]. *)

val created : unit -> int
(** Closures created since start. *)

val flush : unit -> unit
(** A safe point: releases every queued root and drops every deferred GLib
    reference now. *)

val shutdown : unit -> unit
(** The ordered shutdown, once (later calls do nothing): the library is
    marked closed, every live closure is invalidated so nothing can call
    OCaml any more, and every root is released. Later calls into the
    library raise {!Closed}. At exit the same shutdown runs by itself, and
    the library is then {e exiting} (see above). *)

type life =
  | Open  (** closures are created and invoked *)
  | Closed_explicitly  (** {!shutdown} ran; the program goes on *)
  | Exiting  (** the program's [at_exit] has begun *)
(** Where the library is in its life (see above). *)

val life : unit -> life
(** The library's state now. *)

val is_closed : unit -> bool
(** [life () <> Open]. *)

val set_exception_handler : (exn -> unit) -> unit
(** Sets what happens to an exception a callback raises. The default prints
    it with its backtrace (when recorded) on stderr. An exception raised by
    the handler itself is printed and dropped. *)

val glib_version : unit -> string
(** The version of the GLib this program linked, e.g. ["2.74.6"]. *)

(**/**)

(** Internal: after the first connection of a closure to the object of
    [w] (an [obj] block), gives the object an owner (src/ocaml/owners.rs).
    Called by [Gobject.Signal.connect_by_name]. *)
val own : Obj.t -> unit
