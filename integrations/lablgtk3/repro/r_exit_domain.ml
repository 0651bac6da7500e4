(* Exit with a second domain at work (run with OCAMLRUNPARAM=c=1): a
   second domain makes GData.adjustments with a "value_changed" handler,
   emits it (set_value) and drops them, in a loop; the main domain does a
   few rounds of the same, then exits while the second domain still works.
   Stock's closures register and remove global roots and allocate GValue
   blocks on memory the runtime's shutdown frees. Prints nothing; its exit
   status (and signal) is the verdict. r_exit_control is the same shape in
   pure OCaml. *)

let round fired =
  let adj = GData.adjustment ~lower:0. ~upper:100. ~value:1. () in
  ignore (adj#connect#value_changed ~callback:(fun () -> incr fired));
  adj#set_value 7.

let () =
  let fired = ref 0 in
  for _ = 1 to 2000 do round fired done;
  let started = Atomic.make false in
  let _d = Domain.spawn (fun () ->
    let f = ref 0 in
    Atomic.set started true;
    while true do round f done) in
  while not (Atomic.get started) do Domain.cpu_relax () done;
  let main_rounds = try int_of_string Sys.argv.(1) with _ -> 200 in
  for _ = 1 to main_rounds do round fired done;
  exit 0
