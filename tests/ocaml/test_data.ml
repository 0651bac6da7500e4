(* Every data kind, both ways, against real GObject properties and signals,
   plus a table of bad inputs and re-entrant callbacks. *)

open Gobject

let g_type = Type.from_name

(* One GValue round trip: set [v] into a value of [type_name], read it back. *)
let round_trip type_name v =
  let gv = Value.create (g_type type_name) in
  Value.set gv v;
  assert (Type.name (Value.get_type gv) = type_name);
  Value.get gv

let () =
  (* Values, each kind in and out. *)
  List.iter
    (fun (type_name, (set : unit data_set), (expected : data_get)) ->
      Check.case (Printf.sprintf "value %s round trip" type_name) (fun () ->
          let got = round_trip type_name set in
          if got <> expected then failwith "unexpected value read back"))
    [
      ("gboolean", `BOOL true, `BOOL true);
      ("gchar", `CHAR 'x', `CHAR 'x');
      ("guchar", `UCHAR '\200', `CHAR '\200');
      ("gint", `INT (-42), `INT (-42));
      ("guint", `UINT 42, `INT 42);
      ("glong", `LONG (-1 lsl 40), `INT (-1 lsl 40));
      ("gulong", `ULONG (1 lsl 40), `INT (1 lsl 40));
      ("gint", `INT32 (-7l), `INT (-7));
      ("guint", `UINT32 7l, `INT 7);
      ("gint64", `INT64 Int64.min_int, `INT64 Int64.min_int);
      ("guint64", `UINT64 123456789012345L, `INT64 123456789012345L);
      ("gfloat", `FLOAT 1.5, `FLOAT 1.5);
      ("gdouble", `DOUBLE 3.25, `FLOAT 3.25);
      ("gchararray", `STRING (Some "héllo"), `STRING (Some "héllo"));
      ("gchararray", `STRING None, `STRING None);
      ("gpointer", `UNSAFE_POINTER (Some 4096n), `POINTER (Some 4096n));
      ("gpointer", `UNSAFE_POINTER None, `POINTER None);
    ];
  (* Real properties: boolean, string, int, enum, flags, object. *)
  Check.case "boolean and string properties (GSimpleAction)" (fun () ->
      let a = unsafe_create ~classe:"GSimpleAction" [ ("name", `STRING (Some "act")) ] in
      assert (Property.get_dyn a "name" = `STRING (Some "act"));
      Property.set_dyn a "enabled" (`BOOL false);
      assert (Property.get_dyn a "enabled" = `BOOL false);
      assert (Type.name (Property.get_type a "enabled") = "gboolean"));
  Check.case "uint and enum properties (GSocketClient)" (fun () ->
      let c = unsafe_create ~classe:"GSocketClient" [] in
      Property.set_dyn c "timeout" (`UINT 17);
      assert (Property.get_dyn c "timeout" = `INT 17);
      (* G_SOCKET_FAMILY_IPV6 = 10 *)
      Property.set_dyn c "family" (`INT 10);
      assert (Property.get_dyn c "family" = `INT 10));
  Check.case "double properties and a signal with no argument (GtkAdjustment)" (fun () ->
      let adj = unsafe_create ~classe:"GtkAdjustment" [ ("upper", `DOUBLE 100.); ("value", `DOUBLE 42.5) ] in
      assert (Property.get_dyn adj "value" = `FLOAT 42.5);
      let seen = ref [] in
      let callback = Closure.create (fun argv ->
          match Closure.get argv ~pos:0 with
          | `OBJECT (Some o) -> seen := Property.get_dyn o "value" :: !seen
          | _ -> ()) in
      ignore (Signal.connect_by_name adj ~name:"value-changed" ~callback ~after:false);
      Property.set_dyn adj "value" (`FLOAT 7.25);
      assert (!seen = [ `FLOAT 7.25 ]));
  Check.case "flags property by value (GApplication)" (fun () ->
      let app = unsafe_create ~classe:"GApplication" [ ("application-id", `STRING (Some "org.example.T")) ] in
      (* G_APPLICATION_NON_UNIQUE = 32 *)
      Property.set_dyn app "flags" (`INT 32);
      assert (Property.get_dyn app "flags" = `INT 32));
  Check.case "object property and option (GSocketClient proxy-resolver)" (fun () ->
      let c = unsafe_create ~classe:"GSocketClient" [] in
      let r = unsafe_create ~classe:"GSimpleProxyResolver" [] in
      Property.set_dyn c "proxy-resolver" (`OBJECT (Some r));
      (match Property.get_dyn c "proxy-resolver" with
       | `OBJECT (Some o) -> assert (is_a o "GSimpleProxyResolver"); assert (o = (Obj.magic r : unit obj))
       | _ -> failwith "no object"));
  Check.case "notify carries the property name; Property.notify emits it" (fun () ->
      let a = unsafe_create ~classe:"GSimpleAction" [ ("name", `STRING (Some "n")) ] in
      let seen = ref [] in
      let callback = Closure.create (fun argv -> seen := Closure.get argv ~pos:1 :: !seen) in
      ignore (Signal.connect_by_name a ~name:"notify::enabled" ~callback ~after:false);
      Property.set_dyn a "enabled" (`BOOL false);
      Property.notify a "enabled";
      assert (!seen = [ `STRING (Some "enabled"); `STRING (Some "enabled") ]));
  Check.case "a boolean-returning signal gets the callback's result (GSocketService incoming)" (fun () ->
      let s = unsafe_create ~classe:"GSocketService" [] in
      let types = ref [] in
      let callback =
        Closure.create (fun argv ->
            types := Type.name (Closure.get_result_type argv) :: !types;
            Closure.set_result argv (`BOOL true))
      in
      ignore (Signal.connect_by_name s ~name:"incoming" ~callback ~after:false);
      let r = Signal.emit_by_name s ~name:"incoming" ~params:[ `OBJECT None; `OBJECT None ] in
      assert (r = `BOOL true);
      assert (!types = [ "gboolean" ]));
  Check.case "without a handler the result is the type's default" (fun () ->
      let s = unsafe_create ~classe:"GSocketService" [] in
      assert (Signal.emit_by_name s ~name:"incoming" ~params:[ `OBJECT None; `OBJECT None ] = `BOOL false));
  Check.case "signal parameters reach the callback (GSocketService incoming)" (fun () ->
      let s = unsafe_create ~classe:"GSocketService" [] in
      let src = unsafe_create ~classe:"GCancellable" [] in
      let args = ref [] in
      let callback = Closure.create (fun argv -> args := Closure.get_args argv) in
      ignore (Signal.connect_by_name s ~name:"incoming" ~callback ~after:false);
      ignore (Signal.emit_by_name s ~name:"incoming" ~params:[ `OBJECT None; `OBJECT (Some src) ]);
      match !args with
      | [ `OBJECT (Some _); `OBJECT None; `OBJECT (Some o) ] -> assert (o = (Obj.magic src : unit obj))
      | _ -> failwith "unexpected arguments");
  Check.case "Data conversions on real properties" (fun () ->
      let a = unsafe_create ~classe:"GSimpleAction" [ ("name", Data.string.inj "conv") ] in
      assert (Data.string.proj (Property.get_dyn a "name") = "conv");
      Property.set_dyn a "enabled" (Data.boolean.inj false);
      assert (not (Data.boolean.proj (Property.get_dyn a "enabled")));
      let c = unsafe_create ~classe:"GSocketClient" [] in
      Property.set_dyn c "timeout" (Data.uint.inj 9);
      assert (Data.uint.proj (Property.get_dyn c "timeout") = 9);
      Property.set_dyn c "family" (Data.enum.inj 2);
      assert (Data.enum.proj (Property.get_dyn c "family") = 2);
      assert (Option.is_some (Data.gobject_option.proj (Property.get_dyn c "proxy-resolver")));
      Check.expect_invalid_arg ~mentions:[ "Gobject.Data.int"; "`BOOL" ] (fun () ->
          Data.int.proj (Property.get_dyn a "enabled")));
  Check.case "`CAML values in a GValue (GclosureCaml), kept alive across GCs" (fun () ->
      let gv = Value.create (Type.from_name "GclosureCaml") in
      Value.set gv (Data.caml.inj (List.init 100 string_of_int));
      Gc.full_major ();
      Gc.compact ();
      let back : string list = Data.caml.proj (Value.get gv) in
      assert (List.length back = 100 && List.nth back 42 = "42");
      (* a second value holds its own root *)
      let gv2 = Value.create (Type.from_name "GclosureCaml") in
      (match Value.get gv with `CAML v -> Value.set gv2 (`CAML v) | _ -> assert false);
      Gc.full_major ();
      assert ((Data.caml.proj (Value.get gv2) : string list) = back));
  Check.finish "test_data"
