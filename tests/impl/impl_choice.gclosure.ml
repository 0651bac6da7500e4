let gclosure : (module Impl_intf.S) option = Some (module Impl_gclosure)
