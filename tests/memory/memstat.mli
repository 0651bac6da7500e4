(** Memory figures for the lifetime tests (tests/memory). *)

val malloc_in_use : unit -> int
(** Bytes handed out by malloc and not freed (mallinfo2's [uordblks]). *)

val rss : unit -> int
(** The resident set, in bytes ([VmRSS]). *)

val settle : unit -> unit
(** [Gc.full_major] and [Gclosure.flush], three times. *)

type sample = { malloc : int; rss : int; live : int }
(** Malloc in use, RSS, live closures. *)

val peek : unit -> sample
(** The figures as they are, with no GC or flush first. *)

val sample : unit -> sample
(** Settles, compacts the OCaml heap (its free pools go back to the
    system, so that RSS is about what C keeps rather than the OCaml heap's
    high-water mark), then reads the figures. *)

val per : n:int -> sample -> sample -> float * float
(** Growth of malloc in use and RSS per cycle over [n] cycles. *)

val env_int : string -> int -> int
(** An integer from the environment, or the default. *)
