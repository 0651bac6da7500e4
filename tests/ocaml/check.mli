(** A minimal test harness: named cases, a summary line. *)

val case : string -> (unit -> unit) -> unit
(** [case name f] runs [f], prints [ok name] or [FAIL name: exn], and counts it. *)

val expect_invalid_arg : mentions:string list -> (unit -> 'a) -> unit
(** Fails unless the thunk raises [Invalid_argument msg] with every one of
    [mentions] somewhere in [msg]. *)

val contains : string -> string -> bool
(** [contains s sub]: whether [sub] occurs in [s]. *)

val finish : string -> unit
(** Prints ["<suite>: N passed, M failed"] and exits 1 when any case failed. *)
