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

(* For tests/rust_end_of_life.rs: a channel written and not flushed, which
   only OCaml's at_exit (flush_all) writes out. *)
let () =
  Callback.register "write_unflushed" (fun path ->
      let oc = open_out path in
      output_string oc "written by OCaml, flushed at its exit\n")
