(* A small GTK 3 app on lablgtk3's public API, scripted so that it ends by
   itself: a text entry, an "Add" button whose handler appends the entry's
   text to a GTree.list_store (a string column and a caml column holding an
   OCaml record), and a tree view of the store.

   The script (a GLib timeout): for i = 1..N (LABLGTK3_APP_ROWS, default 5)
   it types "item i" into the entry and clicks "Add" (button#clicked, the
   "clicked" signal as GTK emits it); then it reads every row back through
   the caml column and checks the records (text, index, and a float that
   only a live OCaml value keeps); then types a last text, and, 0.7 s later (GTK has drawn the
   rows), runs LABLGTK3_APP_SHOT_CMD (a screenshot) if set and destroys the window, whose "destroy" handler
   quits the main loop. Exit status 0 only when every check held. *)

type item = { text : string; index : int; weight : float }

let failures = ref 0
let check what ok =
  Printf.printf "app: %s: %s\n%!" what (if ok then "ok" else "FAILED");
  if not ok then incr failures

let () =
  let rows = try int_of_string (Sys.getenv "LABLGTK3_APP_ROWS") with _ -> 5 in
  ignore (GMain.init ());
  let window = GWindow.window ~title:"lablgtk3 app" ~width:360 ~height:300 () in
  ignore (window#connect#destroy ~callback:GMain.quit);
  let vbox = GPack.vbox ~packing:window#add () in
  let hbox = GPack.hbox ~packing:vbox#pack () in
  let entry = GEdit.entry ~packing:(hbox#pack ~expand:true) () in
  let button = GButton.button ~label:"Add" ~packing:hbox#pack () in
  let cols = new GTree.column_list in
  let name = cols#add Gobject.Data.string in
  let item = cols#add Gobject.Data.caml in
  let store = GTree.list_store cols in
  let scrolled = GBin.scrolled_window ~packing:(vbox#pack ~expand:true) () in
  let view = GTree.view ~model:store ~packing:scrolled#add () in
  let col = GTree.view_column ~title:"Items"
      ~renderer:(GTree.cell_renderer_text [], [ "text", name ]) () in
  ignore (view#append_column col);
  let count = ref 0 in
  ignore (button#connect#clicked ~callback:(fun () ->
    let text = entry#text in
    let row = store#append () in
    store#set ~row ~column:name text;
    store#set ~row ~column:item { text; index = !count; weight = float !count *. 1.5 };
    incr count;
    entry#set_text ""));
  let script () =
    for i = 1 to rows do
      entry#set_text (Printf.sprintf "item %d" i);
      button#clicked ();
      Gc.minor ()
    done;
    check (Printf.sprintf "%d clicks made %d rows" rows rows) (!count = rows);
    check "the entry was cleared by the last click" (entry#text = "");
    let seen = ref 0 and good = ref 0 in
    store#foreach (fun _path iter ->
      let r = store#get ~row:iter ~column:item in
      let t = store#get ~row:iter ~column:name in
      if r.text = t && r.text = Printf.sprintf "item %d" (r.index + 1)
         && r.weight = float r.index *. 1.5 && r.index = !seen then incr good;
      incr seen; false);
    check (Printf.sprintf "the caml column reads back %d records (good: %d)" rows !good)
      (!seen = rows && !good = rows);
    Gc.full_major ();
    entry#set_text "typed, not added";
    (* the screenshot once GTK has drawn the rows (a later turn of the loop) *)
    ignore (GMain.Timeout.add ~ms:700 ~callback:(fun () ->
      (match Sys.getenv_opt "LABLGTK3_APP_SHOT_CMD" with
       | Some cmd -> check "screenshot command" (Sys.command cmd = 0)
       | None -> ());
      window#destroy ();
      false));
    false
  in
  window#show ();
  ignore (GMain.Timeout.add ~ms:300 ~callback:script);
  (* a script that never ends is a failure, not a hang *)
  ignore (GMain.Timeout.add ~ms:60_000 ~callback:(fun () ->
    prerr_endline "app: timed out"; exit 3));
  GMain.main ();
  Printf.printf "app: done: %s\n%!" (if !failures = 0 then "ok" else "FAILED");
  exit (if !failures = 0 then 0 else 1)
