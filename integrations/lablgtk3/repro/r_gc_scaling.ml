(* The minor GC's cost with many live handlers: N GData.adjustments, each
   with a "value_changed" handler, all kept alive; then the median time of
   21 minor GCs (Gc.minor, after a small allocation so that each has work).
   Stock roots every closure with caml_register_global_root, which every
   minor GC scans. Prints "gc-scaling: N handlers: minor GC X ms". *)

let () =
  let sizes = List.map int_of_string (List.tl (Array.to_list Sys.argv)) in
  let sizes = if sizes = [] then [ 1_000; 100_000 ] else sizes in
  let kept = ref [] in
  let made = ref 0 in
  List.iter (fun n ->
    while !made < n do
      let adj = GData.adjustment () in
      ignore (adj#connect#value_changed ~callback:(fun () -> ignore adj));
      kept := adj :: !kept; incr made
    done;
    Gc.full_major ();
    let times = Array.init 21 (fun _ ->
      ignore (Sys.opaque_identity (Array.make 10 0));
      let t = Unix.gettimeofday () in
      Gc.minor ();
      Unix.gettimeofday () -. t) in
    Array.sort compare times;
    Printf.printf "gc-scaling: %d handlers: minor GC %.3f ms\n%!" n (times.(10) *. 1000.)) sizes;
  ignore (Sys.opaque_identity !kept)
