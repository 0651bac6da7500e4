(* OCaml 4.14 has no domains: the rows with a second domain are not measured. *)
let start () : unit -> unit = failwith "bench.exe: a second domain needs OCaml 5"
