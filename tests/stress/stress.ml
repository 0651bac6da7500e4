(* Stress: many closures connected to a real GObject signal ("cancelled" of
   GCancellable), half of them disconnected while their OCaml handles are
   still reachable, then every handle dropped; run with a small minor heap
   (OCAMLRUNPARAM=s=4k) so handles are promoted and die in the major heap,
   where their finalizers run during later minor GCs.

   usage: stress.exe --impl gclosure|baseline [--iterations N] [-k K]
                     [--baseline-handle-words 1|2]

   Exit codes: 0 ok; 2 a callback ran the wrong number of times; 3 the
   library's end-of-run checks failed; 64 bad usage; 77 impl not built. *)

let impl = ref "gclosure"
let iterations = ref 300_000
let k = ref 4
let objects = 4

(* Each object is replaced after this many iterations on it: the old one dies
   with handlers still connected, so those closures are released by the
   object's unref rather than by a disconnect. *)
let replace_every = 8

let () =
  Arg.parse
    [ ("--impl", Arg.Set_string impl, "gclosure|baseline");
      ("--iterations", Arg.Set_int iterations, "N  iterations (default 300000)");
      ("-k", Arg.Set_int k, "K  closures per iteration (default 4)");
      ( "--baseline-handle-words",
        Arg.Int Baseline_lablgtk.set_handle_words,
        "W  data words of the baseline's closure block (default 2; 1 is \
         lablgtk's exact layout, see tests/baseline/baseline_stubs.c)" ) ]
    (fun a -> raise (Arg.Bad ("unexpected argument " ^ a)))
    "stress.exe --impl gclosure|baseline [--iterations N] [-k K]"

let wrong fmt =
  Printf.ksprintf (fun s -> Printf.eprintf "stress: WRONG COUNT: %s\n%!" s; exit 2) fmt

module Run (I : Impl_intf.S) = struct
  let calls = ref 0 (* every invocation of every closure *)

  let run () =
    let objs = Array.init objects (fun _ -> I.new_object ()) in
    (* handlers currently connected to each object (all iterations) *)
    let connected = Array.make objects 0 in
    let created = ref 0 in
    let emit_checked slot what =
      let before = !calls in
      I.emit objs.(slot);
      let got = !calls - before in
      if got <> connected.(slot) then
        wrong "%s: %d handlers connected, %d callbacks ran" what connected.(slot) got
    in
    for i = 1 to !iterations do
      let slot = i mod objects in
      let obj = objs.(slot) in
      let kk = !k in
      let counts = Array.make kk 0 in
      let handles =
        Array.init kk (fun j ->
            I.closure (fun () ->
                incr calls;
                counts.(j) <- counts.(j) + 1))
      in
      created := !created + kk;
      let ids = Array.map (fun c -> I.connect obj c) handles in
      connected.(slot) <- connected.(slot) + kk;
      emit_checked slot "first emit";
      Array.iteri
        (fun j n -> if n <> 1 then wrong "iteration %d: closure %d ran %d times, want 1" i j n)
        counts;
      (* Disconnect every other closure; [handles] keeps them all reachable. *)
      Array.iteri (fun j id -> if j mod 2 = 0 then I.disconnect obj id) ids;
      connected.(slot) <- connected.(slot) - ((kk + 1) / 2);
      emit_checked slot "second emit";
      Array.iteri
        (fun j n ->
          let want = if j mod 2 = 0 then 1 else 2 in
          if n <> want then
            wrong "iteration %d: closure %d (%s) ran %d times, want %d" i j
              (if j mod 2 = 0 then "disconnected" else "connected")
              n want)
        counts;
      ignore (Sys.opaque_identity handles);
      (* The handles are dropped here (the connected half stays alive through
         its handlers on [obj]). Now and then the object goes too. *)
      if (i / objects) mod replace_every = 0 then begin
        objs.(slot) <- I.new_object ();
        connected.(slot) <- 0
      end
    done;
    !created

  let main () =
    let t0 = Unix.gettimeofday () in
    let created = run () in
    I.settle ();
    let dt = Unix.gettimeofday () -. t0 in
    Printf.printf "stress %s: %d iterations, %d closures, %d callbacks, %.1f s\n%!"
      I.name !iterations created !calls dt;
    match I.finish () with
    | Ok report -> Printf.printf "stress %s: ok (%s)\n%!" I.name report
    | Error why ->
        Printf.eprintf "stress %s: FAILED: %s\n%!" I.name why;
        exit 3
end

let () =
  let module I = (val Impl_select.find !impl) in
  let module R = Run (I) in
  R.main ()
