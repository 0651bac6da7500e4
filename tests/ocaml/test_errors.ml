(* Bad input, table-driven: each row raises an exception whose message names
   the problem, and the process carries on. *)

open Gobject

let obj () = unsafe_create ~classe:"GCancellable" []
let service () = unsafe_create ~classe:"GSocketService" []

(* Runs [f] inside a real emission of GSocketService::incoming, for the
   rows that need a live argv. *)
let in_callback f =
  let s = service () in
  let result = ref None in
  let callback = Closure.create (fun argv -> result := Some (try Ok (f argv) with e -> Error e)) in
  ignore (Signal.connect_by_name s ~name:"incoming" ~callback ~after:false);
  ignore (Signal.emit_by_name s ~name:"incoming" ~params:[ `OBJECT None; `OBJECT None ]);
  match !result with Some (Error e) -> raise e | Some (Ok ()) -> () | None -> failwith "callback did not run"

let rows : (string * string list * (unit -> unit)) list =
  [
    ("unknown signal name", [ "connect_by_name"; "unknown signal"; "\"frobnicate\""; "GCancellable" ],
     fun () -> ignore (Signal.connect_by_name (obj ()) ~name:"frobnicate" ~callback:(Closure.create ignore) ~after:false));
    ("unknown signal in emit", [ "emit_by_name"; "\"frobnicate\"" ],
     fun () -> ignore (Signal.emit_by_name (obj ()) ~name:"frobnicate" ~params:[]));
    ("unknown property (set)", [ "set_dyn"; "GCancellable"; "\"colour\"" ],
     fun () -> Property.set_dyn (obj ()) "colour" (`INT 1));
    ("unknown property (get)", [ "get_dyn"; "\"colour\"" ], fun () -> ignore (Property.get_dyn (obj ()) "colour"));
    ("unknown property (create)", [ "unsafe_create"; "GSimpleAction"; "\"colour\"" ],
     fun () -> ignore (unsafe_create ~classe:"GSimpleAction" [ ("colour", `INT 1) ]));
    ("unknown class", [ "unsafe_create"; "\"NoSuchClass\"" ], fun () -> ignore (unsafe_create ~classe:"NoSuchClass" []));
    ("abstract class", [ "GSocketAddress"; "abstract" ], fun () -> ignore (unsafe_create ~classe:"GSocketAddress" []));
    ("wrong value type for a property", [ "set_dyn"; "\"enabled\""; "`STRING"; "gboolean" ],
     fun () ->
       Property.set_dyn (unsafe_create ~classe:"GSimpleAction" [ ("name", `STRING (Some "x")) ]) "enabled" (`STRING (Some "yes")));
    ("construct-only property", [ "set_dyn"; "\"name\""; "not writable" ],
     fun () -> Property.set_dyn (unsafe_create ~classe:"GSimpleAction" [ ("name", `STRING (Some "x")) ]) "name" (`STRING (Some "y")));
    ("integer out of range", [ "`INT"; "out of range"; "guint" ],
     fun () -> Property.set_dyn (unsafe_create ~classe:"GSocketClient" []) "timeout" (`INT (-1)));
    ("not a value of the enum", [ "999"; "not a value of enum"; "GSocketFamily" ],
     fun () -> Property.set_dyn (unsafe_create ~classe:"GSocketClient" []) "family" (`INT 999));
    ("object of the wrong class", [ "proxy-resolver"; "GCancellable"; "GProxyResolver" ],
     fun () -> Property.set_dyn (unsafe_create ~classe:"GSocketClient" []) "proxy-resolver" (`OBJECT (Some (obj ()))));
    ("wrong value type in emit_by_name", [ "emit_by_name"; "parameter 1"; "`INT"; "GSocketConnection" ],
     fun () -> ignore (Signal.emit_by_name (service ()) ~name:"incoming" ~params:[ `INT 3; `OBJECT None ]));
    ("wrong number of parameters", [ "emit_by_name"; "takes 2 parameter(s), 0 given" ],
     fun () -> ignore (Signal.emit_by_name (service ()) ~name:"incoming" ~params:[]));
    ("wrong value type in set_result", [ "set_result"; "`STRING"; "gboolean" ],
     fun () -> in_callback (fun argv -> Closure.set_result argv (`STRING (Some "no"))));
    ("set_result where no result is expected", [ "set_result"; "expects no result" ],
     fun () ->
       let o = obj () in
       let err = ref None in
       let callback = Closure.create (fun argv -> try Closure.set_result argv (`BOOL true) with e -> err := Some e) in
       ignore (Signal.connect_by_name o ~name:"cancelled" ~callback ~after:false);
       ignore (Signal.emit_by_name o ~name:"cancelled" ~params:[]);
       Option.iter raise !err);
    ("nth out of range", [ "nth"; "position 7 out of range"; "nargs = 3" ],
     fun () -> in_callback (fun argv -> ignore (Closure.nth argv ~pos:7)));
    ("negative position", [ "get"; "position -1 out of range" ], fun () -> in_callback (fun argv -> ignore (Closure.get argv ~pos:(-1))));
    ("argv after its callback", [ "nargs"; "after its callback returned" ],
     fun () ->
       let kept = ref None in
       in_callback (fun argv -> kept := Some argv);
       ignore (Closure.nargs (Option.get !kept)));
    ("g_value after its callback", [ "Value.get"; "after its callback returned" ],
     fun () ->
       let kept = ref None in
       in_callback (fun argv -> kept := Some (Closure.nth argv ~pos:0));
       ignore (Value.get (Option.get !kept)));
    ("disconnect twice", [ "disconnect"; "not connected" ],
     fun () ->
       let o = obj () in
       let id = Signal.connect_by_name o ~name:"cancelled" ~callback:(Closure.create ignore) ~after:false in
       Signal.disconnect o id;
       Signal.disconnect o id);
    ("unknown type name", [ "from_name"; "\"GtkNoSuchThing\"" ], fun () -> ignore (Type.from_name "GtkNoSuchThing"));
  ]

let () =
  List.iter (fun (name, mentions, f) -> Check.case name (fun () -> Check.expect_invalid_arg ~mentions f)) rows;
  Check.case "the process carries on: a normal emission still works" (fun () ->
      let o = obj () in
      let n = ref 0 in
      ignore (Signal.connect_by_name o ~name:"cancelled" ~callback:(Closure.create (fun _ -> incr n)) ~after:false);
      ignore (Signal.emit_by_name o ~name:"cancelled" ~params:[]);
      assert (!n = 1));
  let o = obj () in
  Gclosure.shutdown ();
  List.iter
    (fun (name, f) ->
      Check.case ("use after shutdown: " ^ name) (fun () ->
          match f () with () -> failwith "no exception" | exception Gclosure.Closed -> ()))
    [
      ("Closure.create", fun () -> ignore (Closure.create ignore));
      ("unsafe_create", fun () -> ignore (obj ()));
      ("emit_by_name", fun () -> ignore (Signal.emit_by_name o ~name:"cancelled" ~params:[]));
      ("Property.get_dyn", fun () -> ignore (Property.get_dyn o "name"));
      ("Value.create", fun () -> ignore (Value.create (Type.from_name "gint")));
    ];
  Check.finish "test_errors"
