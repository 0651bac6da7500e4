(* The implementation of gobject.mli: GObject types, objects, values,
   closures and signals over the externals of src/ocaml/ml/ (one file each). *)

type -'a obj
type g_type = int
type g_closure
type g_value

type basic =
  [ `BOOL of bool
  | `CAML of Obj.t
  | `CHAR of char
  | `FLOAT of float
  | `INT of int
  | `INT64 of int64
  | `POINTER of nativeint option
  | `STRING of string option ]

type data_get = [ basic | `NONE | `OBJECT of unit obj option ]

type 'a data_set =
  [ basic
  | `OBJECT of 'a obj option
  | `UCHAR of char
  | `UINT of int
  | `LONG of int
  | `ULONG of int
  | `INT32 of int32
  | `UINT32 of int32
  | `UINT64 of int64
  | `DOUBLE of float
  | `UNSAFE_POINTER of nativeint option ]

(* What crosses to Rust: mirrors `Data` in src/ocaml/gvalue.rs, constructor by
   constructor, in the same order. *)
module Repr = struct
  type t =
    | None_
    | Bool of bool
    | Char of int
    | Uchar of int
    | Int of int
    | Uint of int
    | Long of int
    | Ulong of int
    | Int32 of int32
    | Uint32 of int32
    | Int64 of int64
    | Uint64 of int64
    | Float of float
    | Double of float
    | String of string option
    | Object of unit obj option
    | Caml of Obj.t
    | Pointer of int option
    | Unsafe_pointer of int option
  [@@warning "-37"] (* some are built by Rust only *)

  let of_set : 'a data_set -> t = function
    | `BOOL b -> Bool b
    | `CAML v -> Caml v
    | `CHAR c -> Char (Char.code c)
    | `FLOAT f -> Float f
    | `INT i -> Int i
    | `INT64 i -> Int64 i
    | `POINTER p -> Pointer (Option.map Nativeint.to_int p)
    | `STRING s -> String s
    | `OBJECT o -> Object (Obj.magic (o : 'a obj option) : unit obj option)
    | `UCHAR c -> Uchar (Char.code c)
    | `UINT i -> Uint i
    | `LONG i -> Long i
    | `ULONG i -> Ulong i
    | `INT32 i -> Int32 i
    | `UINT32 i -> Uint32 i
    | `UINT64 i -> Uint64 i
    | `DOUBLE f -> Double f
    | `UNSAFE_POINTER p -> Unsafe_pointer (Option.map Nativeint.to_int p)

  let to_get : t -> data_get = function
    | None_ -> `NONE
    | Bool b -> `BOOL b
    | Char c | Uchar c -> `CHAR (Char.chr (c land 0xff))
    | Int i | Uint i | Long i | Ulong i -> `INT i
    | Int32 i | Uint32 i -> `INT (Int32.to_int i)
    | Int64 i | Uint64 i -> `INT64 i
    | Float f | Double f -> `FLOAT f
    | String s -> `STRING s
    | Object o -> `OBJECT o
    | Caml v -> `CAML v
    | Pointer p | Unsafe_pointer p -> `POINTER (Option.map Nativeint.of_int p)
end

external get_type_ : 'a obj -> g_type = "ml_gobject_get_type"
external is_a_ : 'a obj -> string -> bool = "ml_gobject_is_a"

(* Every external checks the library's state itself, first (src/ocaml/boundary.rs). *)
let get_type = get_type_
let is_a = is_a_

external unsafe_create_repr : string -> (string * Repr.t) array -> 'a obj
  = "ml_gobject_unsafe_create"

let unsafe_create ~classe params =
  unsafe_create_repr classe
    (Array.of_list (List.map (fun (n, v) -> (n, Repr.of_set v)) params))

let dyn_param name (v : 'a data_set) : string * unit data_set =
  (name, (Obj.magic v : unit data_set))

module Type = struct
  external from_name_ : string -> g_type = "ml_gobject_type_from_name"
  external name_ : g_type -> string = "ml_gobject_type_name"
  external is_a_ : g_type -> g_type -> bool = "ml_gobject_type_is_a"

  let from_name n = from_name_ n
  let name t = name_ t
  let is_a t p = is_a_ t p
end

module Value = struct
  external create_ : g_type -> g_value = "ml_gobject_value_create"
  external get_repr : g_value -> Repr.t = "ml_gobject_value_get"
  external set_repr : g_value -> Repr.t -> unit = "ml_gobject_value_set"
  external get_type_ : g_value -> g_type = "ml_gobject_value_get_type"

  let create t = create_ t
  let get v = Repr.to_get (get_repr v)
  let set v d = set_repr v (Repr.of_set d)
  let get_type v = get_type_ v
end

module Closure = struct
  type argv

  external create_ : (argv -> unit) -> g_closure = "ml_gobject_closure_create"

  let create f = create_ f

  (* The accessors below run inside callbacks, which do not run after
     shutdown: no check needed. *)
  external nargs : argv -> int = "ml_gobject_closure_nargs"
  external nth_ : argv -> int -> g_value = "ml_gobject_closure_nth"
  external get_ : argv -> int -> Repr.t = "ml_gobject_closure_get"
  external get_type_ : argv -> int -> g_type = "ml_gobject_closure_get_type"
  external result : argv -> g_value = "ml_gobject_closure_result"
  external get_result_type : argv -> g_type = "ml_gobject_closure_get_result_type"
  external set_result_ : argv -> Repr.t -> unit = "ml_gobject_closure_set_result"

  let nth argv ~pos = nth_ argv pos
  let get argv ~pos = Repr.to_get (get_ argv pos)
  let get_args argv = List.init (nargs argv) (fun pos -> get argv ~pos)
  let get_type argv ~pos = get_type_ argv pos
  let set_result argv d = set_result_ argv (Repr.of_set d)
end

module Signal = struct
  type id = int

  external connect_ : 'a obj -> string -> g_closure -> bool -> id
    = "ml_gobject_signal_connect_by_name"

  external disconnect_ : 'a obj -> id -> unit = "ml_gobject_signal_disconnect"

  let disconnect o id = disconnect_ o id

  external emit_ : 'a obj -> string -> Repr.t array -> Repr.t
    = "ml_gobject_signal_emit_by_name"

  (* The object owns the closure once the program drops its g_closure
     value (src/ocaml/owners.rs): a handler that captures its object is
     collected with it. connect_ notes the object, and returns the id
     negated when the object has no owner yet (its first connection). *)
  let connect_by_name obj ~name ~callback ~after =
    let id = connect_ obj name callback after in
    if id >= 0 then id
    else begin
      Gclosure_core.own (Obj.repr obj);
      -id
    end

  let emit_by_name obj ~name ~params =
      Repr.to_get (emit_ obj name (Array.of_list (List.map Repr.of_set params)))
end

module Property = struct
  external set_repr : 'a obj -> string -> Repr.t -> unit = "ml_gobject_property_set"
  external get_repr : 'a obj -> string -> Repr.t = "ml_gobject_property_get"
  external get_type_ : 'a obj -> string -> g_type = "ml_gobject_property_get_type"
  external notify_ : 'a obj -> string -> unit = "ml_gobject_property_notify"

  let set_dyn o name d = set_repr o name (Repr.of_set d)
  let get_dyn o name = Repr.to_get (get_repr o name)
  let get_type o name = get_type_ o name
  let notify o name = notify_ o name
end

type 'a data_conv = {
  kind : string;
  proj : data_get -> 'a;
  inj : 'a -> unit data_set;
}

module Data = struct
  let mismatch conv (d : data_get) =
    let got =
      match d with
      | `BOOL _ -> "`BOOL" | `CAML _ -> "`CAML" | `CHAR _ -> "`CHAR" | `FLOAT _ -> "`FLOAT"
      | `INT _ -> "`INT" | `INT64 _ -> "`INT64" | `POINTER _ -> "`POINTER"
      | `STRING _ -> "`STRING" | `NONE -> "`NONE" | `OBJECT _ -> "`OBJECT"
    in
    invalid_arg (Printf.sprintf "Gobject.Data.%s: cannot read %s" conv got)

  let boolean =
    { kind = "gboolean"; proj = (function `BOOL b -> b | d -> mismatch "boolean" d); inj = (fun b -> `BOOL b) }

  let char = { kind = "gchar"; proj = (function `CHAR c -> c | d -> mismatch "char" d); inj = (fun c -> `CHAR c) }
  let uchar = { kind = "guchar"; proj = (function `CHAR c -> c | d -> mismatch "uchar" d); inj = (fun c -> `UCHAR c) }
  let int_proj name = function `INT i -> i | d -> mismatch name d
  let int = { kind = "gint"; proj = int_proj "int"; inj = (fun i -> `INT i) }
  let uint = { kind = "guint"; proj = int_proj "uint"; inj = (fun i -> `UINT i) }
  let long = { kind = "glong"; proj = int_proj "long"; inj = (fun i -> `LONG i) }
  let ulong = { kind = "gulong"; proj = int_proj "ulong"; inj = (fun i -> `ULONG i) }
  let enum = { kind = "GEnum"; proj = int_proj "enum"; inj = (fun i -> `INT i) }
  let flags = { kind = "GFlags"; proj = int_proj "flags"; inj = (fun i -> `UINT i) }

  let int32 =
    { kind = "gint"; proj = (fun d -> Int32.of_int (int_proj "int32" d)); inj = (fun i -> `INT32 i) }

  let uint32 =
    { kind = "guint"; proj = (fun d -> Int32.of_int (int_proj "uint32" d)); inj = (fun i -> `UINT32 i) }

  let int64_proj name = function `INT64 i -> i | d -> mismatch name d
  let int64 = { kind = "gint64"; proj = int64_proj "int64"; inj = (fun i -> `INT64 i) }
  let uint64 = { kind = "guint64"; proj = int64_proj "uint64"; inj = (fun i -> `UINT64 i) }
  let float_proj name = function `FLOAT f -> f | d -> mismatch name d
  let float = { kind = "gfloat"; proj = float_proj "float"; inj = (fun f -> `FLOAT f) }
  let double = { kind = "gdouble"; proj = float_proj "double"; inj = (fun f -> `DOUBLE f) }

  let string_option =
    { kind = "gchararray"; proj = (function `STRING s -> s | d -> mismatch "string_option" d); inj = (fun s -> `STRING s) }

  let string =
    {
      kind = "gchararray";
      proj = (function `STRING (Some s) -> s | `STRING None -> "" | d -> mismatch "string" d);
      inj = (fun s -> `STRING (Some s));
    }

  let caml =
    {
      kind = "GclosureCaml";
      proj = (function `CAML v -> Obj.obj v | d -> mismatch "caml" d);
      inj = (fun v -> `CAML (Obj.repr v));
    }

  let gobject_option =
    {
      kind = "GObject";
      proj = (function `OBJECT o -> Option.map (fun o -> (Obj.magic (o : unit obj) : 'a obj)) o | d -> mismatch "gobject_option" d);
      inj = (fun o -> `OBJECT (Option.map (fun o -> (Obj.magic (o : 'a obj) : unit obj)) o));
    }

  let gobject =
    {
      kind = "GObject";
      proj =
        (function
          | `OBJECT (Some o) -> (Obj.magic (o : unit obj) : 'a obj)
          | `OBJECT None -> invalid_arg "Gobject.Data.gobject: NULL object (use gobject_option)"
          | d -> mismatch "gobject" d);
      inj = (fun o -> `OBJECT (Some (Obj.magic (o : 'a obj) : unit obj)));
    }
end
