(* The control of tests/shell/test_exit.sh: a pure OCaml program, no C at
   all (no GLib, no ocaml-gclosure), whose second domain allocates and
   keeps a little data while the main domain exits. With OCAMLRUNPARAM=c=1,
   OCaml 5.3 frees its memory at exit while that domain still runs, and the
   process sometimes segfaults by itself (ocaml/ocaml#14594): in
   caml_stat_alloc from the write barrier, or in a stop-the-world GC phase.
   This is the runtime's own hazard, which no library can remove. *)

let progress = Atomic.make 0

let worker () =
  let kept = ref [] in
  while true do
    let a = Array.init 16 (fun i -> Some (string_of_int i)) in
    kept := a :: (if List.length !kept > 200 then [] else !kept);
    Atomic.incr progress
  done

let () =
  let d = Domain.spawn worker in
  ignore (Sys.opaque_identity d);
  while Atomic.get progress < 2000 do
    Domain.cpu_relax ()
  done;
  exit 0
