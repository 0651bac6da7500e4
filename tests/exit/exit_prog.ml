(* The exit program on the implementation named by --impl (see exit_run.ml). *)

let () =
  Exit_run.parse_args ();
  let module I = (val Impl_select.find !Exit_run.impl) in
  let module R = Exit_run.Run (I) in
  R.main ()
