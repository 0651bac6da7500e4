(* Memory per dialog (issue 19, items 2 and 4): a Gtk4 application opens
   and closes a small dialog N times (a window of the application with a
   box, a label and a "Close" button whose handler CAPTURES its window and
   destroys it; "clicked" emitted; every handle dropped), with Gc.full_major
   and Gclosure.flush after each dialog. GTK 4's destroy does not dispose, so
   without the library's dispose of destroyed toplevels each dialog stays
   alive through the cycle window -> button -> handler -> window (about
   31 KB and one closure per dialog before it). The same dialog in C (a C
   handler, dialogs.c) runs first in the same process, as a control.

   Figures: growth per dialog of RSS (VmRSS), of malloc's bytes in use
   (mallinfo2) and of live closures, from a baseline taken after the first
   third of the dialogs (Gc.full_major + Gclosure.flush three times) to the
   end (then 30 more idle turns with a GC and a flush each), as in
   shared/research/lifetime-measurements.md. DIALOGS=N sets N (default 450). *)

let malloc_in_use = Memstat.malloc_in_use
let rss = Memstat.rss
external watch : 'a Gobject.obj -> unit = "dialogs_watch"
external finalized : unit -> int = "dialogs_finalized"
external c_dialog : Gtk4.application -> unit = "dialogs_c_dialog"
external c_finalized : unit -> int = "dialogs_c_finalized"

let n = match Sys.getenv_opt "DIALOGS" with Some s -> int_of_string s | None -> 450
let limit = 2048.

let collect () = for _ = 1 to 3 do Gc.full_major (); Gclosure.flush () done

type figures = { rss : float; malloc : float; closures : float; finalized : int }

let ocaml_dialog app =
  let w = Gtk4.Window.create ~title:"Dialog" app in
  let box = Gtk4.Box.create ~orientation:`VERTICAL ~spacing:6 () in
  let label = Gtk4.Label.create ~text:"Something happened." () in
  let close = Gtk4.Button.create ~label:"Close" () in
  Gtk4.Box.append box label;
  Gtk4.Box.append box close;
  Gtk4.Window.set_child w box;
  ignore (Gtk4.Button.on_clicked close (fun _ -> Gtk4.Window.destroy w));
  watch w;
  Gtk4.Window.present w;
  Gtk4.Button.clicked close

(* Runs [dialog] n times, one per idle turn, then [k] with the figures. *)
let measure app dialog count k =
  let i = ref 0 and base = ref (0, 0, 0) and count0 = count () in
  ignore
    (Gtk4.Idle.add (fun () ->
         incr i;
         if !i <= n then begin
           dialog app;
           Gc.full_major ();
           Gclosure.flush ();
           if !i = n / 3 then begin
             collect ();
             base := (rss (), malloc_in_use (), (Gclosure.stats ()).live)
           end;
           true
         end
         else if !i <= n + 30 then (Gc.full_major (); Gclosure.flush (); true)
         else begin
           let r, m, c = !base in
           let d = float (n - (n / 3)) in
           k
             {
               rss = float (rss () - r) /. d;
               malloc = float (malloc_in_use () - m) /. d;
               closures = float ((Gclosure.stats ()).live - c) /. d;
               finalized = count () - count0;
             };
           false
         end))

let show what f =
  Printf.printf "%-44s %8.0f B RSS %8.0f B malloc %6.3f closures per dialog; %d of %d windows finalized\n%!" what
    f.rss f.malloc f.closures f.finalized n

let () =
  let results = ref None in
  let app = Gtk4.Application.create ~unique:false ~id:"org.ocaml_gclosure.TestDialogs" () in
  ignore
    (Gtk4.Application.on_activate app (fun app ->
         (* The application lives while it has a window: this one, never shown. *)
         let holder = Gtk4.Window.create ~title:"holder" app in
         measure app c_dialog c_finalized (fun c ->
             measure app ocaml_dialog finalized (fun ours ->
                 results := Some (c, ours);
                 Gtk4.Window.destroy holder))));
  let status = Gtk4.Application.run app in
  match !results with
  | None -> Printf.printf "test_dialogs: the application ended (status %d) before the measurement\n" status; exit 1
  | Some (c, ours) ->
    show "C control (C handler, gtk_window_destroy)" c;
    show "ocaml-gclosure (Close captures its window)" ours;
    Check.case (Printf.sprintf "RSS per dialog under %.0f B" limit) (fun () ->
        if ours.rss >= limit then failwith (Printf.sprintf "%.0f B per dialog (C: %.0f B)" ours.rss c.rss));
    Check.case (Printf.sprintf "malloc in use per dialog under %.0f B" limit) (fun () ->
        if ours.malloc >= limit then failwith (Printf.sprintf "%.0f B per dialog (C: %.0f B)" ours.malloc c.malloc));
    Check.case "no closure left per dialog" (fun () ->
        if ours.closures *. float (n - (n / 3)) > 2. then
          failwith (Printf.sprintf "%.3f closures left per dialog" ours.closures));
    Check.case "every dialog's window finalized" (fun () ->
        if ours.finalized < n - 2 then failwith (Printf.sprintf "%d of %d finalized" ours.finalized n));
    Check.finish "test_dialogs"
