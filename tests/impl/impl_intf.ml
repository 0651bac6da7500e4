(* The one signature the stress and exit programs are written against, so
   the same loop runs on ocaml-gclosure and on the lablgtk-style baseline. *)

module type S = sig
  val name : string

  type obj
  (** A GCancellable. *)

  type closure
  type id

  val new_object : unit -> obj
  val closure : (unit -> unit) -> closure

  val connect : obj -> closure -> id
  (** To the object's "cancelled" signal, not after. *)

  val disconnect : obj -> id -> unit

  val emit : obj -> unit
  (** Emits "cancelled". *)

  val is_closed : exn -> bool
  (** Whether the exception says the library is closed (after shutdown). *)

  val settle : unit -> unit
  (** After every handle is dropped: full GCs and whatever the library needs
      to release what the GC collected. *)

  val finish : unit -> (string, string) result
  (** End of a run: the library's own checks. [Ok report] or [Error why]. *)
end
