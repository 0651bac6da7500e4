(** BASELINE KEPT FOR COMPARISON, not part of the library.

    A lablgtk-style GObject closure binding (callback rooted at
    [&closure->data] with [caml_register_global_root], root removed by an
    invalidate notifier, last [g_closure_unref] in the custom block's
    finalizer). The stress and exit tests run it to show that they catch the
    hazards ocaml-gclosure avoids. Never use it for anything else. *)

type obj
(** A GCancellable; the custom block's finalizer calls [g_object_unref]. *)

type closure
(** A GClosure; the custom block's finalizer calls [g_closure_unref]. *)

type id = int
(** A signal handler id. *)

val set_handle_words : int -> unit
(** Data words of the closure's custom block for closures made from now on:
    2 by default (the GClosure* and an unused word, so dead blocks share the
    size class of a one-free-variable OCaml closure: see baseline_stubs.c),
    1 for lablgtk's exact [ops; pointer] layout. *)

val cancellable_new : unit -> obj

val closure_create : (int -> unit) -> closure
(** The callback receives the number of parameters of the invocation. *)

val connect : obj -> name:string -> closure -> after:bool -> id
val disconnect : obj -> id -> unit
val emit : obj -> name:string -> unit
