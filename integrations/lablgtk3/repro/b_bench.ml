(* Benchmarks on lablgtk3's public API (integrations/lablgtk3/bench.sh):
     b_bench emission N          "value_changed" emitted N times (set_value)
                                 on an adjustment with 1 handler: ns each
     b_bench lifecycle N LIVE    N handlers connected to and disconnected
                                 from an adjustment, LIVE others alive: ns
                                 per connect + disconnect
     b_bench minor LIVE REPS     mean pause of REPS minor GCs in a row with
                                 LIVE handlers alive: us
   Prints "<name>: <number> <unit>". *)

let now = Unix.gettimeofday

(* n live handlers, 100 per adjustment (GLib's connect walks an
   instance's handler list: a million on one object takes minutes) *)
let live_handlers n =
  List.init ((n + 99) / 100) (fun a ->
    let adj = GData.adjustment () in
    for _ = 1 to min 100 (n - a * 100) do
      ignore (adj#connect#value_changed ~callback:(fun () -> ()))
    done;
    adj)

let () =
  match Array.to_list Sys.argv |> List.tl with
  | [ "emission"; n ] ->
    let n = int_of_string n in
    let adj = GData.adjustment ~lower:0. ~upper:10. ~page_size:0. () in
    let fired = ref 0 in
    ignore (adj#connect#value_changed ~callback:(fun () -> incr fired));
    let t = now () in
    for i = 1 to n do adj#set_value (float (i land 1)) done;
    let dt = now () -. t in
    assert (!fired >= n - 1);
    Printf.printf "emission: %.1f ns\n" (dt *. 1e9 /. float n)
  | [ "lifecycle"; n; live ] ->
    let n = int_of_string n in
    let keep = live_handlers (int_of_string live) in
    let adj = GData.adjustment () in
    let t = now () in
    for _ = 1 to n do
      let id = adj#connect#value_changed ~callback:(fun () -> ()) in
      GtkSignal.disconnect adj#as_adjustment id
    done;
    let dt = now () -. t in
    ignore (Sys.opaque_identity keep);
    Printf.printf "lifecycle: %.1f ns\n" (dt *. 1e9 /. float n)
  | [ "minor"; live; reps ] ->
    let keep = live_handlers (int_of_string live) in
    Gc.full_major ();
    let reps = int_of_string reps in
    (* a batch: one minor GC is below the clock's microsecond *)
    let t = now () in
    for _ = 1 to reps do
      ignore (Sys.opaque_identity (Array.make 10 0));
      Gc.minor ()
    done;
    let dt = now () -. t in
    ignore (Sys.opaque_identity keep);
    Printf.printf "minor: %.3f us\n" (dt *. 1e6 /. float reps)
  | _ -> prerr_endline "usage: b_bench (emission N | lifecycle N LIVE | minor LIVE REPS)"; exit 2
