(** The life of the closures made by {!Gobject.Closure.create}.

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
    itself ([at_exit]). *)

exception Closed
(** Raised when a closure or object would be created after {!shutdown}:
    the library is closed for the rest of the program. *)

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
(** The ordered shutdown, once (later calls do nothing): every live closure
    is invalidated so nothing can call OCaml any more, every root is
    released, and the library is marked closed. Runs by itself at exit. *)

val is_closed : unit -> bool
(** Whether {!shutdown} has run. *)

val set_exception_handler : (exn -> unit) -> unit
(** Sets what happens to an exception a callback raises. The default prints
    it with its backtrace (when recorded) on stderr. An exception raised by
    the handler itself is printed and dropped. *)

val glib_version : unit -> string
(** The version of the GLib this program linked, e.g. ["2.74.6"]. *)
