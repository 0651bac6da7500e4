(* A small GTK 4 binding. The externals are in src/gtk4/mod.rs; every signal
   goes through Gobject.Closure and Gobject.Signal. *)

type widget = [ `widget ] Gobject.obj
type application = [ `application ] Gobject.obj
type window = [ `widget | `window ] Gobject.obj
type box = [ `widget | `box ] Gobject.obj
type button = [ `widget | `button ] Gobject.obj
type label = [ `widget | `label ] Gobject.obj
type entry = [ `widget | `entry ] Gobject.obj
type frame_clock = [ `frame_clock ] Gobject.obj
type orientation = [ `HORIZONTAL | `VERTICAL ]
type source_id (* a referenced GSource, in a custom block (src/gtk4/mod.rs) *)

external init_ : unit -> bool = "ml_gtk4_init"
external is_initialized : unit -> bool = "ml_gtk4_is_initialized"

let init () =
  if not (init_ ()) then
    failwith
      "Gtk4.init: GTK could not be initialised (no display? set DISPLAY or WAYLAND_DISPLAY, or run under xvfb-run)"

(* The emitting instance of a signal invocation: argument 0. *)
let instance name argv : 'a Gobject.obj =
  match Gobject.Closure.get argv ~pos:0 with
  | `OBJECT (Some o) -> (Obj.magic (o : unit Gobject.obj) : 'a Gobject.obj)
  | _ -> invalid_arg (name ^ ": the signal's instance is not an object")

(* [connect o name f]: f receives the emitter, so it need not capture it. *)
let connect ?(after = false) (o : 'a Gobject.obj) ~name f =
  let callback = Gobject.Closure.create (fun argv -> f (instance name argv)) in
  Gobject.Signal.connect_by_name o ~name ~callback ~after

let cast ~classe ~fn (o : 'a Gobject.obj) : 'b Gobject.obj =
  if Gobject.is_a o classe then (Obj.magic o : 'b Gobject.obj)
  else
    invalid_arg
      (Printf.sprintf "%s: expected a %s, got a %s" fn classe
         (Gobject.Type.name (Gobject.get_type o)))

module Widget = struct
  external is_mapped : [> `widget ] Gobject.obj -> bool = "ml_gtk4_widget_is_mapped"
  external queue_draw : [> `widget ] Gobject.obj -> unit = "ml_gtk4_widget_queue_draw"
  external set_margin : [> `widget ] Gobject.obj -> int -> unit = "ml_gtk4_widget_set_margin"
  external root : [> `widget ] Gobject.obj -> window option = "ml_gtk4_widget_root"
  external frame_clock : [> `widget ] Gobject.obj -> frame_clock option
    = "ml_gtk4_widget_frame_clock"
  external screenshot : [> `widget ] Gobject.obj -> string -> unit = "ml_gtk4_widget_screenshot"

  let as_widget (w : [> `widget ] Gobject.obj) : widget = Obj.magic w
  let of_obj o : widget = cast ~classe:"GtkWidget" ~fn:"Gtk4.Widget.of_obj" o
  let on_map w f = connect w ~name:"map" f
end

module Application = struct
  external create_ : string -> bool -> application = "ml_gtk4_application_create"
  external run_ : application -> string array -> int = "ml_gtk4_application_run"
  external quit : application -> unit = "ml_gtk4_application_quit"

  let create ?(unique = true) ~id () = create_ id unique
  let on_activate app f = connect app ~name:"activate" f
  let run ?(argv = [| Sys.executable_name |]) app = run_ app argv
end

module Window = struct
  external create_ : application -> window = "ml_gtk4_window_create"
  external set_title : window -> string -> unit = "ml_gtk4_window_set_title"
  external get_title : window -> string = "ml_gtk4_window_get_title"
  external set_default_size : window -> int -> int -> unit = "ml_gtk4_window_set_default_size"
  external set_child : window -> [> `widget ] Gobject.obj -> unit = "ml_gtk4_window_set_child"
  external present : window -> unit = "ml_gtk4_window_present"
  external destroy : window -> unit = "ml_gtk4_window_destroy"

  let create ?title ?default_size app =
    let w = create_ app in
    Option.iter (set_title w) title;
    Option.iter (fun (width, height) -> set_default_size w width height) default_size;
    w

  let screenshot (w : window) file = Widget.screenshot w file
end

module Box = struct
  external create_ : int -> int -> box = "ml_gtk4_box_create"
  external append : box -> [> `widget ] Gobject.obj -> unit = "ml_gtk4_box_append"

  let create ?(orientation = `VERTICAL) ?(spacing = 0) () =
    create_ (match (orientation : orientation) with `HORIZONTAL -> 0 | `VERTICAL -> 1) spacing
end

module Button = struct
  external create_ : string option -> button = "ml_gtk4_button_create"
  external set_label : button -> string -> unit = "ml_gtk4_button_set_label"
  external get_label : button -> string = "ml_gtk4_button_get_label"

  let create ?label () = create_ label
  let on_clicked b f = connect b ~name:"clicked" f
  let clicked (b : button) = ignore (Gobject.Signal.emit_by_name b ~name:"clicked" ~params:[])
  let of_obj o : button = cast ~classe:"GtkButton" ~fn:"Gtk4.Button.of_obj" o
end

module Label = struct
  external create_ : string -> label = "ml_gtk4_label_create"
  external set_text : label -> string -> unit = "ml_gtk4_label_set_text"
  external get_text : label -> string = "ml_gtk4_label_get_text"

  let create ?(text = "") () = create_ text
  let of_obj o : label = cast ~classe:"GtkLabel" ~fn:"Gtk4.Label.of_obj" o
end

module Entry = struct
  external create_ : string option -> entry = "ml_gtk4_entry_create"
  external get_text : entry -> string = "ml_gtk4_entry_get_text"
  external set_text : entry -> string -> unit = "ml_gtk4_entry_set_text"
  external insert_text_ : entry -> string -> int -> int = "ml_gtk4_entry_insert_text"
  external set_position : entry -> int -> unit = "ml_gtk4_entry_set_position"

  let create ?placeholder () = create_ placeholder
  let insert_text e text ~pos = insert_text_ e text pos
  let on_changed e f = connect e ~name:"changed" f
  let of_obj o : entry = cast ~classe:"GtkEntry" ~fn:"Gtk4.Entry.of_obj" o
end

(* GLib sources whose callback is a Gobject closure; GLib invokes it with no
   argument and a gboolean result: true keeps the source. *)
let source_closure f =
  Gobject.Closure.create (fun argv -> Gobject.Closure.set_result argv (`BOOL (f ())))

external timeout_add_ : int -> Gobject.g_closure -> source_id = "ml_gtk4_timeout_add"
external idle_add_ : Gobject.g_closure -> source_id = "ml_gtk4_idle_add"
external remove_source : source_id -> bool = "ml_gtk4_remove_source"

module Timeout = struct
  let add ~ms f = timeout_add_ ms (source_closure f)
end

module Idle = struct
  let add f = idle_add_ (source_closure f)
end
