(* OCaml side of examples/hello_rust/main.rs *)
let () =
  Callback.register "hello" (fun argv ->
      Printf.printf "hello from OCaml (%d argument)\n%!" (Gobject.Closure.nargs argv))
