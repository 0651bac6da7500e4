(* Every data kind, both ways, against a real GObject property and a real
   signal of GclosureTestKinds (tests/ocaml/kinds.c): for each kind,
   - Property.set_dyn then Property.get_dyn on "<kind>-prop" (OCaml → GValue
     → GLib's property machinery → GValue → OCaml);
   - Signal.emit_by_name "echo-<kind>" with a parameter of that kind: the
     connected callback reads it (GValue → OCaml) and sets the result with
     Closure.set_result (OCaml → GValue), which emit_by_name returns;
   - the Gobject.Data conversion of the kind on the same property. *)

open Gobject

external register : unit -> unit = "test_kinds_register"

let () =
  ignore (Type.from_name "GclosureCaml");
  register ()

let create () : unit obj = unsafe_create ~classe:"GclosureTestKinds" []

(* A value of each kind to write, what reading it gives, the property's
   GType name. *)
let table (other : unit obj) : (string * string * unit data_set * data_get) list =
  [
    ("boolean", "gboolean", `BOOL true, `BOOL true);
    ("char", "gchar", `CHAR 'x', `CHAR 'x');
    ("uchar", "guchar", `UCHAR '\200', `CHAR '\200');
    ("int", "gint", `INT (-42), `INT (-42));
    ("int", "gint", `INT32 (-7l), `INT (-7));
    ("uint", "guint", `UINT 4_000_000_000, `INT 4_000_000_000);
    ("uint", "guint", `UINT32 7l, `INT 7);
    ("long", "glong", `LONG (-1 lsl 40), `INT (-1 lsl 40));
    ("ulong", "gulong", `ULONG (1 lsl 40), `INT (1 lsl 40));
    ("int64", "gint64", `INT64 Int64.min_int, `INT64 Int64.min_int);
    ("uint64", "guint64", `UINT64 123456789012345L, `INT64 123456789012345L);
    ("float", "gfloat", `FLOAT 1.5, `FLOAT 1.5);
    ("double", "gdouble", `DOUBLE 3.25, `FLOAT 3.25);
    ("string", "gchararray", `STRING (Some "héllo"), `STRING (Some "héllo"));
    ("string", "gchararray", `STRING None, `STRING None);
    ("pointer", "gpointer", `UNSAFE_POINTER (Some 4096n), `POINTER (Some 4096n));
    ("pointer", "gpointer", `UNSAFE_POINTER None, `POINTER None);
    ("enum", "GclosureTestColor", `INT 7, `INT 7);
    ("flags", "GclosureTestBits", `INT 9, `INT 9);
    ("object", "GObject", `OBJECT (Some other), `OBJECT (Some other));
    ("object", "GObject", `OBJECT None, `OBJECT None);
  ]

let show : data_get -> string = function
  | `BOOL b -> Printf.sprintf "`BOOL %b" b
  | `CHAR c -> Printf.sprintf "`CHAR %C" c
  | `INT i -> Printf.sprintf "`INT %d" i
  | `INT64 i -> Printf.sprintf "`INT64 %Ld" i
  | `FLOAT f -> Printf.sprintf "`FLOAT %g" f
  | `STRING s -> Printf.sprintf "`STRING %s" (Option.fold ~none:"None" ~some:(Printf.sprintf "%S") s)
  | `POINTER p -> Printf.sprintf "`POINTER %s" (Option.fold ~none:"None" ~some:Nativeint.to_string p)
  | `OBJECT o -> if o = None then "`OBJECT None" else "`OBJECT (Some _)"
  | `CAML _ -> "`CAML _"
  | `NONE -> "`NONE"

let expect what expected got =
  if got <> expected then
    failwith (Printf.sprintf "%s: expected %s, got %s" what (show expected) (show got))

let () =
  let obj = create () in
  let other = create () in
  List.iter
    (fun (kind, type_name, (v : unit data_set), expected) ->
      let prop = kind ^ "-prop" and signal = "echo-" ^ kind in
      Check.case (Printf.sprintf "%s: property %s set and read back as %s" kind prop (show expected))
        (fun () ->
          assert (Type.name (Property.get_type obj prop) = type_name);
          Property.set_dyn obj prop v;
          expect "get_dyn" expected (Property.get_dyn obj prop));
      Check.case (Printf.sprintf "%s: signal %s, argument in, result out" kind signal) (fun () ->
          let o = create () in
          let seen = ref [] in
          let callback =
            Closure.create (fun argv ->
                assert (Type.name (Closure.get_type argv ~pos:1) = type_name);
                assert (Type.name (Closure.get_result_type argv) = type_name);
                seen := Closure.get argv ~pos:1 :: !seen;
                Closure.set_result argv v)
          in
          ignore (Signal.connect_by_name o ~name:signal ~callback ~after:false);
          let result = Signal.emit_by_name o ~name:signal ~params:[ v ] in
          (match !seen with
           | [ arg ] -> expect "the callback's argument" expected arg
           | l -> failwith (Printf.sprintf "the callback ran %d times" (List.length l)));
          expect "emit_by_name's result" expected result))
    (table other);
  (* glong and gulong are 64 bits here, OCaml's int 63: values beyond it
     come back as `INT64, never truncated (the hardening issue's item 11). *)
  Check.case "long: a value beyond 63 bits reads back as `INT64, unchanged" (fun () ->
      Property.set_dyn obj "long-prop" (`INT64 Int64.max_int);
      (match Property.get_dyn obj "long-prop" with
       | `INT64 v when v = Int64.max_int -> ()
       | `INT i -> failwith (Printf.sprintf "truncated to `INT %d" i)
       | _ -> failwith "another kind");
      Property.set_dyn obj "long-prop" (`INT64 (-5L));
      match Property.get_dyn obj "long-prop" with `INT (-5) -> () | _ -> failwith "small values stay `INT");
  Check.case "ulong: a value beyond 63 bits reads back as `INT64 (its bits)" (fun () ->
      Property.set_dyn obj "ulong-prop" (`UINT64 Int64.min_int);
      match Property.get_dyn obj "ulong-prop" with
      | `INT64 v when v = Int64.min_int -> ()
      | _ -> failwith "truncated or another kind");
  (* `CAML: an OCaml value through a GclosureCaml property and signal. *)
  Check.case "caml: property caml-prop holds an OCaml value across GCs" (fun () ->
      Property.set_dyn obj "caml-prop" (Data.caml.inj (List.init 50 string_of_int));
      Gc.full_major ();
      let back : string list = Data.caml.proj (Property.get_dyn obj "caml-prop") in
      assert (List.nth back 42 = "42"));
  Check.case "caml: signal echo-caml, argument in, result out" (fun () ->
      let o = create () in
      let callback =
        Closure.create (fun argv ->
            let (n, s) : int * string = Data.caml.proj (Closure.get argv ~pos:1) in
            Closure.set_result argv (Data.caml.inj (n + 1, s ^ "!")))
      in
      ignore (Signal.connect_by_name o ~name:"echo-caml" ~callback ~after:false);
      let r = Signal.emit_by_name o ~name:"echo-caml" ~params:[ Data.caml.inj (41, "hi") ] in
      assert ((Data.caml.proj r : int * string) = (42, "hi!")));
  (* Each Gobject.Data conversion on its property. *)
  let conv (type a) name (c : a data_conv) (x : a) =
    Check.case (Printf.sprintf "Data.%s on %s-prop" c.kind name) (fun () ->
        Property.set_dyn obj (name ^ "-prop") (c.inj x);
        if c.proj (Property.get_dyn obj (name ^ "-prop")) <> x then failwith "read back differs")
  in
  conv "boolean" Data.boolean true;
  conv "char" Data.char 'q';
  conv "uchar" Data.uchar '\255';
  conv "int" Data.int (-5);
  conv "uint" Data.uint 5;
  conv "long" Data.long (-(1 lsl 50));
  conv "ulong" Data.ulong (1 lsl 50);
  conv "int" Data.int32 (-123l);
  conv "uint" Data.uint32 123l;
  conv "int64" Data.int64 Int64.max_int;
  conv "uint64" Data.uint64 (-1L);
  conv "float" Data.float 0.25;
  conv "double" Data.double 1e300;
  conv "string" Data.string "abc";
  conv "string" Data.string_option None;
  conv "enum" Data.enum 2;
  conv "flags" Data.flags 3;
  conv "object" Data.gobject other;
  conv "object" Data.gobject_option None;
  (* Without a handler, a signal's result is its type's default. *)
  Check.case "echo-int64 without a handler returns the default" (fun () ->
      expect "result" (`INT64 0L) (Signal.emit_by_name (create ()) ~name:"echo-int64" ~params:[ `INT64 5L ]));
  (* A wrong kind is refused with the property and both types named. *)
  Check.case "a string into int64-prop is refused, naming the types" (fun () ->
      Check.expect_invalid_arg ~mentions:[ "int64-prop"; "gint64" ] (fun () ->
          Property.set_dyn obj "int64-prop" (`STRING (Some "no"))));
  Check.finish "test_kinds"
