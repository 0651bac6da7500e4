(* BASELINE KEPT FOR COMPARISON: the foreign-thread test of test_threads.ml
   on the lablgtk-style binding (tests/baseline), whose marshaller calls
   OCaml without taking the domain lock. tests/shell/test_threads_hazard.sh
   expects it to crash or hang: the proof that test_threads can fail. *)

external emit_from_threads : Baseline_lablgtk.obj -> string -> int -> int -> unit
  = "test_emit_from_threads"

let () =
  let o = Baseline_lablgtk.cancellable_new () in
  let calls = Atomic.make 0 in
  let c =
    Baseline_lablgtk.closure_create (fun _ ->
        ignore (Sys.opaque_identity (Array.make 10 0));
        Atomic.incr calls)
  in
  ignore (Baseline_lablgtk.connect o ~name:"cancelled" c ~after:false);
  emit_from_threads o "cancelled" 4 10_000;
  Printf.printf "baseline: %d callbacks for %d emissions\n" (Atomic.get calls) 40_000;
  if Atomic.get calls <> 40_000 then exit 3
