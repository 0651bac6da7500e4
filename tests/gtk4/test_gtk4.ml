(* The Gtk4 module: misuse is a clear Invalid_argument, widgets and signals
   work, the application's main loop runs closures (signals and sources). *)

let expect_invalid = Check.expect_invalid_arg

external start_emitters : 'a Gobject.obj -> string -> int -> int -> unit = "test_start_emitters"
external join_emitters : unit -> unit = "test_join_emitters"

let () =
  Check.case "before Gtk4.init: not initialised, widgets refused naming Gtk4.init" (fun () ->
      assert (not (Gtk4.is_initialized ()));
      expect_invalid ~mentions:[ "Gtk4.Label.create"; "Gtk4.init" ] (fun () -> Gtk4.Label.create ());
      expect_invalid ~mentions:[ "Gtk4.Button.create"; "Gtk4.init" ] (fun () -> Gtk4.Button.create ()));
  Check.case "an invalid application id is refused, naming it" (fun () ->
      expect_invalid ~mentions:[ "Gtk4.Application.create"; "\"not an id\""; "not a valid application id" ]
        (fun () -> Gtk4.Application.create ~id:"not an id" ()));
  Gtk4.init ();
  Check.case "Gtk4.init: initialised, and idempotent" (fun () ->
      assert (Gtk4.is_initialized ());
      Gtk4.init ());
  Check.case "labels: create, set_text, get_text (UTF-8)" (fun () ->
      let l = Gtk4.Label.create ~text:"a" () in
      assert (Gtk4.Label.get_text l = "a");
      Gtk4.Label.set_text l "héllo ✓";
      assert (Gtk4.Label.get_text l = "héllo ✓"));
  Check.case "buttons: clicked runs the callback, which receives the button" (fun () ->
      let b = Gtk4.Button.create ~label:"Go" () in
      assert (Gtk4.Button.get_label b = "Go");
      let n = ref 0 and same = ref true in
      let id = Gtk4.Button.on_clicked b (fun b' -> incr n; same := !same && b' = b) in
      for _ = 1 to 3 do Gtk4.Button.clicked b done;
      assert (!n = 3 && !same);
      Gobject.Signal.disconnect b id;
      Gtk4.Button.clicked b;
      assert (!n = 3));
  Check.case "entries: insert_text and set_text emit changed; get_text reads them" (fun () ->
      let e = Gtk4.Entry.create ~placeholder:"type" () in
      let seen = ref [] in
      ignore (Gtk4.Entry.on_changed e (fun e -> seen := Gtk4.Entry.get_text e :: !seen));
      let p = Gtk4.Entry.insert_text e "ab" ~pos:0 in
      assert (p = 2);
      let p = Gtk4.Entry.insert_text e "✓" ~pos:p in
      assert (p = 3);
      assert (Gtk4.Entry.insert_text e "<" ~pos:0 = 1);
      assert (Gtk4.Entry.get_text e = "<ab✓");
      Gtk4.Entry.set_text e "new";
      assert (Gtk4.Entry.get_text e = "new");
      assert (List.mem "<ab✓" !seen && List.hd !seen = "new");
      expect_invalid ~mentions:[ "Gtk4.Entry.insert_text"; "position 9" ] (fun () ->
          Gtk4.Entry.insert_text e "x" ~pos:9));
  Check.case "a release queued by the GC runs no OCaml code before an external has read its arguments"
    (fun () ->
      (* An external's string and handle arguments point into OCaml blocks
         that a minor GC moves. A widget's last unref, queued by its
         handle's finalizer, emits "destroy"; if that ran at the start of
         the next external, the handler's GC and allocations would move and
         overwrite the young string argument before the external read it. *)
      let o = Gobject.unsafe_create ~classe:"GSimpleAction" [ ("name", `STRING (Some "kept")) ] in
      let fired = ref 0 in
      Gc.minor () (* an empty minor heap: the label's handle stays young until the next one *);
      (let l = Gtk4.Label.create ~text:"bye" () in
       let callback =
         Gobject.Closure.create (fun _ ->
             incr fired;
             Gc.minor ();
             ignore (Sys.opaque_identity (List.init 60_000 Fun.id)))
       in
       ignore (Gobject.Signal.connect_by_name l ~name:"destroy" ~callback ~after:false));
      Gc.minor () (* the label's handle dies young: its unref is queued; o is promoted *);
      let name = String.concat "" [ "na"; "me" ] (* young, made by OCaml code *) in
      let got = Gobject.Property.get_dyn o name in
      if got <> `STRING (Some "kept") then failwith "wrong value read";
      Gclosure.flush ();
      if !fired = 0 then (Gc.full_major (); Gclosure.flush ());
      if !fired <> 1 then failwith (Printf.sprintf "destroy ran %d times after the flush" !fired));
  Check.case "an object of the wrong class is refused, naming both classes" (fun () ->
      let b = Gtk4.Button.create () in
      expect_invalid ~mentions:[ "Gtk4.Label.set_text"; "expected a GtkLabel, got a GtkButton" ] (fun () ->
          Gtk4.Label.set_text (Obj.magic b : Gtk4.label) "x");
      expect_invalid ~mentions:[ "Gtk4.Label.of_obj"; "GtkLabel"; "GtkButton" ] (fun () -> Gtk4.Label.of_obj b);
      let o = Gobject.unsafe_create ~classe:"GCancellable" [] in
      expect_invalid ~mentions:[ "Gtk4.Widget.is_mapped"; "GtkWidget"; "GCancellable" ] (fun () ->
          Gtk4.Widget.is_mapped (Obj.magic o : Gtk4.widget));
      assert (Gtk4.Button.of_obj b = b));
  Check.case "a child with a parent, or a window as a child, is refused" (fun () ->
      let box = Gtk4.Box.create ~orientation:`HORIZONTAL ~spacing:4 () in
      let other = Gtk4.Box.create () in
      let l = Gtk4.Label.create () in
      Gtk4.Box.append box l;
      expect_invalid ~mentions:[ "Gtk4.Box.append"; "already has a parent"; "GtkBox" ] (fun () ->
          Gtk4.Box.append other l);
      expect_invalid ~mentions:[ "Gtk4.Box.create"; "spacing -1" ] (fun () -> Gtk4.Box.create ~spacing:(-1) ());
      expect_invalid ~mentions:[ "Gtk4.Widget.set_margin" ] (fun () -> Gtk4.Widget.set_margin box (-3)));
  Check.case "a screenshot of an unmapped widget is refused" (fun () ->
      expect_invalid ~mentions:[ "Gtk4.Widget.screenshot"; "not mapped" ] (fun () ->
          Gtk4.Widget.screenshot (Gtk4.Label.create ()) "/tmp/never.png"));
  let app = Gtk4.Application.create ~unique:false ~id:"org.ocaml_gclosure.TestGtk4" () in
  Check.case "windows are refused before the application has started" (fun () ->
      expect_invalid ~mentions:[ "Gtk4.Window.create"; "activate" ] (fun () -> Gtk4.Window.create app));
  let log = ref [] in
  let note s = log := s :: !log in
  let activated = ref 0 in
  ignore
    (Gtk4.Application.on_activate app (fun app ->
         incr activated;
         let w = Gtk4.Window.create ~title:"test" ~default_size:(200, 100) app in
         assert (Gtk4.Window.get_title w = "test");
         let w2 = Gtk4.Window.create app in
         (match Gtk4.Window.set_child w w2 with
          | () -> note "window accepted as a child"
          | exception Invalid_argument m when Check.contains m "toplevel" -> note "toplevel refused");
         (* The application runs while it has windows. *)
         Gtk4.Window.destroy w2;
         (match Gtk4.Application.run app with
          | _ -> note "nested run accepted"
          | exception Invalid_argument m when Check.contains m "already running" -> note "nested run refused");
         let b = Gtk4.Button.create ~label:"b" () in
         Gtk4.Window.set_child w b;
         assert (Gtk4.Widget.root b = Some w);
         let ticks = ref 0 in
         ignore
           (Gtk4.Timeout.add ~ms:5 (fun () ->
                incr ticks;
                !ticks < 3 || (note "timeout ran 3 times"; false)));
         let never = Gtk4.Timeout.add ~ms:60_000 (fun () -> note "never"; false) in
         assert (Gtk4.remove_source never);
         assert (not (Gtk4.remove_source never));
         ignore
           (Gtk4.Widget.on_map w (fun w ->
                note "mapped";
                ignore
                  (Gtk4.Timeout.add ~ms:50 (fun () ->
                       if !ticks >= 3 then (Gtk4.Window.destroy w; false) else true))));
         Gtk4.Window.present w));
  (* A watchdog, so that a bug fails the test instead of hanging it. *)
  let watchdog = Gtk4.Timeout.add ~ms:30_000 (fun () -> note "watchdog"; Gtk4.Application.quit app; false) in
  let status = Gtk4.Application.run app in
  ignore (Gtk4.remove_source watchdog);
  Check.case "the main loop ended by itself (no watchdog)" (fun () -> assert (not (List.mem "watchdog" !log)));
  Check.case "the application ran: activate once, status 0" (fun () -> assert (status = 0 && !activated = 1));
  Check.case "in activate: a window as a child and a nested run are refused" (fun () ->
      assert (List.mem "toplevel refused" !log);
      assert (List.mem "nested run refused" !log));
  Check.case "the window was mapped; the timeout ran until it returned false; a removed one never" (fun () ->
      assert (List.mem "mapped" !log);
      assert (List.mem "timeout ran 3 times" !log);
      assert (not (List.mem "never" !log)));
  Check.case "during Application.run, GLib threads OCaml never saw run OCaml callbacks" (fun () ->
      let app = Gtk4.Application.create ~unique:false ~id:"org.ocaml_gclosure.ThreadsTest" () in
      let o = Gobject.unsafe_create ~classe:"GCancellable" [] in
      let calls = Atomic.make 0 and total = 4 * 2_000 in
      ignore
        (Gobject.Signal.connect_by_name o ~name:"cancelled" ~after:false
           ~callback:(Gobject.Closure.create (fun _ -> Atomic.incr calls)));
      let t0 = Unix.gettimeofday () in
      ignore
        (Gtk4.Application.on_activate app (fun app ->
             (* a window keeps the application running until quit *)
             Gtk4.Window.present (Gtk4.Window.create ~title:"threads" app);
             start_emitters o "cancelled" 4 2_000;
             ignore
               (Gtk4.Timeout.add ~ms:10 (fun () ->
                    let finished = Atomic.get calls >= total || Unix.gettimeofday () -. t0 > 20. in
                    if finished then Gtk4.Application.quit app;
                    not finished))));
      ignore (Gtk4.Application.run app);
      (* all counted while the main loop ran, not after it returned *)
      let during = Atomic.get calls in
      join_emitters ();
      if during <> total then failwith (Printf.sprintf "%d of %d callbacks ran during the main loop" during total));
  Check.case "a boolean-returning GTK signal: GtkWindow::close-request gets set_result's value" (fun () ->
      Gtk4.init ();
      let w = Gobject.unsafe_create ~classe:"GtkWindow" [ ("title", `STRING (Some "t")) ] in
      let types = ref [] in
      let keep_open = ref true in
      let callback =
        Gobject.Closure.create (fun argv ->
            types := Gobject.Type.name (Gobject.Closure.get_result_type argv) :: !types;
            Gobject.Closure.set_result argv (`BOOL !keep_open))
      in
      ignore (Gobject.Signal.connect_by_name w ~name:"close-request" ~callback ~after:false);
      assert (Gobject.Signal.emit_by_name w ~name:"close-request" ~params:[] = `BOOL true);
      keep_open := false;
      assert (Gobject.Signal.emit_by_name w ~name:"close-request" ~params:[] = `BOOL false);
      assert (!types = [ "gboolean"; "gboolean" ]);
      expect_invalid ~mentions:[ "set_result"; "`INT"; "gboolean" ] (fun () ->
          let err = ref None in
          let cb = Gobject.Closure.create (fun argv -> try Gobject.Closure.set_result argv (`INT 1) with e -> err := Some e) in
          ignore (Gobject.Signal.connect_by_name w ~name:"close-request" ~callback:cb ~after:true);
          ignore (Gobject.Signal.emit_by_name w ~name:"close-request" ~params:[]);
          Option.iter raise !err));
  Gclosure.shutdown ();
  Check.case "after shutdown: live = 0, and Gtk4 calls raise Closed" (fun () ->
      assert ((Gclosure.stats ()).live = 0);
      match Gtk4.Label.create () with
      | _ -> failwith "no exception"
      | exception Gclosure.Closed -> ());
  ignore (Sys.opaque_identity app);
  Check.finish "test_gtk4"
