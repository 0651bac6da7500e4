(* The control of tests/shell/test_exit.sh: the exit program's shapes on
   the pure-OCaml implementation (Impl_control: no C, no GLib, no
   ocaml-gclosure). With OCAMLRUNPARAM=c=1, OCaml 5 frees its memory at
   exit while the worker domain still runs, and the process sometimes
   crashes by itself (ocaml/ocaml#14594). This is the runtime's own hazard,
   which no library can remove; ours is compared with it. *)

let () =
  Exit_run.parse_args ();
  let module R = Exit_run.Run (Impl_control) in
  R.main ()
