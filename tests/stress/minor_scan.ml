(* What a minor GC costs with many live closures (test_stress.sh prints it
   for each OCaml version): the lablgtk-style baseline registers each
   closure's callback with caml_register_global_root, and OCaml (4.14 and 5
   alike) scans every such root at every minor GC; ocaml-gclosure keeps its
   callbacks in boxroots, whose minor GC work is proportional to the roots
   that point to young values.

   usage: minor_scan.exe --impl gclosure|baseline [--closures N] [--minors K]

   Prints one line:
     minor_scan IMPL: N closures: R us per minor GC without, L us with
   (medians of 5 rounds of K forced minor GCs, each after a small
   allocation so that the minor heap is not empty). *)

let impl = ref "gclosure"
let closures = ref 100_000
let minors = ref 200

let () =
  Arg.parse
    [ ("--impl", Arg.Set_string impl, "gclosure|baseline");
      ("--closures", Arg.Set_int closures, "N  live closures (default 100000)");
      ("--minors", Arg.Set_int minors, "K  minor GCs per round (default 200)") ]
    (fun a -> raise (Arg.Bad ("unexpected argument " ^ a)))
    "minor_scan.exe --impl gclosure|baseline [--closures N] [--minors K]"

let sink = ref []

(* Microseconds per minor GC, median of 5 rounds. *)
let per_minor () =
  let round () =
    let t0 = Unix.gettimeofday () in
    for i = 1 to !minors do
      sink := [ i; i + 1; i + 2 ];
      Gc.minor ()
    done;
    (Unix.gettimeofday () -. t0) *. 1e6 /. float !minors
  in
  ignore (round ());
  let r = List.sort compare (List.init 5 (fun _ -> round ())) in
  List.nth r 2

module Run (I : Impl_intf.S) = struct
  let main () =
    let without = per_minor () in
    let live = Array.init !closures (fun _ -> I.closure (fun () -> ())) in
    Gc.full_major ();
    let with_ = per_minor () in
    ignore (Sys.opaque_identity live);
    Printf.printf "minor_scan %s: %d closures: %.1f us per minor GC without, %.1f us with\n%!"
      I.name !closures without with_
end

let () =
  let module I = (val Impl_select.find !impl) in
  let module R = Run (I) in
  R.main ()
