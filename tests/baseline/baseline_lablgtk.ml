(* BASELINE KEPT FOR COMPARISON: see baseline_lablgtk.mli and baseline_stubs.c. *)

type obj
type closure
type id = int

external set_handle_words : int -> unit = "baseline_set_handle_words"
external cancellable_new : unit -> obj = "baseline_cancellable_new"
external closure_create : (int -> unit) -> closure = "baseline_closure_create"

external connect_ : obj -> string -> closure -> bool -> id
  = "baseline_signal_connect"

external disconnect : obj -> id -> unit = "baseline_signal_disconnect"
external emit_ : obj -> string -> unit = "baseline_signal_emit"

let connect obj ~name closure ~after = connect_ obj name closure after
let emit obj ~name = emit_ obj name
