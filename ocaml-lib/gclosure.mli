(** Life of the closures made by {!Gobject.Closure.create}.

    Every closure's OCaml callback is rooted in Rust-owned storage, never in
    GLib memory; releasing a root is deferred to a safe point (the next call
    into the library, the end of a major GC cycle, {!flush}, {!shutdown}),
    never done inside a GC finalizer. At exit, {!shutdown} runs by itself. *)

exception Closed of string
(** Raised by any function that would create a closure or call GLib after
    {!shutdown}; the message names the function. *)

val glib_version : unit -> string
(** The version of the GLib this program linked, e.g. ["2.74.6"]. *)
