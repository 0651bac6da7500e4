(* The lablgtk-style BASELINE, kept for comparison (tests/baseline). *)

module B = Baseline_lablgtk

let name = "baseline"

type obj = B.obj
type closure = B.closure
type id = B.id

let new_object = B.cancellable_new
let closure f = B.closure_create (fun _nargs -> f ())
let connect obj c = B.connect obj ~name:"cancelled" c ~after:false
let disconnect = B.disconnect
let emit obj = B.emit obj ~name:"cancelled"
let is_closed _ = false
let settle () = Gc.full_major (); Gc.full_major ()
let finish () = Ok "baseline: no statistics"
