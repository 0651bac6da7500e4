(* The app's OCaml handlers; src/main.rs finds them by name. *)
let clicks = ref 0

let () =
  Callback.register "on_click" (fun (_ : Gobject.Closure.argv) ->
      incr clicks;
      Printf.printf "OCaml: button clicked %d time(s)\n%!" !clicks);
  Callback.register "on_cancel" (fun (_ : Gobject.Closure.argv) ->
      let main = Thread.id (Thread.self ()) = 0 in
      Printf.printf "OCaml: cancelled on the %s thread\n%!" (if main then "main" else "worker"))
