(* tests/impl/gclosure is disabled (see its dune file). *)
let gclosure : (module Impl_intf.S) option = None
