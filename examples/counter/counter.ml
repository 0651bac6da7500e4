(* A GTK4 app in OCaml over ocaml-gclosure: a button whose clicks a label
   counts, an entry whose text another label mirrors, and a quit button.

   counter.exe                      runs on your display until you quit
   counter.exe --scripted N --type TEXT --screenshot FILE.png
                                    clicks the button N times and types TEXT
                                    (real GTK signal emissions), waits until
                                    the window is drawn, saves a screenshot,
                                    prints the labels, quits and prints the
                                    closure statistics.

   Every callback is a Gobject.Closure (Gtk4.Button.on_clicked and friends
   are thin wrappers over Gobject.Closure.create and
   Gobject.Signal.connect_by_name). Callbacks get their emitter as argument,
   and none captures the window, so closing the window frees every widget
   and releases every closure without Gclosure.shutdown. *)

type script = { clicks : int; text : string; screenshot : string; timeout : int }

let print_stats what =
  let s = Gclosure.stats () in
  Printf.printf "%s: live=%d pending_release=%d released=%d invalidated=%d\n%!" what s.live
    s.pending_release s.released s.invalidated

(* The characters of a UTF-8 string, each as a string. *)
let utf8_chars s =
  let rec go i acc =
    if i >= String.length s then List.rev acc
    else
      let n = Uchar.utf_decode_length (String.get_utf_8_uchar s i) in
      go (i + n) (String.sub s i n :: acc)
  in
  go 0 []

(* The scripted run, once the window has been drawn: click, type, wait for
   the next frame, take the screenshot, print, close. *)
let run_script script ~failed ~finish (win : Gtk4.window) ~button ~entry ~count_label ~mirror_label =
  let after_next_paint k =
    match Gtk4.Widget.frame_clock win with
    | None ->
      prerr_endline "counter: the window has no frame clock";
      failed := true;
      finish win
    | Some clock ->
      let id = ref None in
      let callback =
        (* Captures the clock: a cycle, broken by the disconnect. *)
        Gobject.Closure.create (fun _ ->
            Option.iter (Gobject.Signal.disconnect clock) !id;
            id := None;
            (* Leave the paint cycle before doing more. *)
            ignore (Gtk4.Idle.add (fun () -> k (); false)))
      in
      id := Some (Gobject.Signal.connect_by_name clock ~name:"after-paint" ~callback ~after:true);
      Gtk4.Widget.queue_draw win (* makes sure a frame comes *)
  in
  after_next_paint (fun () ->
      Printf.printf "window mapped and drawn: %b\n%!" (Gtk4.Widget.is_mapped win);
      for _ = 1 to script.clicks do Gtk4.Button.clicked button done;
      let pos = ref 0 in
      List.iter (fun c -> pos := Gtk4.Entry.insert_text entry c ~pos:!pos) (utf8_chars script.text);
      Gtk4.Entry.set_position entry (-1);
      after_next_paint (fun () ->
          (match Gtk4.Window.screenshot win script.screenshot with
           | () -> Printf.printf "screenshot: %s\n" script.screenshot
           | exception Invalid_argument m ->
             Printf.printf "screenshot failed: %s\n" m;
             failed := true);
          Printf.printf "count label: %s\n" (Gtk4.Label.get_text count_label);
          Printf.printf "mirror label: %s\n%!" (Gtk4.Label.get_text mirror_label);
          finish win))

let activate ~script ~failed app =
  let win =
    Gtk4.Window.create ~title:"ocaml-gclosure counter" ~default_size:(360, 260) app
  in
  let box = Gtk4.Box.create ~orientation:`VERTICAL ~spacing:12 () in
  Gtk4.Widget.set_margin box 16;
  let count_label = Gtk4.Label.create ~text:"Clicks: 0" () in
  let button = Gtk4.Button.create ~label:"Click me" () in
  let entry = Gtk4.Entry.create ~placeholder:"Type here" () in
  let mirror_label = Gtk4.Label.create () in
  let quit = Gtk4.Button.create ~label:"Quit" () in
  List.iter (Gtk4.Box.append box)
    Gtk4.Widget.[ as_widget count_label; as_widget button; as_widget entry;
                  as_widget mirror_label; as_widget quit ];
  Gtk4.Window.set_child win box;
  let clicks = ref 0 in
  ignore
    (Gtk4.Button.on_clicked button (fun _ ->
         incr clicks;
         Gtk4.Label.set_text count_label (Printf.sprintf "Clicks: %d" !clicks)));
  ignore (Gtk4.Entry.on_changed entry (fun e -> Gtk4.Label.set_text mirror_label (Gtk4.Entry.get_text e)));
  ignore
    (Gtk4.Button.on_clicked quit (fun b -> Option.iter Gtk4.Window.destroy (Gtk4.Widget.root b)));
  Option.iter
    (fun script ->
      (* A watchdog: the script must be done in time. *)
      let watchdog =
        Gtk4.Timeout.add ~ms:(script.timeout * 1000) (fun () ->
            Printf.eprintf "counter: the scripted run timed out after %d s\n%!" script.timeout;
            failed := true;
            Gtk4.Application.quit app;
            false)
      in
      let finish win =
        ignore (Gtk4.remove_source watchdog);
        (* Closing the last window ends Gtk4.Application.run. *)
        Gtk4.Window.destroy win
      in
      ignore
        (Gtk4.Widget.on_map win (fun win ->
             run_script script ~failed ~finish win ~button ~entry ~count_label ~mirror_label)))
    script;
  Gtk4.Window.present win

(* In a function of its own so that nothing refers to the application after
   it: the GC can collect it, and its "activate" closure with it. *)
let run_app script =
  let failed = ref false in
  (* A scripted run must not hand over to a copy already running on the
     user's session bus. *)
  let app = Gtk4.Application.create ~unique:(script = None) ~id:"org.ocaml_gclosure.Counter" () in
  ignore (Gtk4.Application.on_activate app (activate ~script ~failed));
  let status = Gtk4.Application.run app in
  (status, !failed)

let () =
  let clicks = ref None and text = ref "" and shot = ref "counter.png" and timeout = ref 60 in
  Arg.parse
    [ ("--scripted", Arg.Int (fun n -> clicks := Some n), "N  click N times, type, screenshot, quit");
      ("--type", Arg.Set_string text, "TEXT  what to type into the entry (scripted mode)");
      ("--screenshot", Arg.Set_string shot, "FILE  where to save the PNG (scripted mode)");
      ("--timeout", Arg.Set_int timeout, "SECONDS  give up (exit 1) after this long (scripted mode, default 60)") ]
    (fun a -> raise (Arg.Bad ("unexpected argument " ^ a)))
    "counter.exe [--scripted N [--type TEXT] [--screenshot FILE.png] [--timeout SECONDS]]";
  let script = Option.map (fun clicks -> { clicks; text = !text; screenshot = !shot; timeout = !timeout }) !clicks in
  (match script with
   | Some s when s.clicks < 0 -> prerr_endline "counter: --scripted needs N >= 0"; exit 2
   | Some s when s.timeout <= 0 -> prerr_endline "counter: --timeout needs SECONDS > 0"; exit 2
   | _ -> ());
  (match Gtk4.init () with
   | () -> ()
   | exception Failure m -> prerr_endline ("counter: " ^ m); exit 2);
  let status, failed = run_app script in
  Printf.printf "application exited with status %d\n" status;
  (* The window is gone and nothing refers to the application or the
     widgets any more. Each GC cycle collects a layer (a widget's handle,
     then the closures it held, then the widgets those captured, ...), and
     Gclosure.flush releases what the layer held; repeat until nothing
     changes. *)
  let rec settle n last =
    Gc.full_major ();
    Gclosure.flush ();
    let s = Gclosure.stats () in
    if n < 10 && s <> last then settle (n + 1) s
  in
  settle 0 (Gclosure.stats ());
  print_stats "stats after the window closed";
  Gclosure.shutdown ();
  print_stats "final stats";
  exit (if status <> 0 || failed then 1 else 0)
