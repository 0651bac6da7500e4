(* bench/program/program.ml's workload written with ocgtk's API (issue 25,
   item 4), for integrations/ocgtk/bench.sh: 3,000 live buttons with two
   handlers each ("clicked", "activate"; ocgtk's callbacks receive no
   widget), 2,000 frames of an OCaml model update that allocates, 30
   "clicked" emissions from C on random buttons, 8 buttons replaced (the
   old ones dropped with their handlers) and a main-context iteration. No
   GLib worker thread: stock ocgtk aborts on callbacks from GLib's threads.

     program.exe total|minor|major|rss [FRAMES]

   Prints "program: X UNIT ..." with X the figure asked for: the total
   time, or the time in minor collections or major GC work (Runtime_events),
   in ms; or the peak RSS in KB. *)

external now_ns : unit -> int = "program_now_ns"
external peak_rss : unit -> int = "program_peak_rss"
external click : 'a Gobject.obj -> unit = "program_click"
external iterate : int -> unit = "program_iterate"

open Ocgtk_gtk.Gtk

let live = 3_000
let per_frame_emissions = 30
let per_frame_replaced = 8

let minor_ns = ref 0
let major_ns = ref 0
let started = Array.make 2 0L

let callbacks =
  let slot = function
    | Runtime_events.EV_MINOR -> Some 0
    | Runtime_events.EV_MAJOR -> Some 1
    | _ -> None
  in
  Runtime_events.Callbacks.create
    ~runtime_begin:(fun _ ts phase ->
      match slot phase with Some i -> started.(i) <- Runtime_events.Timestamp.to_int64 ts | None -> ())
    ~runtime_end:(fun _ ts phase ->
      match slot phase with
      | Some i ->
        let d = Int64.to_int (Int64.sub (Runtime_events.Timestamp.to_int64 ts) started.(i)) in
        if i = 0 then minor_ns := !minor_ns + d else major_ns := !major_ns + d
      | None -> ())
    ()

type row = { id : int; mutable hits : int; mutable text : string }

let model : (int, row) Hashtbl.t = Hashtbl.create 5_000

let model_update frame =
  let items = List.init 200 (fun i -> { id = (frame * 200) + i; hits = i; text = "" }) in
  let sum = List.fold_left (fun acc r -> acc + r.hits) 0 items in
  let key = frame mod 5_000 in
  let r =
    match Hashtbl.find_opt model key with
    | Some r -> r
    | None ->
      let r = { id = key; hits = 0; text = "" } in
      Hashtbl.replace model key r;
      r
  in
  r.hits <- r.hits + sum;
  r.text <- Printf.sprintf "row %d: %d" key r.hits

let () =
  let figure = if Array.length Sys.argv > 1 then Sys.argv.(1) else "total" in
  let frames = if Array.length Sys.argv > 2 then int_of_string Sys.argv.(2) else 2_000 in
  ignore (Ocgtk_gtk.GMain.init ());
  let clicks = ref 0 in
  let fresh i =
    let b = new Button.button (Wrappers.Button.new_with_label (string_of_int i)) in
    let r = { id = i; hits = 0; text = "" } in
    ignore (b#on_clicked ~callback:(fun () -> r.hits <- r.hits + 1; incr clicks) ());
    ignore (b#on_activate ~callback:(fun () -> r.text <- Printf.sprintf "activated %d" r.id) ());
    b
  in
  Runtime_events.start ();
  let cursor = Runtime_events.create_cursor None in
  let poll () = ignore (Runtime_events.read_poll cursor callbacks None) in
  let buttons = Array.init live fresh in
  Gc.full_major ();
  poll ();
  minor_ns := 0;
  major_ns := 0;
  let rng = Random.State.make [| 25 |] in
  let t0 = now_ns () in
  let next = ref live in
  for frame = 1 to frames do
    model_update frame;
    for _ = 1 to per_frame_emissions do
      click buttons.(Random.State.int rng live)#as_button
    done;
    for _ = 1 to per_frame_replaced do
      buttons.(Random.State.int rng live) <- fresh !next;
      incr next
    done;
    iterate 10;
    poll ()
  done;
  let t1 = now_ns () in
  poll ();
  if !clicks <> frames * per_frame_emissions then begin
    Printf.eprintf "program.exe: %d of %d clicks handled\n" !clicks (frames * per_frame_emissions);
    exit 1
  end;
  let ms ns = float ns /. 1e6 in
  (match figure with
   | "total" -> Printf.printf "program: %.1f ms total\n" (ms (t1 - t0))
   | "minor" -> Printf.printf "program: %.1f ms in minor collections\n" (ms !minor_ns)
   | "major" -> Printf.printf "program: %.1f ms in major GC work\n" (ms !major_ns)
   | "rss" -> Printf.printf "program: %d KB peak RSS\n" (peak_rss () / 1024)
   | f -> Printf.eprintf "program.exe: unknown figure %s\n" f; exit 2);
  (* the model's text is read, as an application would show it *)
  ignore (Sys.opaque_identity (Hashtbl.fold (fun _ r n -> n + String.length r.text) model 0));
  ignore (Sys.opaque_identity buttons)
