(* bench.exe: ocaml-gclosure ("ours") side by side with the usual pattern
   ("baseline", bench/baseline_stubs.c, for comparison only) and a C handler
   with no OCaml at all ("floor"). See bench/README.md for each figure.

     bench.exe invoke N REPS [VARIANT]      g_closure_invoke round trip
     bench.exe emit N REPS [VARIANT]        g_signal_emit_by_name, 1 handler
     bench.exe invoke_busy N REPS [VARIANT] invoke and emit, while a second
     bench.exe emit_busy N REPS [VARIANT]   domain runs (allocating, without
                                            the library): figures invoke_busy
                                            and emit_busy
     bench.exe lifecycle VARIANT LIVE BATCH BATCHES
                                            memory per live closure, then
                                            create/connect/disconnect/release
                                            with LIVE others alive, then the
                                            drain of the LIVE closures

   Each measurement is printed as one line
     RESULT <figure> <variant> <param> <value> <unit>
   and scripts/bench.sh gathers them (bench/report.py takes the medians). *)

external now_ns : unit -> int = "bench_now_ns"
external rss_bytes : unit -> int = "bench_rss_bytes"
external c_invoke : int -> 'h -> 'a Gobject.obj -> int -> int = "bench_invoke"
external c_emit : 'a Gobject.obj -> int -> int = "bench_emit"
external floor_connect : 'a Gobject.obj -> unit = "bench_floor_connect"
external floor_count : unit -> int = "bench_floor_count"
external floor_lifecycle : 'a Gobject.obj -> int -> int = "bench_floor_lifecycle"
external floor_closures_alloc : int -> unit = "bench_floor_closures_alloc"
external floor_closures_fill : unit -> int = "bench_floor_closures_fill"
external floor_closures_free : unit -> int = "bench_floor_closures_free"
external collect_toggle : unit -> unit = "bench_collect_toggle"
external keep_closure : Gobject.g_closure -> unit = "bench_keep_closure"

(* The baseline (bench/baseline_stubs.c): global root on a malloc'd cell,
   caml_callback_exn from a C marshaller, explicit release. *)
module Baseline = struct
  type closure
  type argv

  external closure_new : (argv -> unit) -> closure = "baseline_closure_new"
  external release : closure -> unit = "baseline_closure_release"
  external connect : 'a Gobject.obj -> string -> closure -> bool -> int = "baseline_connect"
  external disconnect : 'a Gobject.obj -> int -> unit = "baseline_disconnect"
end

let result figure variant param v unit =
  Printf.printf "RESULT %s %s %s %.3f %s\n%!" figure variant param v unit

let die fmt = Printf.ksprintf (fun s -> prerr_endline ("bench.exe: " ^ s); exit 2) fmt

let variants = [ "ours"; "baseline"; "floor" ]

(* Rep [r] runs the variants in a rotated order, so none always goes first. *)
let rotated r l =
  let n = List.length l in
  List.init n (fun i -> List.nth l ((i + r) mod n))

(* Invoke and emission also measure an owned closure against one the
   program holds (issue 19, src/ocaml/owners.rs): "owned" (the program dropped
   its g_closure value; a GC and a safe point moved the callback into its
   object's slots) and "unowned" (the program holds it: a strong root). *)
let chosen = function None -> variants @ [ "unowned"; "owned" ] | Some v -> [ v ]

(* Until the GC has found a dropped g_closure value dead and a safe point
   has moved its callback to its objects. *)
let settle_owned () =
  for _ = 1 to 2 do Gc.full_major (); Gclosure.flush () done

let new_cancellable () : [ `cancellable ] Gobject.obj =
  Gobject.unsafe_create ~classe:"GCancellable" []

(* The measurement shared by invoke and emission: a warm-up of n/10 calls
   per variant, then [reps] rounds (variants in rotated order) of [n] calls
   each ([run v n] returns the nanoseconds taken), every round checking with
   [count] that each call ran its callback once. *)
let per_call figure ~calls ~counted vs run count n reps =
  List.iter (fun v -> ignore (run v (max 1 (n / 10)))) vs;
  for r = 1 to reps do
    List.iter
      (fun v ->
        let c0 = count v in
        let ns = run v n in
        if count v <> c0 + n then die "%s %s: %d %s, %d %s" figure v n calls (count v - c0) counted;
        result figure v "1" (float ns /. float n) "ns/op")
      (rotated r vs)
  done

(* ---- invoke ------------------------------------------------------------ *)

let invoke ?(figure = "invoke") n reps only =
  let obj = new_cancellable () in
  let ours_count = ref 0 and base_count = ref 0 in
  let ours = Gobject.Closure.create (fun _ -> incr ours_count) in
  let base = Baseline.closure_new (fun _ -> incr base_count) in
  let vs = chosen only in
  (* unowned: a closure the program holds, connected; owned: the same,
     dropped by the program (C keeps its GClosure* to invoke it). *)
  let unowned_count = ref 0 and owned_count = ref 0 in
  let unowned = Gobject.Closure.create (fun _ -> incr unowned_count) in
  let owner = new_cancellable () in
  if List.mem "unowned" vs then
    ignore (Gobject.Signal.connect_by_name owner ~name:"cancelled" ~callback:unowned ~after:false);
  if List.mem "owned" vs then begin
    (let c = Gobject.Closure.create (fun _ -> incr owned_count) in
     keep_closure c;
     ignore (Gobject.Signal.connect_by_name owner ~name:"cancelled" ~callback:c ~after:false));
    settle_owned ()
  end;
  let run v n =
    match v with
    | "ours" -> c_invoke 0 ours obj n
    | "baseline" -> c_invoke 1 base obj n
    | "floor" -> c_invoke 2 () obj n
    | "unowned" -> c_invoke 0 unowned obj n
    | "owned" -> c_invoke 3 () obj n
    | v -> die "unknown variant %s" v
  in
  let count = function
    | "ours" -> !ours_count
    | "baseline" -> !base_count
    | "unowned" -> !unowned_count
    | "owned" -> !owned_count
    | _ -> floor_count ()
  in
  (* One call each first: checks that the C side reaches the right closure
     (for ours, the GClosure* read from the custom block, see bench_stubs.c). *)
  List.iter
    (fun v ->
      let c0 = count v in
      ignore (run v 1);
      if count v <> c0 + 1 then die "invoke %s: the callback did not run" v)
    vs;
  per_call figure ~calls:"calls" ~counted:"counted" vs run count n reps;
  ignore (Sys.opaque_identity (unowned, owner))

(* ---- emission ---------------------------------------------------------- *)

let emit ?(figure = "emit") n reps only =
  let ours_count = ref 0 and base_count = ref 0 in
  let o_ours = new_cancellable () and o_base = new_cancellable () and o_floor = new_cancellable () in
  let vs = chosen only in
  if List.mem "ours" vs then
    ignore
      (Gobject.Signal.connect_by_name o_ours ~name:"cancelled" ~after:false
         ~callback:(Gobject.Closure.create (fun _ -> incr ours_count)));
  if List.mem "baseline" vs then begin
    let c = Baseline.closure_new (fun _ -> incr base_count) in
    ignore (Baseline.connect o_base "cancelled" c false);
    Baseline.release c (* the handler keeps its own reference *)
  end;
  if List.mem "floor" vs then floor_connect o_floor;
  let unowned_count = ref 0 and owned_count = ref 0 in
  let o_unowned = new_cancellable () and o_owned = new_cancellable () in
  let held = Gobject.Closure.create (fun _ -> incr unowned_count) in
  if List.mem "unowned" vs then
    ignore (Gobject.Signal.connect_by_name o_unowned ~name:"cancelled" ~after:false ~callback:held);
  if List.mem "owned" vs then begin
    ignore
      (Gobject.Signal.connect_by_name o_owned ~name:"cancelled" ~after:false
         ~callback:(Gobject.Closure.create (fun _ -> incr owned_count)));
    settle_owned ()
  end;
  let run v n =
    match v with
    | "ours" -> c_emit o_ours n
    | "baseline" -> c_emit o_base n
    | "floor" -> c_emit o_floor n
    | "unowned" -> c_emit o_unowned n
    | "owned" -> c_emit o_owned n
    | v -> die "unknown variant %s" v
  in
  let count = function
    | "ours" -> !ours_count
    | "baseline" -> !base_count
    | "unowned" -> !unowned_count
    | "owned" -> !owned_count
    | _ -> floor_count ()
  in
  per_call figure ~calls:"emissions" ~counted:"calls" vs run count n reps;
  ignore (Sys.opaque_identity held)

(* ---- lifecycle, memory, drain -------------------------------------------- *)

(* Touches the whole minor heap (and lets the runtime settle) so that the
   memory measurement only sees what the closures add. *)
let settle () =
  let keep = ref [] in
  for i = 1 to 2_000_000 do
    keep := [ i ];
    ignore (Sys.opaque_identity !keep)
  done;
  Gc.full_major ()

let ours_cb = fun (_ : Gobject.Closure.argv) -> ()
let base_cb = fun (_ : Baseline.argv) -> ()

(* One batch of [batch] create/connect/disconnect/release cycles; ns/op.
   Ours: the handle is dropped, so its g_closure_unref waits for the GC to
   find it dead (its finalizer only queues) and the root's release for the
   next safe point; Gc.minor + Gclosure.flush at the end of the batch make
   both happen inside the timed region. *)
let lifecycle_batch_ours obj batch =
  let t0 = now_ns () in
  for _ = 1 to batch do
    let c = Gobject.Closure.create ours_cb in
    let id = Gobject.Signal.connect_by_name obj ~name:"cancelled" ~callback:c ~after:false in
    Gobject.Signal.disconnect obj id
  done;
  Gc.minor ();
  Gclosure.flush ();
  now_ns () - t0

let lifecycle_batch_baseline obj batch =
  let t0 = now_ns () in
  for _ = 1 to batch do
    let c = Baseline.closure_new base_cb in
    let id = Baseline.connect obj "cancelled" c false in
    Baseline.disconnect obj id;
    Baseline.release c
  done;
  now_ns () - t0

let lifecycle variant live batch batches =
  let obj = new_cancellable () in
  let p = string_of_int live in
  (* Memory: RSS growth over [live] closures, the holder array made and
     touched before the first reading. *)
  let fill, drain, op =
    match variant with
    | "ours" ->
      let a = Array.make live (Obj.magic 0 : Gobject.g_closure) in
      ( (fun () -> for i = 0 to live - 1 do a.(i) <- Gobject.Closure.create ours_cb done),
        (fun () ->
          let t0 = now_ns () in
          Gclosure.shutdown ();
          let t = now_ns () - t0 in
          let s = Gclosure.stats () in
          if s.live <> 0 || s.pending_release <> 0 then die "shutdown left %d live, %d pending" s.live s.pending_release;
          ignore (Sys.opaque_identity a);
          t),
        fun () -> lifecycle_batch_ours obj batch )
    | "baseline" ->
      let a = Array.make live (Obj.magic 0 : Baseline.closure) in
      ( (fun () -> for i = 0 to live - 1 do a.(i) <- Baseline.closure_new base_cb done),
        (fun () ->
          let t0 = now_ns () in
          Array.iter Baseline.release a;
          now_ns () - t0),
        fun () -> lifecycle_batch_baseline obj batch )
    | "floor" ->
      floor_closures_alloc live;
      ( (fun () -> ignore (floor_closures_fill ())),
        floor_closures_free,
        fun () -> floor_lifecycle obj batch )
    | v -> die "unknown variant %s" v
  in
  settle ();
  let r0 = rss_bytes () in
  let t0 = now_ns () in
  fill ();
  let t_fill = now_ns () - t0 in
  let r1 = rss_bytes () in
  result "memory" variant p (float (r1 - r0) /. float live) "bytes/closure";
  result "create" variant p (float t_fill /. float live) "ns/op";
  (* A minor GC's pause with [live] closures alive (the baseline's global
     roots are all scanned at every minor GC). *)
  Gc.minor ();
  for _ = 1 to 5 do
    for _ = 1 to 1000 do ignore (Sys.opaque_identity (ref 0)) done;
    let t0 = now_ns () in
    Gc.minor ();
    result "minor_gc" variant p (float (now_ns () - t0) /. 1e3) "us"
  done;
  (* Under callgrind, only the batches are counted (see bench_stubs.c). *)
  let op () = collect_toggle (); let t = op () in collect_toggle (); t in
  ignore (op ()); (* warm-up batch, not reported *)
  for _ = 1 to batches do
    result "lifecycle" variant p (float (op ()) /. float batch) "ns/op"
  done;
  if variant = "ours" then begin
    (* How many of the batches' closures are not released yet (handles the
       GC has not found dead: promoted ones wait for a major cycle). *)
    let s = Gclosure.stats () in
    Printf.printf "# ours after %d batches of %d: live %d (of which %d made before), pending_release %d, released %d\n%!"
      (batches + 1) batch s.live live s.pending_release s.released
  end;
  result "drain" variant p (float (drain ()) /. 1e6) "ms"

let () =
  let int s = match int_of_string_opt s with Some i when i > 0 -> i | _ -> die "not a positive count: %s" s in
  match Array.to_list Sys.argv |> List.tl with
  | [ "invoke"; n; reps ] -> invoke (int n) (int reps) None
  | [ "invoke"; n; reps; v ] -> invoke (int n) (int reps) (Some v)
  | [ "emit"; n; reps ] -> emit (int n) (int reps) None
  | [ "emit"; n; reps; v ] -> emit (int n) (int reps) (Some v)
  | ("invoke_busy" | "emit_busy") as f :: n :: reps :: ([] | [ _ ] as v) ->
    let v = match v with [ v ] -> Some v | _ -> None in
    let stop = Second_domain.start () in
    (if f = "invoke_busy" then invoke ~figure:f (int n) (int reps) v
     else emit ~figure:f (int n) (int reps) v);
    stop ()
  | [ "lifecycle"; v; live; batch; batches ] -> lifecycle v (int live) (int batch) (int batches)
  | _ ->
    prerr_endline
      "usage: bench.exe invoke N REPS [VARIANT] | emit N REPS [VARIANT] | lifecycle VARIANT LIVE BATCH BATCHES\n\
       VARIANT: ours, baseline or floor";
    exit 2
