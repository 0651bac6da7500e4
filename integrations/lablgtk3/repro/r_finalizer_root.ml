(* A global root removed inside the GC (ocaml/ocaml#11865: on OCaml
   5.0-5.3 a removal while the minor GC scans the global roots deadlocks on
   the roots mutex), through lablgtk3's public API, at OCAMLRUNPARAM=s=4k.
   Each round reads a caml column (model#get: a GValue custom block, 5
   words, whose finalizer unsets it; the "Caml" boxed type's free then
   removes a global root) and makes a Gobject.Closure whose callback is a
   5-word closure (3 free variables), kept in a ring of 1,000: stock roots
   it with caml_register_global_root, so the next minor GC promotes it
   while scanning the global roots, and that promotion may sweep a pool of
   the same size class holding dead GValue blocks. The closures dropped
   from the ring are finalized in the GC too (g_closure_unref, whose
   invalidate notifier removes their root). Prints
   "finalizer-root: N rounds" when it completes. *)

let () =
  let rounds = try int_of_string Sys.argv.(1) with _ -> 300_000 in
  let cols = new GTree.column_list in
  let item = cols#add Gobject.Data.caml in
  let store = GTree.list_store cols in
  let rows = Array.init 64 (fun i ->
    let row = store#append () in
    store#set ~row ~column:item (i, string_of_int i); row) in
  let ring = Array.make 1000 None in
  let sum = ref 0 in
  for r = 0 to rounds - 1 do
    let (i, _) = store#get ~row:rows.(r land 63) ~column:item in
    ring.(r mod 1000) <- Some (Gobject.Closure.create (fun _ -> sum := !sum + r + i))
  done;
  Printf.printf "finalizer-root: %d rounds (%d)\n%!" rounds (!sum land 1)
