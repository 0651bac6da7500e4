(** Internal to the library: the closed flag, readable from OCaml without
    calling into the runtime's C side. *)

exception Closed
(** Re-exported as {!Gclosure.Closed}. *)

val closed : bool Atomic.t
(** Set first thing by {!Gclosure.shutdown}. *)

val check : unit -> unit
(** @raise Closed once the flag is set. Every wrapper of an external that
    may be called from any domain calls it first: after shutdown the
    external is not entered at all (its argument conversions would make
    roots in the runtime that an exit with [OCAMLRUNPARAM=c=1] frees). *)
