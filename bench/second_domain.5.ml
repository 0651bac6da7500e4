(* A second domain that runs while invoke and emission are measured
   (issue 25): it allocates short-lived lists, never touching the library,
   until stopped. *)
let start () =
  let stop = Atomic.make false in
  let d =
    Domain.spawn (fun () ->
        let n = ref 0 in
        while not (Atomic.get stop) do
          n := !n + List.length (List.init 64 Fun.id)
        done;
        !n)
  in
  (* Wait until it runs: the runtime counts it among the running domains. *)
  Unix.sleepf 0.05;
  fun () ->
    Atomic.set stop true;
    ignore (Domain.join d)
