(** A small GTK 4 binding: enough to write a real application.

    {[
      let () =
        let app = Gtk4.Application.create ~id:"org.example.Hello" () in
        ignore
          (Gtk4.Application.on_activate app (fun app ->
               let w = Gtk4.Window.create ~title:"Hello" ~default_size:(300, 100) app in
               let b = Gtk4.Button.create ~label:"Quit" () in
               ignore (Gtk4.Button.on_clicked b (fun b ->
                   Option.iter Gtk4.Window.destroy (Gtk4.Widget.root b)));
               Gtk4.Window.set_child w b;
               Gtk4.Window.present w));
        exit (Gtk4.Application.run app)
    ]}

    Objects are {!Gobject.obj} values: each holds one GLib reference, which
    is dropped at a safe point after the GC collects it (never inside the
    GC). Every [on_*] function is a thin wrapper over
    {!Gobject.Closure.create} and {!Gobject.Signal.connect_by_name}, so the
    callbacks follow {!Gclosure}'s rules: they run with the domain lock
    held, their exceptions go to {!Gclosure.set_exception_handler}'s
    handler, and after {!Gclosure.shutdown} they do nothing.

    {b Callbacks receive the emitting object}, so they need not capture it.
    A callback that captures the object it is connected to (or its window)
    makes a cycle that neither GC can see: the object holds the closure,
    whose root holds the OCaml value, which holds the object. Such a cycle
    lives until {!Gclosure.shutdown}.

    Every GTK function must be called from the thread that initialised GTK
    ({!init} or the application's startup), after that initialisation;
    otherwise, and for an object of the wrong class, it raises
    [Invalid_argument] naming the function. *)

(** {1 Types}

    The phantom type parameter lists what an object is, as in lablgtk:
    functions on widgets take [[> `widget] Gobject.obj], so any widget
    fits. *)

type widget = [ `widget ] Gobject.obj
(** Any GtkWidget. *)

type application = [ `application ] Gobject.obj
(** A GtkApplication. *)

type window = [ `widget | `window ] Gobject.obj
(** A GtkWindow (those made by {!Window.create} are GtkApplicationWindows). *)

type box = [ `widget | `box ] Gobject.obj
(** A GtkBox. *)

type button = [ `widget | `button ] Gobject.obj
(** A GtkButton. *)

type label = [ `widget | `label ] Gobject.obj
(** A GtkLabel. *)

type entry = [ `widget | `entry ] Gobject.obj
(** A GtkEntry. *)

type frame_clock = [ `frame_clock ] Gobject.obj
(** A GdkFrameClock: its signals (["after-paint"], ...) can be connected
    with {!Gobject.Signal.connect_by_name}. *)

type orientation = [ `HORIZONTAL | `VERTICAL ]
(** How a {!Box} lays out its children. *)

type source_id
(** A GLib main-loop source made by {!Timeout.add} or {!Idle.add}. *)

(** {1 Initialisation} *)

val init : unit -> unit
(** Initialises GTK on the calling thread, which becomes GTK's thread.
    Idempotent. Optional with an {!Application}: its startup initialises
    GTK too; call [init] first to make widgets before {!Application.run}.
    @raise Failure when no display can be opened.
    @raise Invalid_argument when another thread initialised GTK. *)

val is_initialized : unit -> bool
(** Whether GTK is initialised on the calling thread. *)

(** {1 Applications} *)

(** The GtkApplication: creation, running its main loop, quitting. *)
module Application : sig
  val create : ?unique:bool -> id:string -> unit -> application
  (** [create ~id:"org.example.App" ()] is a new GtkApplication. With
      [unique] (the default), when the session bus already has a running
      instance with that id, {!run} hands the activation over to it and
      returns; [~unique:false] makes every process an instance of its own
      (for tests and scripted runs).
      @raise Invalid_argument when [id] is not a valid application id. *)

  val on_activate : application -> (application -> unit) -> Gobject.Signal.id
  (** Connects to ["activate"], emitted by {!run} once the application has
      started: the place to make and present its windows. *)

  val run : ?argv:string array -> application -> int
  (** Runs the main loop until the application quits ({!quit}, or its last
      window is destroyed) and returns the exit status. [argv] (default:
      the program's name only) is parsed by GApplication, which rejects
      options it does not know. The domain lock is released while the
      loop waits: other OCaml threads run meanwhile, and each callback takes
      the lock back for its call (on this thread, or on a GLib thread that
      emits a signal).
      @raise Invalid_argument when an application is already running on
      this thread. *)

  val quit : application -> unit
  (** Makes {!run} return. Windows are not destroyed. *)
end

(** {1 Widgets} *)

(** What every widget can do. *)
module Widget : sig
  val as_widget : [> `widget ] Gobject.obj -> widget
  (** Forgets what else the widget is. *)

  val of_obj : 'a Gobject.obj -> widget
  (** A checked cast. @raise Invalid_argument when it is not a GtkWidget. *)

  val is_mapped : [> `widget ] Gobject.obj -> bool
  (** Whether the widget is mapped (shown on a shown window). *)

  val queue_draw : [> `widget ] Gobject.obj -> unit
  (** Asks for a new frame in which the widget is redrawn. *)

  val set_margin : [> `widget ] Gobject.obj -> int -> unit
  (** Sets the same margin, in pixels, on the four sides.
      @raise Invalid_argument when negative or too large. *)

  val root : [> `widget ] Gobject.obj -> window option
  (** The window the widget is in, if any. *)

  val frame_clock : [> `widget ] Gobject.obj -> frame_clock option
  (** The frame clock of the widget's window, once the widget is realized
      (from its ["map"] signal on, say). *)

  val on_map : ([> `widget ] as 'a) Gobject.obj -> ('a Gobject.obj -> unit) -> Gobject.Signal.id
  (** Connects to ["map"], emitted when the widget becomes mapped. *)

  val screenshot : [> `widget ] Gobject.obj -> string -> unit
  (** [screenshot w "file.png"] renders [w] and its children, as they are
      drawn on screen (through its window's own renderer), into a PNG file.
      @raise Invalid_argument when [w] is not mapped yet or the file cannot
      be written. *)
end

(** Application windows. *)
module Window : sig
  val create : ?title:string -> ?default_size:int * int -> application -> window
  (** A new GtkApplicationWindow of the application, not shown yet.
      @raise Invalid_argument before the application has started (make
      windows in its ["activate"] handler). *)

  val set_title : window -> string -> unit
  (** Sets the title. *)

  val get_title : window -> string
  (** The title ([""] when unset). *)

  val set_default_size : window -> int -> int -> unit
  (** [set_default_size w width height]; [-1] leaves a side to GTK. *)

  val set_child : window -> [> `widget ] Gobject.obj -> unit
  (** Puts the widget in the window, replacing the previous child.
      @raise Invalid_argument when the widget already has a parent or is a
      window itself. *)

  val present : window -> unit
  (** Shows the window and raises it. *)

  val destroy : window -> unit
  (** Hides the window and drops GTK's own reference to it; an application
      whose last window goes quits. At the next safe point (the end of the
      running callback, [Gclosure.flush], a GC cycle's end, or the main
      loop's next turn) the library disposes the window, as GTK 3's destroy
      did: its signal handlers are destroyed and its children unparented,
      so a handler that captures its own window no longer keeps it alive.
      Using the window afterwards is like using a disposed GObject. A
      window only hidden (property ["visible"] set to false) is not
      disposed. *)

  val screenshot : window -> string -> unit
  (** {!Widget.screenshot} for a window. *)
end

(** Boxes: widgets laid out in one row or column. *)
module Box : sig
  val create : ?orientation:orientation -> ?spacing:int -> unit -> box
  (** A new box, [`VERTICAL] with no spacing by default.
      @raise Invalid_argument when [spacing] is negative. *)

  val append : box -> [> `widget ] Gobject.obj -> unit
  (** Adds the widget at the end.
      @raise Invalid_argument when it already has a parent or is a window. *)
end

(** Push buttons. *)
module Button : sig
  val create : ?label:string -> unit -> button
  (** A new button, with that text if given. *)

  val set_label : button -> string -> unit
  (** Sets its text. *)

  val get_label : button -> string
  (** Its text ([""] when it has none). *)

  val on_clicked : button -> (button -> unit) -> Gobject.Signal.id
  (** Connects to ["clicked"]. *)

  val clicked : button -> unit
  (** Emits ["clicked"], as a click does. *)

  val of_obj : 'a Gobject.obj -> button
  (** A checked cast. @raise Invalid_argument when it is not a GtkButton. *)
end

(** Read-only text. *)
module Label : sig
  val create : ?text:string -> unit -> label
  (** A new label. *)

  val set_text : label -> string -> unit
  (** Sets its text. *)

  val get_text : label -> string
  (** Its text. *)

  val of_obj : 'a Gobject.obj -> label
  (** A checked cast. @raise Invalid_argument when it is not a GtkLabel. *)
end

(** One-line text entries. *)
module Entry : sig
  val create : ?placeholder:string -> unit -> entry
  (** A new, empty one-line text entry; [placeholder] is shown while it is
      empty. *)

  val get_text : entry -> string
  (** Its text. *)

  val set_text : entry -> string -> unit
  (** Replaces its text (emits ["changed"]). *)

  val insert_text : entry -> string -> pos:int -> int
  (** [insert_text e s ~pos] inserts [s] at character position [pos] ([-1]:
      the end), as typing does (emits ["changed"]), and returns the
      position just after it.
      @raise Invalid_argument when [pos] is outside the text. *)

  val set_position : entry -> int -> unit
  (** Moves the cursor to that character position ([-1]: the end). *)

  val on_changed : entry -> (entry -> unit) -> Gobject.Signal.id
  (** Connects to ["changed"], emitted after each change of the text. *)

  val of_obj : 'a Gobject.obj -> entry
  (** A checked cast. @raise Invalid_argument when it is not a GtkEntry. *)
end

(** {1 Main-loop sources}

    Their callbacks are {!Gobject.Closure}s too (GLib's
    [g_source_set_closure]): after {!Gclosure.shutdown} the source is
    destroyed and the callback never runs again. *)

(** Sources that fire every few milliseconds. *)
module Timeout : sig
  val add : ms:int -> (unit -> bool) -> source_id
  (** [add ~ms f] calls [f] every [ms] milliseconds on the main loop while
      it returns [true]. An exception it raises goes to the exception
      handler and removes the source. *)
end

(** Sources that fire when the main loop is idle. *)
module Idle : sig
  val add : (unit -> bool) -> source_id
  (** [add f] calls [f] whenever the main loop has nothing more urgent to
      do (after pending redraws), while it returns [true]. *)
end

val remove_source : source_id -> bool
(** Removes a source made by {!Timeout.add} or {!Idle.add}; [false] when it
    was gone already. *)
