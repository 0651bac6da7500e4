let usage = "--impl gclosure|baseline|control"

let find = function
  | "baseline" -> (module Impl_baseline : Impl_intf.S)
  | "control" -> (module Impl_control : Impl_intf.S)
  | "gclosure" -> (
      match Impl_choice.gclosure with
      | Some m -> m
      | None ->
          prerr_endline
            "impl gclosure is not built (tests/impl/gclosure/dune has \
             (enabled_if false))";
          exit 77)
  | other ->
      Printf.eprintf "unknown implementation %S (want %s)\n" other usage;
      exit 64
