(** GObject types, objects, values, closures and signals, with the names of
    lablgtk's [Gobject] so that code written for lablgtk reads the same. *)

type g_type
(** A registered GType. Values only come from this library. *)

(** GTypes by name. *)
module Type : sig
  val from_name : string -> g_type
  (** [from_name "GtkButton"] is the GType of that name. A class GLib has not
      registered yet is found through its [_get_type] function, as GtkBuilder
      does, so [from_name "GSocketClient"] works in a fresh process.
      @raise Invalid_argument naming the type when there is no such type. *)

  val name : g_type -> string
  (** The registered name of a GType. *)
end
