(* A global root removed inside the GC (ocaml/ocaml#11865: on OCaml
   5.0-5.3 such a removal can deadlock on the roots mutex), through
   lablgtk3's public API, at OCAMLRUNPARAM=s=4k: each round reads a caml
   column (model#get: a GValue custom block whose finalizer unsets it, and
   the "Caml" boxed type's free removes its global root) and connects a
   handler to a long-lived adjustment (a new closure: a global root on a
   young callback, scanned at the next minor GC), the oldest of 1,000
   handlers disconnected. Prints "finalizer-root: N rounds" when it
   completes. *)

let () =
  let rounds = try int_of_string Sys.argv.(1) with _ -> 300_000 in
  let cols = new GTree.column_list in
  let item = cols#add Gobject.Data.caml in
  let store = GTree.list_store cols in
  let rows = Array.init 64 (fun i ->
    let row = store#append () in
    store#set ~row ~column:item (i, string_of_int i); row) in
  let adj = GData.adjustment () in
  let ring = Array.make 1000 None in
  let sum = ref 0 in
  for r = 0 to rounds - 1 do
    let (i, _) = store#get ~row:rows.(r land 63) ~column:item in
    sum := !sum + i;
    let k = r mod 1000 in
    (match ring.(k) with Some id -> GtkSignal.disconnect adj#as_adjustment id | None -> ());
    ring.(k) <- Some (adj#connect#value_changed ~callback:(fun () -> sum := !sum + r))
  done;
  Printf.printf "finalizer-root: %d rounds (%d)\n%!" rounds (!sum land 1)
