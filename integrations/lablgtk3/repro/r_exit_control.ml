(* r_exit_domain's shape in pure OCaml (no lablgtk call): a second domain
   allocates closures and records in a loop while the main domain exits,
   at OCAMLRUNPARAM=c=1. The runtime's own rate of crashes at such an exit
   (ocaml/ocaml#14594), the baseline for r_exit_domain. *)

let round fired =
  let r = ref (Array.make 4 0.) in
  let f = fun () -> incr fired; r := Array.make 4 1. in
  f ()

let () =
  let fired = ref 0 in
  for _ = 1 to 2000 do round fired done;
  let started = Atomic.make false in
  let _d = Domain.spawn (fun () ->
    let f = ref 0 in
    Atomic.set started true;
    while true do round f done) in
  while not (Atomic.get started) do Domain.cpu_relax () done;
  for _ = 1 to 200 do round fired done;
  exit 0
