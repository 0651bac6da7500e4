(* The exit program on the lablgtk-style baseline only, in a process that
   does not link ocaml-gclosure at all (its at_exit shutdown, GTK and Rust
   runtime would otherwise be part of the comparison). *)

let () =
  Exit_run.parse_args ();
  let module R = Exit_run.Run (Impl_baseline) in
  R.main ()
