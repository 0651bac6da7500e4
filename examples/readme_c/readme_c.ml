type closure
external closure_new : (int -> unit) -> closure = "readme_closure_new"
external cancel_with : closure -> unit = "readme_cancel_with"

let () = cancel_with (closure_new (Printf.printf "cancelled (%d parameter)\n"))
