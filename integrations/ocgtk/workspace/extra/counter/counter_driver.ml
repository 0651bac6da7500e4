(* Scripted run of ocgtk's examples/counter.ml, driven through ocgtk's
   public API from inside the process (enabled by the environment):

     OCGTK_COUNTER_DRIVE=N         click "Click Me!" N times (emits its "clicked"
                                   signal, as a press-and-release does), check
                                   the label, click "Reset", check it again
     OCGTK_COUNTER_SHOT_CMD=CMD    run CMD (e.g. "import -window root f.png")
                                   once the label shows N clicks and a frame
                                   has been drawn
     OCGTK_COUNTER_TIMEOUT=S       give up after S seconds (default 60)

   It prints "counter-driver: ..." lines that the test script checks, then
   closes the window, so the application returns from run and counter.ml
   exits with its status. *)

(* Declared before the open: ocgtk's Gtk module has a type named unit. *)
external first_toplevel : unit -> Ocgtk_gtk.Gtk.Wrappers.Window.t option
  = "counter_driver_first_toplevel"

open Ocgtk_gtk.Gtk
module W = Wrappers.Widget

let say fmt = Printf.ksprintf (fun s -> print_endline ("counter-driver: " ^ s)) fmt
let type_name (w : W.t) = Gobject.Type.name (Gobject.get_type w)

let children (w : W.t) =
  let rec go acc = function None -> List.rev acc | Some c -> go (c :: acc) (W.get_next_sibling c) in
  go [] (W.get_first_child w)

let rec descendants w = w :: List.concat_map descendants (children w)

let label_text (w : W.t) = Wrappers.Label.get_label (Gobject.unsafe_cast w)
let button_label (w : W.t) = Wrappers.Button.get_label (Gobject.unsafe_cast w)

(* GTK 4 has no gtk_button_clicked; a click is the "clicked" emission
   (gtk_widget_activate would emit it only after a 250 ms pressed look, and
   once for several activations). *)
let click_button (w : W.t) = Gobject.Signal.emit_by_name w ~name:"clicked"

type phase = Waiting | Clicked of int | Shot_pending of float | Done

let drive clicks =
  let shot_cmd = Sys.getenv_opt "OCGTK_COUNTER_SHOT_CMD" in
  let timeout =
    match Option.bind (Sys.getenv_opt "OCGTK_COUNTER_TIMEOUT") float_of_string_opt with
    | Some t -> t | None -> 60.
  in
  let t0 = Unix.gettimeofday () in
  let phase = ref Waiting in
  let failed = ref false in
  let fail fmt = Printf.ksprintf (fun s -> say "FAILED: %s" s; failed := true) fmt in
  let find_widgets win =
    let all = descendants (Gobject.unsafe_cast win : W.t) in
    let label = List.find_opt (fun w -> type_name w = "GtkLabel"
                                         && String.length (label_text w) >= 6
                                         && String.sub (label_text w) 0 6 = "Count:") all in
    let button name = List.find_opt (fun w -> type_name w = "GtkButton" && button_label w = Some name) all in
    (label, button "Click Me!", button "Reset")
  in
  let step () =
    if Unix.gettimeofday () -. t0 > timeout then begin
      say "FAILED: timed out after %.0f s in phase %s" timeout
        (match !phase with Waiting -> "waiting for the window" | Clicked n -> Printf.sprintf "clicked %d" n
                         | Shot_pending _ -> "screenshot" | Done -> "done");
      exit 3
    end;
    match first_toplevel () with
    | None -> true
    | Some win ->
      let w = (Gobject.unsafe_cast win : W.t) in
      if not (W.get_mapped w) then true
      else begin
        let label, click, reset = find_widgets win in
        match label, click, reset with
        | Some label, Some click, Some reset ->
          (match !phase with
           | Waiting ->
             say "window mapped: %s, title %S" (type_name w)
               (Option.value ~default:"" (Wrappers.Window.get_title win));
             say "label before clicks: %s" (label_text label);
             for _ = 1 to clicks do click_button click done;
             phase := Clicked clicks; true
           | Clicked n ->
             let text = label_text label in
             say "label after %d clicks: %s" n text;
             if text <> Printf.sprintf "Count: %d" n then fail "expected Count: %d" n;
             phase := Shot_pending (Unix.gettimeofday ()); true
           | Shot_pending t when Unix.gettimeofday () -. t < 0.5 -> true (* let a frame be drawn *)
           | Shot_pending _ ->
             (match shot_cmd with
              | None -> ()
              | Some cmd ->
                let rc = Sys.command cmd in
                say "screenshot command exited %d" rc;
                if rc <> 0 then fail "screenshot command %S" cmd);
             click_button reset;
             let text = label_text label in
             say "label after reset: %s" text;
             if text <> "Count: 0" then fail "expected Count: 0 after reset";
             phase := Done;
             say "%s" (if !failed then "done: FAILED" else "done: ok");
             Wrappers.Window.close win;
             false
           | Done -> false)
        | _ -> true
      end
  in
  ignore (Glib.Timeout.add ~ms:100 ~callback:step ())

let () =
  match Option.bind (Sys.getenv_opt "OCGTK_COUNTER_DRIVE") int_of_string_opt with
  | Some n when n >= 0 -> drive n
  | _ -> ()
