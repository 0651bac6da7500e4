(* A Gtk4 application opens N small dialogs, one per idle iteration: a
   window of its application with a box, a label and a "Close" button,
   presented; the program emits "clicked", whose handler destroys the
   window, and drops every handle. After the first third a baseline
   (Memstat.sample); after the rest, 30 idle iterations that each run a
   full major GC and Gclosure.flush (shared/research/lifetime-measurements.md),
   then the figures again.

     mem_dialogs.exe [--capture] [--gc-each] [--no-present] [N]

   By default the handler finds its window from the button it receives
   (Widget.root) and captures nothing, and there is no GC in the loop.
   --capture: the handler captures its window. --gc-each: a full major GC
   and Gclosure.flush after every dialog. Prints one line:
   "dialogs N malloc_per_dialog M rss_per_dialog R live_growth L". *)

open Gtk4

let capture = ref false
let gc_each = ref false
let present = ref true
let dialogs = ref 1200

let () =
  Arg.parse
    [ ("--capture", Arg.Set capture, " the handler captures its window");
      ("--gc-each", Arg.Set gc_each, " a full major GC and a flush after each dialog");
      ("--no-present", Arg.Clear present, " do not present the windows") ]
    (fun s -> dialogs := int_of_string s)
    "mem_dialogs.exe [--capture] [--gc-each] [--no-present] [N]"

let open_dialog app =
  let w = Window.create ~title:"Dialog" app in
  let b = Box.create () in
  let l = Label.create ~text:"Hello there" () in
  let close = Button.create ~label:"Close" () in
  Box.append b l;
  Box.append b close;
  Window.set_child w b;
  let on_close =
    if !capture then fun _ -> Window.destroy w else fun button -> Option.iter Window.destroy (Widget.root button)
  in
  ignore (Button.on_clicked close on_close);
  if !present then Window.present w;
  Button.clicked close

let () =
  let n = !dialogs in
  let first = n / 3 in
  let app = Application.create ~unique:false ~id:"org.ocaml_gclosure.MemDialogs" () in
  ignore
    (Application.on_activate app (fun app ->
         (* Keeps the application running between dialogs. *)
         let main = Window.create ~title:"main" app in
         let i = ref 0 and settling = ref 0 in
         let a = ref None in
         ignore
           (Idle.add (fun () ->
                if !i < n then begin
                  open_dialog app;
                  incr i;
                  if !gc_each then Memstat.settle ();
                  if !i = first then a := Some (Memstat.sample ());
                  true
                end
                else if !settling < 30 then begin
                  Gc.full_major ();
                  Gclosure.flush ();
                  incr settling;
                  true
                end
                else begin
                  let b = Memstat.sample () in
                  let a = Option.get !a in
                  let m, r = Memstat.per ~n:(n - first) a b in
                  Printf.printf "dialogs %d malloc_per_dialog %.0f rss_per_dialog %.0f live_growth %d\n%!" (n - first) m r
                    (b.live - a.live);
                  Window.destroy main;
                  Application.quit app;
                  false
                end))));
  exit (Application.run app)
