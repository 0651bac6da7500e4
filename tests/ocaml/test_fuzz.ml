(* A seeded random-call test of the safe OCaml API (issue 21).

   test_fuzz.exe SEED CALLS makes CALLS random calls of every safe
   function of Gobject, Gtk4 and Gclosure, with random names and values,
   over real GObject and GTK 4 classes, their properties and signals:
   objects made and dropped, properties set and read, handlers connected
   that read their arguments, set results and sometimes raise, signals
   emitted with 0-3 random parameters, GCs. The unsafe corner
   ([`UNSAFE_POINTER]) is left out, and so are the classes whose own
   constructors crash on default properties (GBinding: the README's
   boundary paragraph).

   A call may raise Invalid_argument or Failure (the library refusing what
   it cannot do): the process goes on. Any other exception fails the run.
   A crash or a hang is caught by the driver (tests/shell/test_fuzz.sh),
   which prints the seed: [test_fuzz.exe SEED CALLS] is the reproduction.
   The first line printed names the seed. *)

open Gobject

let seed = try int_of_string Sys.argv.(1) with _ -> 1
let calls = try int_of_string Sys.argv.(2) with _ -> 2000
let () = Printf.printf "test_fuzz: seed %d, %d calls\n%!" seed calls
let rng = Random.State.make [| seed |]
let int n = Random.State.int rng n
let pick a = a.(int (Array.length a))
let chance n = int n = 0

(* FUZZ_TRACE=1: each call's target on stderr before it runs (to find
   which call of a failing seed crashed). *)
let tracing = Sys.getenv_opt "FUZZ_TRACE" <> None
let trace fmt = Printf.ksprintf (fun s -> if tracing then prerr_endline s) fmt

(* ---- names -------------------------------------------------------------- *)

let classes =
  [| "GObject"; "GCancellable"; "GSimpleAction"; "GSocketClient"; "GNetworkAddress"; "GSocketService";
     "GMenu"; "GSimpleActionGroup"; "GListStore"; "GThemedIcon"; "GEmblem"; "GPropertyAction";
     "GtkButton"; "GtkLabel"; "GtkEntry"; "GtkBox"; "GtkFrame"; "GtkWindow"; "GtkCheckButton";
     "GtkToggleButton"; "GtkSpinButton"; "GtkText"; "GtkSwitch"; "GtkImage"; "GtkProgressBar";
     "GtkRevealer"; "GtkExpander"; "GtkScrolledWindow"; "GtkPaned"; "GtkCenterBox"; "GtkOverlay";
     "GtkStack"; "GtkTextView"; "GtkGrid"; "GtkListBox"; "GtkPopover"; "GtkSearchEntry";
     "GtkPasswordEntry"; "GtkLevelBar"; "GtkCalendar"; "GtkDrawingArea"; "GtkAdjustment";
     "GtkTextBuffer"; "GtkScale"; "GtkLinkButton"; "GtkHeaderBar"; "GtkAspectFrame"; "GtkViewport";
     "GtkSeparator"; "GtkSpinner"; "GtkEditableLabel"; "GtkMenuButton"; "GtkStringList";
     "GtkApplicationWindow"; "GtkDialog"; "GtkGestureClick"; "GtkEventControllerKey";
     (* not classes, or not instantiable, or not there: refused by name *)
     "GFile"; "GtkWidget"; "GInitiallyUnowned"; "GtkRoot"; "GListModel"; "NoSuchClass"; "g_variant";
     "gtk_button"; "GIoExtension"; "CairoPattern"; "gchararray"; "gint"; "GVariant"; "GParamSpec";
     ""; "caf\xe9"; "Gtk\000Button"; "GSocket" (* construct-only fd: init fails, a Failure *) |]

(* Type names made of a library's prefix and a word: what a lookup through
   a derived `_get_type` symbol may meet (g_variant_get_type, cairo's,
   fribidi_get_type, OCaml externals such as ml_gobject_get_type all take
   an argument). *)
let composite_name () =
  pick [| "G"; "Gtk"; "Gdk"; "Gsk"; "Pango"; "Cairo"; "Ml"; "Caml"; "Hb"; "Graphene"; "Fribidi"; "Fc"; "Xkb"; "Gclosure"; "Boxroot"; "" |]
  ^ pick [| "Variant"; "IoExtension"; "Object"; "Pattern"; "Surface"; "Gobject"; "GobjectValue"; "GobjectClosure";
            "GobjectProperty"; "Type"; "Value"; "Closure"; "Device"; "FontFace"; "ScaledFont"; "Widget"; "Caml"; "" |]

let properties =
  [| "label"; "text"; "child"; "visible"; "sensitive"; "name"; "orientation"; "spacing";
     "margin-start"; "margin-top"; "halign"; "valign"; "hexpand"; "width-request"; "height-request";
     "tooltip-text"; "tooltip-markup"; "use-underline"; "active"; "value"; "adjustment"; "title";
     "transient-for"; "modal"; "default-widget"; "focus-widget"; "titlebar"; "label-widget";
     "mnemonic-widget"; "placeholder-text"; "buffer"; "editable"; "max-length"; "visibility";
     "hostname"; "port"; "timeout"; "family"; "enabled"; "parameter-type"; "state"; "item-type";
     "reveal-child"; "expanded"; "start-child"; "end-child"; "position"; "fraction"; "digits";
     "popover"; "icon-name"; "uri"; "css-classes"; "opacity"; "lower"; "upper"; "step-increment";
     "page-size"; "selectable"; "wrap"; "xalign"; "ellipsize"; "justify"; "max-width-chars";
     "default-width"; "resizable"; "decorated"; "deletable"; "hide-on-close"; "application";
     "cursor"; "layout-manager"; "root"; "parent"; "focusable"; "can-target"; "overflow";
     "show-text"; "inverted"; "min-value"; "max-value"; "mode"; "climb-rate"; "numeric"; "wrap-mode";
     "center-widget"; "start-widget"; "end-widget"; "homogeneous"; "transition-type"; "visited";
     "no-such-property"; ""; "la\000bel"; "caf\xe9"; "names"; "gicon"; "icon"; "text-length" |]

let signals =
  [| "clicked"; "activate"; "notify"; "notify::label"; "notify::text"; "notify::visible"; "changed";
     "insert-text"; "delete-text"; "destroy"; "show"; "hide"; "map"; "unmap"; "state-flags-changed";
     "direction-changed"; "mnemonic-activate"; "move-focus"; "query-tooltip"; "keynav-failed";
     "toggled"; "value-changed"; "close-request"; "activate-default"; "activate-focus";
     "keys-changed"; "enable-debugging"; "cancelled"; "incoming"; "items-changed"; "copy-clipboard";
     "cut-clipboard"; "paste-clipboard"; "insert-at-cursor"; "preedit-changed"; "activate-link";
     "icon-press"; "icon-release"; "change-state"; "action-added"; "action-removed";
     "action-enabled-changed"; "action-state-changed"; "event"; "day-selected"; "next-month";
     "prev-year"; "output"; "input"; "wrapped"; "change-value"; "move-slider"; "backspace";
     "toggle-overwrite"; "select-all"; "set-anchor"; "popup"; "pressed"; "released"; "stopped";
     "key-pressed"; "modifiers"; "begin-user-action"; "end-user-action"; "mark-set"; "apply-tag";
     "resolved"; "no-such-signal"; ""; "notify::"; "notify::no-such"; "cl\000icked"; "caf\xe9" |]

(* ---- values ------------------------------------------------------------- *)

let pool : unit obj option array = Array.make 24 None

let some_obj () =
  let live = Array.to_list pool |> List.filter_map Fun.id in
  match live with [] -> None | l -> Some (List.nth l (int (List.length l)))

let random_string () =
  match int 10 with
  | 0 -> None
  | 1 -> Some ""
  | 2 -> Some "caf\xe9"
  | 3 -> Some "a\000b"
  | 4 -> Some (String.make 3000 'x')
  | 5 -> Some "h\xc3\xa9llo"
  | 6 -> Some "https://example.invalid/"
  | 7 -> Some (String.init (int 20) (fun _ -> Char.chr (int 256)))
  | _ -> Some (pick [| "x"; "label"; "_Mnemonic"; "<b>markup</b>"; "%s%n"; "0"; "-1"; "1.5" |])

let random_int () =
  match int 8 with
  | 0 -> max_int
  | 1 -> min_int
  | 2 -> -1
  | 3 -> 1 lsl 31
  | 4 -> 1 lsl 40
  | _ -> int 10 - 2

let random_float () = pick [| nan; infinity; neg_infinity; 0.; -1.; 0.5; 1e300; -0.; 3.25 |]

let random_value () : unit data_set =
  match int 19 with
  | 0 -> `BOOL (chance 2)
  | 1 -> `CHAR (Char.chr (int 256))
  | 2 -> `UCHAR (Char.chr (int 256))
  | 3 | 4 -> `INT (random_int ())
  | 5 -> `UINT (random_int ())
  | 6 -> `LONG (random_int ())
  | 7 -> `ULONG (random_int ())
  | 8 -> `INT32 (Int32.of_int (random_int ()))
  | 9 -> `UINT32 (Int32.of_int (random_int ()))
  | 10 -> `INT64 (pick [| Int64.min_int; Int64.max_int; -1L; 0L; 7L |])
  | 11 -> `UINT64 (pick [| -1L; 0L; Int64.max_int; 3L |])
  | 12 -> `FLOAT (random_float ())
  | 13 -> `DOUBLE (random_float ())
  | 14 | 15 -> `STRING (random_string ())
  | 16 -> `OBJECT (if chance 3 then None else some_obj ())
  | 17 -> `CAML (Obj.repr (if chance 2 then `Some_value (int 10) else Obj.magic 0))
  | _ -> `POINTER (if chance 2 then None else Some (Nativeint.of_int (int 100000)))

(* ---- what a call may do ------------------------------------------------- *)

let tally = Hashtbl.create 8
let count what = Hashtbl.replace tally what (1 + Option.value ~default:0 (Hashtbl.find_opt tally what))

let store o = pool.(int (Array.length pool)) <- Some (o : unit obj)

let with_obj f = match some_obj () with None -> () | Some o -> f o

let invoked = ref 0

let handler () =
  Closure.create (fun argv ->
      incr invoked;
      match int 6 with
      | 0 -> failwith "a handler raises"
      | 1 -> ignore (Closure.get_args argv)
      | 2 -> (try Closure.set_result argv (random_value ()) with Invalid_argument _ -> ())
      | 3 ->
          let n = Closure.nargs argv in
          if n > 0 then ignore (Closure.get_type argv ~pos:(int n));
          ignore (Closure.get_result_type argv)
      | 4 -> with_obj (fun o -> try ignore (Property.get_dyn o (pick properties)) with Invalid_argument _ -> ())
      | _ -> ())

(* Handlers connected (object, id, signal), so that emissions often reach one. *)
let ids : (unit obj * Signal.id * string) list ref = ref []

let one_call () =
  match int 24 with
  | 0 | 1 | 2 ->
      let params = List.init (if chance 2 then 0 else int 3) (fun _ -> (pick properties, random_value ())) in
      let classe = pick classes in
      trace "unsafe_create %S [%s]" classe (String.concat "; " (List.map fst params));
      store (unsafe_create ~classe params)
  | 3 | 4 | 5 ->
      with_obj (fun o ->
          let p = if chance 2 then pick [| "label"; "text"; "visible"; "sensitive"; "name"; "enabled"; "active"; "value" |] else pick properties in
          trace "set_dyn %s %S" (Type.name (get_type o)) p;
          Property.set_dyn o p (random_value ()))
  | 6 | 7 -> with_obj (fun o -> ignore (Property.get_dyn o (pick properties)))
  | 8 -> with_obj (fun o -> ignore (Property.get_type o (pick properties)))
  | 9 -> with_obj (fun o -> Property.notify o (pick [| "label"; "text"; "visible"; "name"; "enabled"; "no-such" |]))
  | 10 | 11 ->
      with_obj (fun o ->
          let name =
            if chance 2 then pick [| "notify"; "notify::label"; "notify::visible"; "notify::text"; "clicked"; "activate"; "changed"; "cancelled"; "toggled"; "value-changed" |]
            else pick signals
          in
          let id = Signal.connect_by_name o ~name ~callback:(handler ()) ~after:(chance 2) in
          if List.length !ids > 200 then ids := [];
          ids := (o, id, name) :: !ids)
  | 12 | 13 | 14 ->
      let target =
        match !ids with
        | _ :: _ as l when chance 2 -> let o, _, name = List.nth l (int (List.length l)) in Some (o, name)
        | _ -> Option.map (fun o -> (o, pick signals)) (some_obj ())
      in
      Option.iter (fun (o, name) ->
          let params = List.init (if chance 2 then 0 else int 4) (fun _ -> random_value ()) in
          trace "emit_by_name %s %S (%d)" (Type.name (get_type o)) name (List.length params);
          ignore (Signal.emit_by_name o ~name ~params))
        target
  | 15 -> (
      match !ids with
      | (o, id, _) :: rest ->
          ids := rest;
          Signal.disconnect o id
      | [] -> ())
  | 16 -> with_obj (fun o -> ignore (is_a o (if chance 2 then composite_name () else pick classes)); ignore (Type.name (get_type o)))
  | 17 ->
      let t = Type.from_name (if chance 2 then composite_name () else pick classes) in
      ignore (Type.name t);
      ignore (Type.is_a t (Type.from_name (pick classes)))
  | 18 ->
      let v = Value.create (Type.from_name (pick [| "gint"; "gchararray"; "gpointer"; "gboolean"; "GObject"; "gdouble"; "guint64"; "GtkWidget"; "GclosureCaml"; "gchar" |])) in
      (try Value.set v (random_value ()) with Invalid_argument _ -> ());
      ignore (Value.get v);
      ignore (Value.get_type v)
  | 19 -> (
      trace "Gtk4";
      match int 12 with
      | 0 -> store (Obj.magic (Gtk4.Button.create ?label:(random_string ()) ()))
      | 1 -> store (Obj.magic (Gtk4.Label.create ?text:(random_string ()) ()))
      | 2 -> store (Obj.magic (Gtk4.Entry.create ?placeholder:(random_string ()) ()))
      | 3 -> store (Obj.magic (Gtk4.Box.create ~orientation:(if chance 2 then `HORIZONTAL else `VERTICAL) ~spacing:(random_int ()) ()))
      | 4 -> with_obj (fun o -> Gtk4.Button.set_label (Obj.magic o) (Option.value ~default:"" (random_string ())))
      | 5 -> with_obj (fun o -> Gtk4.Label.set_text (Obj.magic o) (Option.value ~default:"" (random_string ())))
      | 6 -> with_obj (fun o -> Gtk4.Entry.set_text (Obj.magic o) (Option.value ~default:"" (random_string ())))
      | 7 -> with_obj (fun o -> ignore (Gtk4.Entry.insert_text (Obj.magic o) (Option.value ~default:"" (random_string ())) ~pos:(random_int ())))
      | 8 -> with_obj (fun o -> with_obj (fun c -> Gtk4.Box.append (Obj.magic o) (Obj.magic c : Gtk4.widget)))
      | 9 -> with_obj (fun o -> Gtk4.Widget.set_margin (Obj.magic o) (random_int ()))
      | 10 -> with_obj (fun o -> with_obj (fun c -> Gtk4.Window.set_child (Obj.magic o) (Obj.magic c : Gtk4.widget)))
      | 11 when chance 2 ->
          with_obj (fun o ->
              match int 3 with
              | 0 -> ignore (Gtk4.Button.on_clicked (Obj.magic o) (fun _ -> incr invoked; if chance 4 then failwith "raises"))
              | 1 -> ignore (Gtk4.Entry.on_changed (Obj.magic o) (fun _ -> incr invoked))
              | _ -> Gtk4.Button.clicked (Obj.magic o))
      | _ ->
          with_obj (fun o ->
              ignore (Gtk4.Widget.is_mapped (Obj.magic o));
              ignore (Gtk4.Widget.root (Obj.magic o));
              Gtk4.Widget.queue_draw (Obj.magic o);
              ignore (Gtk4.Button.get_label (Obj.magic o))))
  | 20 -> (
      match int 6 with
      | 0 -> with_obj (fun o -> Gtk4.Entry.set_position (Obj.magic o) (random_int ()))
      | 1 -> with_obj (fun o -> ignore (Gtk4.Entry.get_text (Obj.magic o)))
      | 2 -> with_obj (fun o -> ignore (Gtk4.Label.get_text (Obj.magic o)))
      | 3 -> with_obj (fun o -> Gtk4.Window.set_title (Obj.magic o) (Option.value ~default:"" (random_string ())))
      | 4 -> with_obj (fun o -> if chance 2 then Gtk4.Window.present (Obj.magic o) else Gtk4.Window.destroy (Obj.magic o))
      | _ -> ignore (Gtk4.remove_source (Gtk4.Timeout.add ~ms:(int 1000) (fun () -> false))))
  | 21 -> if chance 4 then pool.(int (Array.length pool)) <- None
  | 22 -> (
      match int 4 with
      | 0 -> Gc.minor ()
      | 1 -> Gc.full_major ()
      | 2 -> Gclosure.flush ()
      | _ -> ignore (Gclosure.stats ()))
  | _ when chance 2 -> with_obj (fun o -> ignore (Data.string.proj (Property.get_dyn o (pick properties))))
  | _ ->
      (* A handler that surely runs: on notify, or a button's clicked. *)
      with_obj (fun o ->
          let name, fire =
            if is_a o "GtkButton" then ("clicked", fun () -> ignore (Signal.emit_by_name o ~name:"clicked" ~params:[]))
            else ("notify", fun () -> Property.notify o (pick [| "visible"; "name"; "label"; "enabled" |]))
          in
          let id = Signal.connect_by_name o ~name ~callback:(handler ()) ~after:(chance 2) in
          fire ();
          if chance 2 then Signal.disconnect o id else ids := (o, id, name) :: !ids)

let () =
  Gclosure.set_exception_handler (fun _ -> ());
  (match Gtk4.init () with () -> () | exception Failure m -> Printf.printf "test_fuzz: no display (%s)\n%!" m);
  (* Start with objects in every slot. *)
  Array.iteri (fun i _ -> pool.(i) <- (try Some (unsafe_create ~classe:(pick classes) []) with Invalid_argument _ | Failure _ -> None)) pool;
  let unexpected = ref 0 in
  for i = 1 to calls do
    match one_call () with
    | () -> count "returned"
    | exception Invalid_argument _ -> count "Invalid_argument"
    | exception Failure _ -> count "Failure"
    | exception e ->
        incr unexpected;
        Printf.printf "test_fuzz: seed %d, call %d raised %s\n%!" seed i (Printexc.to_string e)
  done;
  Array.fill pool 0 (Array.length pool) None;
  ids := [];
  Gc.full_major ();
  Gclosure.flush ();
  let get k = Option.value ~default:0 (Hashtbl.find_opt tally k) in
  Printf.printf "test_fuzz: seed %d done: %d calls, %d returned, %d Invalid_argument, %d Failure, %d other; %d closures made, %d invocations\n%!"
    seed calls (get "returned") (get "Invalid_argument") (get "Failure") !unexpected (Gclosure.created ()) !invoked;
  exit (if !unexpected = 0 then 0 else 1)
