let () =
  let obj = Gobject.unsafe_create ~classe:"GCancellable" [] in
  let callback =
    Gobject.Closure.create (fun argv ->
        Printf.printf "cancelled (%d argument)\n" (Gobject.Closure.nargs argv))
  in
  let id = Gobject.Signal.connect_by_name obj ~name:"cancelled" ~callback ~after:false in
  ignore (Gobject.Signal.emit_by_name obj ~name:"cancelled" ~params:[]);
  Gobject.Signal.disconnect obj id
(* at exit, Gclosure.shutdown runs by itself: every root released *)
