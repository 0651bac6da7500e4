(** GObject types, objects, values, closures and signals.

    The names follow lablgtk's [Gobject], so code written for lablgtk reads
    the same. Closures made here keep their OCaml callback rooted in
    Rust-owned storage, never in GLib memory; see {!Gclosure} for their life. *)

(** {1 Types} *)

type -'a obj
(** A GObject whose class is described by the phantom ['a]. The OCaml value
    holds one reference; when the GC collects it, the unref is deferred to
    the end of the next callback or major GC cycle, {!Gclosure.flush} or
    {!Gclosure.shutdown} (never run inside the GC). *)

type g_type
(** A registered GType. Values only come from this library. *)

type g_closure
(** A GClosure made by {!Closure.create}. Holds one reference, released at a
    safe point after the GC collects the value. *)

type g_value
(** A GValue. Outside a callback, made by {!Value.create}; inside a
    callback, borrowed from GLib for the callback's duration. *)

(** The kinds read and written alike; see {!data_get} for which GTypes
    read as which. *)
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
(** A GValue's contents, as read, by the value's fundamental type:
    gboolean → [`BOOL]; gchar, guchar → [`CHAR]; gint, guint, glong,
    gulong, enums and flags (by value) → [`INT]; gint64, guint64 →
    [`INT64]; gfloat, gdouble → [`FLOAT]; strings → [`STRING]; objects →
    [`OBJECT]; gpointer and boxed types → [`POINTER] (the address, borrowed:
    valid only while the value is); a GParamSpec (as in [notify]) →
    [`STRING] of the property's name; the boxed type [GclosureCaml] (an
    OCaml value kept alive by a root while a GValue holds it) → [`CAML];
    [G_TYPE_NONE] → [`NONE]. *)

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
(** What to store in a GValue; the constructor names the GLib type.

    Every constructor is checked against the value's type (the README's
    boundary paragraph says what else is checked, and what stays the
    caller's duty), except [`UNSAFE_POINTER], the one unsafe corner: it writes
    a raw address (or NULL) into a plain [gpointer] property, signal
    parameter or result, and C code may dereference it (GtkEditable's
    ["insert-text"] handler writes through its [gint *position]). Use it
    only with an address that C code expects there, valid for as long as C
    code may use it; a wrong one is undefined behaviour, as in C.
    [`POINTER] is for reading: written, it raises [Invalid_argument]
    (reading a pointer is unchanged: see {!data_get}). *)

(** {1 Objects} *)

val get_type : 'a obj -> g_type
(** The object's class. *)

val is_a : 'a obj -> string -> bool
(** [is_a o "GtkWidget"]: whether [o]'s class is, or derives from, that type. *)

val unsafe_create : classe:string -> (string * unit data_set) list -> 'a obj
(** [unsafe_create ~classe:"GtkButton" ["label", `STRING (Some "Hi")]] makes
    a new object of that class with those properties (a floating reference is
    sunk). Unsafe only in that the phantom type is not checked.
    @raise Invalid_argument naming the class, property or value type at
    fault: an unknown class, an interface or abstract type, a property
    given twice, a value the property cannot take (see {!Property.set_dyn}),
    or a class whose constructor needs construct-only properties that are
    missing (GBinding, GPropertyAction). *)

val dyn_param : string -> 'a data_set -> string * unit data_set
(** [dyn_param name v] is a property for {!unsafe_create}. *)

(** {1 GTypes} *)

(** Looking up GTypes and their names. *)
module Type : sig
  val from_name : string -> g_type
  (** [from_name "GtkButton"] is the GType of that name. A class GLib has not
      registered yet is found through its [_get_type] function, as GtkBuilder
      does, so [from_name "GSocketClient"] works in a fresh process.
      @raise Invalid_argument naming the type when there is no such type. *)

  val name : g_type -> string
  (** The registered name of a GType.
      @raise Invalid_argument naming the integer when it is not a registered
      GType (only a value forged with [Obj.magic] or an external at [int]). *)

  val is_a : g_type -> g_type -> bool
  (** [is_a t parent]: whether [t] is [parent] or derives from it.
      @raise Invalid_argument as {!name}. *)
end

(** {1 Values} *)

(** GValues: typed boxes for signal arguments, results and properties. *)
module Value : sig
  val create : g_type -> g_value
  (** A new GValue initialised to the default of that type.
      @raise Invalid_argument naming the type when it is not a value type,
      or the integer when it is not a registered GType (as {!Type.name}). *)

  val get : g_value -> data_get
  (** The contents. @raise Invalid_argument on a value of an unsupported type
      or one used after its callback returned. *)

  val set : g_value -> 'a data_set -> unit
  (** Stores into the value, converting to its type.
      @raise Invalid_argument naming both types when they do not fit. *)

  val get_type : g_value -> g_type
  (** The value's GType. *)
end

(** {1 Closures} *)

(** GClosures around OCaml functions, and their arguments inside a call. *)
module Closure : sig
  type argv
  (** The arguments and result of one invocation. Valid only during the
      callback; any use after it returns raises [Invalid_argument]. *)

  val create : (argv -> unit) -> g_closure
  (** [create f] is a GClosure that calls [f] on each invocation. [f] runs
      with the domain lock held; an exception it raises goes to
      {!Gclosure.set_exception_handler}'s handler and never crosses C frames.
      After the closure is invalidated (its signal handler disconnected and
      last reference dropped, or {!Gclosure.shutdown}), it calls nothing.
      @raise Gclosure.Closed after {!Gclosure.shutdown}. *)

  val nargs : argv -> int
  (** How many arguments, the instance included for signals. *)

  val nth : argv -> pos:int -> g_value
  (** The [pos]-th argument (0 is the emitting instance for signals).
      @raise Invalid_argument when [pos] is out of range. *)

  val get : argv -> pos:int -> data_get
  (** [get argv ~pos] is [Value.get (nth argv ~pos)]. *)

  val get_args : argv -> data_get list
  (** All the arguments, in order. *)

  val get_type : argv -> pos:int -> g_type
  (** The GType of the [pos]-th argument. *)

  val result : argv -> g_value
  (** The value for the result. @raise Invalid_argument when the invocation
      expects none. *)

  val get_result_type : argv -> g_type
  (** The expected result type ([G_TYPE_NONE] when none is expected). *)

  val set_result : argv -> 'a data_set -> unit
  (** Sets the result. @raise Invalid_argument when none is expected or the
      value does not fit the expected type. *)
end

(** {1 Signals} *)

(** Connecting closures to signals, disconnecting them, emitting. *)
module Signal : sig
  type id
  (** A connected handler. *)

  val connect_by_name :
    'a obj -> name:string -> callback:g_closure -> after:bool -> id
  (** Connects the closure to the named signal (a detail such as
      ["notify::label"] is allowed).
      @raise Invalid_argument naming the signal and class when unknown. *)

  val disconnect : 'a obj -> id -> unit
  (** Disconnects the handler. @raise Invalid_argument when not connected. *)

  val emit_by_name : 'a obj -> name:string -> params:unit data_set list -> data_get
  (** Emits the signal with those parameters (the instance excluded) and
      returns its result ([`NONE] for a void signal).
      @raise Invalid_argument naming the signal, or the parameter whose type
      does not fit, or a wrong number of parameters; and for GtkWidget's own
      signals that are not actions ([map], [realize], [show],
      [destroy]...), which only GTK emits. *)
end

(** {1 Properties} *)

(** Reading and writing object properties by name. *)
module Property : sig
  val set_dyn : 'a obj -> string -> 'b data_set -> unit
  (** [set_dyn o "label" (`STRING (Some "Hi"))] sets a property, converting
      to its type. Notify handlers run before it returns.
      @raise Invalid_argument naming the class and property when unknown,
      not writable, or when the value does not fit the property's type;
      also for [`STRING None] into a string property whose default is not
      NULL, a widget that is the object itself or one of its ancestors (a
      cycle), a toplevel into a property not typed for one, and [visible]
      set on a popover that has no parent. *)

  val get_dyn : 'a obj -> string -> data_get
  (** The property's current value.
      @raise Invalid_argument naming the class and property when unknown or
      not readable. *)

  val get_type : 'a obj -> string -> g_type
  (** The property's value type. @raise Invalid_argument when unknown. *)

  val notify : 'a obj -> string -> unit
  (** Emits ["notify::<name>"] on the object. *)
end

(** {1 Typed conversions} *)

type 'a data_conv = {
  kind : string;  (** the GType name the conversion is meant for *)
  proj : data_get -> 'a;  (** reads; raises [Invalid_argument] on another kind *)
  inj : 'a -> unit data_set;  (** writes *)
}
(** A conversion between OCaml values and GValue contents, as in lablgtk. *)

(** Conversions for the basic kinds, e.g.
    [Data.int.proj (Property.get_dyn o "spacing")] or
    [Property.set_dyn o "label" (Data.string.inj "Hi")]. Enums and flags
    are by value. *)
module Data : sig
  val boolean : bool data_conv
  (** [gboolean]. *)

  val char : char data_conv
  (** [gchar]. *)

  val uchar : char data_conv
  (** [guchar]. *)

  val int : int data_conv
  (** [gint]. *)

  val uint : int data_conv
  (** [guint]. *)

  val long : int data_conv
  (** [glong]. *)

  val ulong : int data_conv
  (** [gulong]. *)

  val int32 : int32 data_conv
  (** [gint] as an [int32]. *)

  val uint32 : int32 data_conv
  (** [guint] as an [int32] (the same bits). *)

  val int64 : int64 data_conv
  (** [gint64]. *)

  val uint64 : int64 data_conv
  (** [guint64] as an [int64] (the same bits). *)

  val float : float data_conv
  (** [gfloat]. *)

  val double : float data_conv
  (** [gdouble]. *)

  val string : string data_conv
  (** [`STRING None] reads as [""]. *)

  val string_option : string option data_conv
  (** A string that may be NULL ([None]). *)

  val enum : int data_conv
  (** Any enum, by its integer value. *)

  val flags : int data_conv
  (** Any flags type, by its integer value. *)

  val gobject : 'a obj data_conv
  (** Raises [Invalid_argument] on a NULL object. *)

  val gobject_option : 'a obj option data_conv
  (** An object that may be NULL ([None]). *)

  val caml : 'a data_conv
  (** Any OCaml value, in a GValue of type [GclosureCaml] (rooted while the
      GValue holds it). Unsafe like [Obj.magic]: [proj] trusts the caller
      about the type. *)
end
