(* The OCaml side of the Rust tests (tests/rust_api.rs): callbacks they look
   up by name. Compiled into the test binaries by build.rs. *)

let clicks = ref 0
let last_nargs = ref (-1)

let () =
  Callback.register "count" (fun argv ->
      incr clicks;
      last_nargs := Gobject.Closure.nargs argv);
  Callback.register "raise" (fun (_ : Gobject.Closure.argv) -> failwith "raised in OCaml");
  Callback.register "clicks" (fun () -> !clicks);
  Callback.register "last_nargs" (fun () -> !last_nargs);
  Callback.register "gc" (fun () -> Gc.full_major ())
