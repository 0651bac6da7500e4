(* The C API's rooted cells and locked calls (gclosure.h, section "rooted
   cells and locked calls"; capi_cells_stubs.c): a cell keeps its value
   alive through GCs until handed back (explicitly, from a GC finalizer,
   from a GLib thread), then lets it go at a safe point; an OCaml function
   runs through ocgc_run_locked from GLib threads that never held a domain
   lock; after shutdown both refuse. Links gclosure.core only. *)

type cell
type holder
external cell_new : 'a -> cell = "capi_cell_new"
external cell_get : cell -> 'a = "capi_cell_get"
external cell_release : cell -> unit = "capi_cell_release"
external cell_count : unit -> int = "capi_cell_count"
external cell_holder : 'a -> holder = "capi_cell_holder"
external cell_release_on_thread : cell -> unit = "capi_cell_release_on_thread"
external run_locked_here : unit -> bool = "capi_run_locked_here"
external run_locked_null : unit -> bool = "capi_run_locked_null"
external run_locked_on_threads : int -> int = "capi_run_locked_on_threads"
external flush : unit -> unit = "capi_cells_flush"
external shutdown : unit -> unit = "capi_cells_shutdown"

let failed = ref 0
let passed = ref 0
let check name ok =
  if ok then (incr passed; Printf.printf "ok   %s\n%!" name)
  else (incr failed; Printf.printf "FAIL %s\n%!" name)

let collect () = Gc.full_major (); Gc.full_major (); flush (); Gc.full_major ()

(* A value only the cell keeps, with a finaliser that counts. *)
let tracked finalized n =
  let v = Array.init 3 (fun i -> string_of_int (n + i)) in
  Gc.finalise (fun _ -> incr finalized) v;
  v

(* global, so that the holders stay reachable until cleared (a local ref
   may become a variable whose value is dead before it is overwritten) *)
let kept_holders : holder list ref = ref []

let () =
  let finalized = ref 0 in
  let base = cell_count () in
  let cells = Array.init 200 (fun i -> cell_new (tracked finalized (i * 10))) in
  check "200 cells counted" (cell_count () = base + 200);
  (* churn the minor heap and compact: the cells' values move *)
  for _ = 1 to 50_000 do ignore (Sys.opaque_identity (Array.make 5 0)) done;
  collect (); Gc.compact ();
  check "no value kept only by a cell was collected" (!finalized = 0);
  check "every cell reads its own value after GCs and a compaction"
    (Array.for_all Fun.id (Array.mapi (fun i c ->
       let v : string array = cell_get c in v.(2) = string_of_int (i * 10 + 2)) cells));
  (* hand back the first 100 explicitly, 50 from a GLib thread *)
  for i = 0 to 49 do cell_release cells.(i) done;
  for i = 50 to 99 do cell_release_on_thread cells.(i) done;
  collect ();
  check "100 cells handed back (50 from a GLib thread): 100 values collected"
    (!finalized = 100);
  check "100 cells left" (cell_count () = base + 100);
  for i = 100 to 199 do cell_release cells.(i) done;
  collect ();
  check "all handed back: every value collected, no cell left"
    (!finalized = 200 && cell_count () = base);
  (* released from a GC finalizer *)
  let f2 = ref 0 in
  kept_holders := List.init 100 (fun i -> cell_holder (tracked f2 i));
  collect ();
  check (Printf.sprintf "100 cells held by blocks keep their values (%d collected, %d cells)" !f2 (cell_count () - base))
    (!f2 = 0 && cell_count () = base + 100);
  kept_holders := [];
  collect (); collect ();
  check "cells handed back by GC finalizers: values collected, no cell left"
    (!f2 = 100 && cell_count () = base)

let () =
  let log = ref [] in
  Callback.register "capi_cells.on_log" (fun s -> log := s :: !log);
  check "ocgc_run_locked with the lock held runs fn" (run_locked_here () && !log = [ "main" ]);
  check "ocgc_run_locked(NULL) refuses" (not (run_locked_null ()));
  log := [];
  let ran = run_locked_on_threads 4 in
  check (Printf.sprintf "4 GLib threads x 50 locked calls into OCaml: %d ran, %d seen" ran (List.length !log))
    (ran = 200 && List.length !log = 200 && List.for_all (( = ) "thread") !log)

let () =
  shutdown ();
  check "after shutdown, ocgc_run_locked refuses (on this thread and on GLib threads)"
    (not (run_locked_here ()) && run_locked_on_threads 2 = 0);
  check "after shutdown, ocgc_cell_new raises Closed"
    (match cell_new "late" with _ -> false | exception Gclosure_core.Closed -> true);
  Printf.printf "test_capi_cells: %d passed, %d failed\n%!" !passed !failed;
  exit (if !failed = 0 then 0 else 1)
