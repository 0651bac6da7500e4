(* Objects with handlers dropped in a loop (issue 24's adjustment loop):
   N GData.adjustments, each with a "value_changed" callback that captures
   the adjustment, set_value, then dropped. Prints the time per fifth of
   the iterations, the RSS, and how many of the OCaml wrappers were
   finalized (Gc.finalise on each adjustment object: a wrapper never
   finalized keeps its GObject). Run with OCAMLRUNPARAM=s=4k. No display
   needed. *)

let rss_kb () =
  let ic = open_in "/proc/self/status" in
  let rec go () = match input_line ic with
    | l when String.length l > 6 && String.sub l 0 6 = "VmRSS:" ->
      Scanf.sscanf l "VmRSS: %d" (fun k -> k)
    | _ -> go () | exception End_of_file -> 0 in
  let v = go () in close_in ic; v

let () =
  let n = try int_of_string Sys.argv.(1) with _ -> 100_000 in
  let block = max 1 (n / 5) in
  let fired = ref 0 and finalized = ref 0 in
  let t0 = Unix.gettimeofday () in
  let tb = ref t0 in
  for i = 1 to n do
    let adj = GData.adjustment ~lower:0. ~upper:100. ~value:1. () in
    ignore (adj#connect#value_changed ~callback:(fun () -> incr fired; ignore adj#value));
    Gc.finalise (fun _ -> incr finalized) adj;
    adj#set_value (float (i mod 50 + 2));
    if i mod block = 0 then begin
      let t = Unix.gettimeofday () in
      Printf.printf "adjustments: %d done, last %d in %.2f s, RSS %d MB\n%!" i block (t -. !tb) (rss_kb () / 1024);
      tb := t
    end
  done;
  Gc.full_major (); Gc.full_major ();
  Printf.printf "adjustments: %d made, %d callbacks, %d wrappers finalized, %.2f s, RSS %d MB\n%!"
    n !fired !finalized (Unix.gettimeofday () -. t0) (rss_kb () / 1024)
