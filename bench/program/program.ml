(* program.exe: a benchmark shaped like an application, not one operation in
   a loop (issue 25, item 4). bench/README.md says what it measures.

     program.exe VARIANT [--no-worker] [FRAMES]

   VARIANT: "ours" (Gobject.Closure.create + Signal.connect_by_name) or
   "baseline" (bench/baseline_stubs.c: the lablgtk-style global root, for
   comparison only). Widgets are made through Gtk4/Gobject in both, so only
   the closures differ.

   The program keeps LIVE (3,000) GtkButtons with two handlers each, and
   runs FRAMES (2,000) frames. Each frame:
   - OCaml work: a model update that allocates (a list of records folded,
     a string built, a 5,000-entry Hashtbl updated);
   - 30 "clicked" emissions from C on random live buttons, whose handlers
     update their own record and allocate a little;
   - 8 buttons replaced: the old ones dropped with their handlers, new ones
     made and connected;
   - one main-context iteration with the domain lock released (what a GTK
     main loop does between events).
   Beside it (ours only, unless --no-worker), a GTask in GLib's thread pool
   emits "cancelled" on a GCancellable with an OCaml handler 1,000 times,
   pausing 100 us between emissions (the program ends when both are done); the baseline cannot take callbacks on
   GLib's threads (it aborts: tests/shell/test_threads_hazard.sh), so it
   runs without, and so should ours when compared with it.

   Prints one line of "key value" pairs: total_ms, minor_gc_ms and
   major_gc_ms (from Runtime_events: the time the runtime spent in minor
   collections and in major GC work), peak_rss_kb, emissions, worker_calls. *)

external now_ns : unit -> int = "program_now_ns"
external peak_rss : unit -> int = "program_peak_rss"
external emit : 'a Gobject.obj -> string -> unit = "program_emit"
external iterate : int -> unit = "program_iterate"
external worker_start : 'a Gobject.obj -> int -> int -> unit = "program_worker_start"
external worker_wait : unit -> unit = "program_worker_wait"

module Baseline = struct
  type closure
  type argv

  external closure_new : (argv -> unit) -> closure = "baseline_closure_new"
  external release : closure -> unit = "baseline_closure_release"
  external connect : 'a Gobject.obj -> string -> closure -> bool -> int = "baseline_connect"
end

let live = 3_000
let per_frame_emissions = 30
let per_frame_replaced = 8
let worker_emissions = 1_000
let worker_pause_us = 100

(* ---- GC time, from the runtime's own events ------------------------------- *)

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

(* ---- the application's state ---------------------------------------------- *)

type row = { id : int; mutable hits : int; mutable text : string }

let model : (int, row) Hashtbl.t = Hashtbl.create 5_000

let model_update frame =
  (* a list of records folded, a string built, the table updated *)
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
  let variant = ref "" and worker = ref true and frames = ref 2_000 in
  Arg.parse
    [ ("--no-worker", Arg.Clear worker, " no emissions from a GLib worker thread") ]
    (fun s -> if !variant = "" then variant := s else frames := int_of_string s)
    "program.exe ours|baseline [--no-worker] [FRAMES]";
  let ours =
    match !variant with
    | "ours" -> true
    | "baseline" -> false
    | v -> prerr_endline ("program.exe: unknown variant " ^ v); exit 2
  in
  if (not ours) && !worker then begin
    prerr_endline "program.exe: the baseline aborts on GLib's threads; run it with --no-worker";
    exit 2
  end;
  Gtk4.init ();
  let clicks = ref 0 in
  let connect (b : Gtk4.button) (r : row) =
    if ours then begin
      let on_click = Gobject.Closure.create (fun _ -> r.hits <- r.hits + 1; incr clicks) in
      let on_label =
        Gobject.Closure.create (fun _ -> r.text <- Printf.sprintf "label of %d" r.id)
      in
      ignore (Gobject.Signal.connect_by_name b ~name:"clicked" ~callback:on_click ~after:false);
      ignore (Gobject.Signal.connect_by_name b ~name:"notify::label" ~callback:on_label ~after:false)
    end
    else begin
      let on_click = Baseline.closure_new (fun _ -> r.hits <- r.hits + 1; incr clicks) in
      let on_label = Baseline.closure_new (fun _ -> r.text <- Printf.sprintf "label of %d" r.id) in
      ignore (Baseline.connect b "clicked" on_click false);
      ignore (Baseline.connect b "notify::label" on_label false);
      (* the handlers keep their own references *)
      Baseline.release on_click;
      Baseline.release on_label
    end
  in
  let fresh i =
    let b = Gtk4.Button.create ~label:(string_of_int i) () in
    connect b { id = i; hits = 0; text = "" };
    b
  in
  (* The ring is a file <pid>.events in OCAML_RUNTIME_EVENTS_DIR (else the
     current folder), removed at exit. *)
  Runtime_events.start ();
  let cursor = Runtime_events.create_cursor None in
  let poll () = ignore (Runtime_events.read_poll cursor callbacks None) in
  let buttons = Array.init live fresh in
  Gc.full_major ();
  poll ();
  minor_ns := 0;
  major_ns := 0;
  let worker_calls = ref 0 in
  let target = Gobject.unsafe_create ~classe:"GCancellable" [] in
  if !worker then
    ignore
      (Gobject.Signal.connect_by_name target ~name:"cancelled" ~after:false
         ~callback:(Gobject.Closure.create (fun _ -> incr worker_calls)));
  let rng = Random.State.make [| 25 |] in
  let t0 = now_ns () in
  if !worker then worker_start target worker_emissions worker_pause_us;
  let next = ref live in
  for frame = 1 to !frames do
    model_update frame;
    for _ = 1 to per_frame_emissions do
      emit buttons.(Random.State.int rng live) "clicked"
    done;
    for _ = 1 to per_frame_replaced do
      buttons.(Random.State.int rng live) <- fresh !next;
      incr next
    done;
    iterate 10;
    poll ()
  done;
  if !worker then worker_wait ();
  let t1 = now_ns () in
  poll ();
  let expected = !frames * per_frame_emissions in
  if !clicks <> expected || (!worker && !worker_calls <> worker_emissions) then begin
    Printf.eprintf "program.exe: %d of %d clicks handled, %d of %d worker emissions\n" !clicks expected
      !worker_calls (if !worker then worker_emissions else 0);
    exit 1
  end;
  Printf.printf
    "program %s worker %b frames %d total_ms %.1f minor_gc_ms %.1f major_gc_ms %.1f peak_rss_kb %d \
     emissions %d worker_calls %d\n%!"
    !variant !worker !frames
    (float (t1 - t0) /. 1e6)
    (float !minor_ns /. 1e6)
    (float !major_ns /. 1e6)
    (peak_rss () / 1024) expected !worker_calls;
  (* the model's text is read, as an application would show it *)
  ignore (Sys.opaque_identity (Hashtbl.fold (fun _ r n -> n + String.length r.text) model 0));
  ignore (Sys.opaque_identity buttons)
