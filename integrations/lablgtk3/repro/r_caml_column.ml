(* Caml columns read in a loop (garrigue/lablgtk#174, OCaml 5.x): a
   GTree.list_store with a caml column (Gobject.Data.caml) of records, read
   back with store#get many times while the minor heap is small (run with
   OCAMLRUNPARAM=s=4k). Each read goes through a GValue custom block;
   stock frees the GValue's contents (g_value_unset, and the "Caml" boxed
   type's root) from the block's GC finalizer, which can run while the
   value is still being read. Prints "caml-column: N reads, M wrong" and
   exits 2 when a read was wrong. No display needed (no widget). *)

type r = { id : int; name : string; pad : float array }

let () =
  let rows = 1000 and rounds = try int_of_string Sys.argv.(1) with _ -> 200 in
  let cols = new GTree.column_list in
  let item = cols#add Gobject.Data.caml in
  let store = GTree.list_store cols in
  let iters = Array.init rows (fun i ->
    let row = store#append () in
    store#set ~row ~column:item { id = i; name = string_of_int i; pad = Array.make 3 (float i) };
    row) in
  let wrong = ref 0 and reads = ref 0 in
  for _ = 1 to rounds do
    Array.iteri (fun i row ->
      let r : r = store#get ~row ~column:item in
      incr reads;
      if r.id <> i || r.name <> string_of_int i || Array.length r.pad <> 3 || r.pad.(2) <> float i
      then incr wrong) iters
  done;
  Printf.printf "caml-column: %d reads, %d wrong\n%!" !reads !wrong;
  exit (if !wrong = 0 then 0 else 2)
