(* The pure-OCaml control behind Impl_intf.S: no C, no GLib, no library.
   An object is a table of handlers, a closure an OCaml function, and
   emitting calls the handlers connected. The exit test runs the same worker
   shapes on it, so that what the OCaml runtime does by itself at exit
   (ocaml/ocaml#14594: with OCAMLRUNPARAM=c=1 it frees its memory while
   other domains still run) is measured beside ours. *)

let name = "control"

type closure = { f : unit -> unit }
type id = int
(* No lock: in the exit shapes an object is changed by one domain only
   (others at most read its handlers), and a Mutex would add runtime
   allocations (caml_stat_alloc) that ours does not make. *)
type obj = { mutable handlers : (id * closure) list; mutable next : id }

let new_object () = { handlers = []; next = 1 }
let closure f = { f }

let connect o c =
  let id = o.next in
  o.next <- id + 1;
  o.handlers <- (id, c) :: o.handlers;
  id

let disconnect o id = o.handlers <- List.filter (fun (i, _) -> i <> id) o.handlers
let emit o = List.iter (fun (_, c) -> c.f ()) (List.rev o.handlers)

let is_closed _ = false
let settle () = Gc.full_major ()
let finish () = Ok "control: nothing to check"
