(* (a) Closures and objects dropped under GC pressure, on ocgtk's public API.

   ocgtk registers each closure's callback with caml_register_global_root
   (a non-generational root: OCaml 5 scans all of them, young or old, at
   every minor GC, holding the global-roots mutex), and unrefs closures and
   objects in custom-block finalizers. On OCaml 5.3 a minor GC promotes a
   young rooted callback while holding that mutex; the promotion allocates
   in the major heap's pool of the callback's size class and may sweep that
   pool first, running the finalizers of dead blocks of the same size
   class; a finalizer whose unref reaches ml_closure_invalidate calls
   caml_remove_global_root, which takes the same mutex.

   modes:
     chain N K   the sweep-during-promotion chain, by size class: each round
                 makes a Gtk.Adjustment with a "value-changed" handler whose
                 callback captures three values (a 5-word closure: the size
                 class of ocgtk's GValue blocks), and puts the object in a
                 Gobject.Value kept in a ring of K; the object's and the
                 closure's own OCaml handles are dropped at once. When a
                 ring slot is reused, the old GValue dies in the major heap;
                 its finalizer's g_value_unset drops the object's last
                 reference, which destroys its handler and the closure's
                 last reference: ml_closure_invalidate runs inside the sweep.
     issue N K   the shape tried in the issue: N Gio.Cancellables, each with
                 an on_cancelled handler (ocgtk's generated connect), cancel,
                 every other handler disconnected, the last K objects kept.
                 (ocgtk's Cancellable constructor keeps an extra reference,
                 so no Cancellable, handler or closure root is ever freed:
                 the roots pile up and every minor GC scans them all.)
     refcounts   the reference counts ocgtk's constructors return.
     scaling N M the minor-GC cost with N live closures (kept, each connected
                 to one object's "cancelled"): the time of M explicit minor
                 GCs, per GC. Prints "minor GC with N live closures: X ms".

   Prints a line per 10% of progress and "done" at the end; run.sh runs it
   with OCAMLRUNPARAM=s=4k and a timeout, and takes the stacks of a hang. *)

module Cancellable = Ocgtk_gio.Gio.Wrappers.Cancellable

let now = Unix.gettimeofday

let progress label i n t0 =
  if n >= 10 && i mod (n / 10) = 0 then
    let st = Gc.quick_stat () in
    Printf.printf "%s: %d/%d after %.1f s (minor GCs %d, major GCs %d, heap %d kwords)\n%!"
      label i n (now () -. t0) st.Gc.minor_collections st.Gc.major_collections
      (st.Gc.heap_words / 1000)

module Adjustment = Ocgtk_gtk.Gtk.Wrappers.Adjustment

let chain n k =
  let ring = Array.make k None in
  let hits = ref 0 in
  let t0 = now () in
  for i = 1 to n do
    (* a GtkAdjustment, not a GCancellable: ocgtk's constructor of a plain
       GObject keeps an extra reference (see "refcounts"), so a Cancellable
       would never be freed at all *)
    let obj = Adjustment.new_ 0. 0. 1. 0.1 0.1 0. in
    let j = i * 7 in
    (* three free variables (hits, i, j): a 5-field closure *)
    let cb = Gobject.Closure.create (fun _argv -> hits := !hits + i + j) in
    ignore (Gobject.Signal.connect obj ~name:"value-changed" ~callback:cb ~after:false);
    let v = Gobject.Value.create Gobject.Type.object_ in
    Gobject.Value.set_object v (Some obj);
    ring.(i mod k) <- Some v;
    progress "chain" i n t0
  done;
  Printf.printf "done: chain %d rounds, ring %d, %.1f s\n%!" n k (now () -. t0)

let issue n k =
  let kept = Array.make k None in
  let calls = ref 0 in
  let t0 = now () in
  for i = 1 to n do
    let c = Cancellable.new_ () in
    let id = Cancellable.on_cancelled c ~callback:(fun () -> incr calls) in
    Cancellable.cancel c;
    if i mod 2 = 0 then Gobject.Signal.disconnect c id;
    kept.(i mod k) <- Some c;
    progress "issue" i n t0
  done;
  Printf.printf "done: issue %d cancellables, %d handler calls, %.1f s\n%!" n !calls (now () -. t0)

let scaling n m =
  let obj = Cancellable.new_ () in
  let calls = ref 0 in
  let kept =
    Array.init n (fun _ ->
        let cb = Gobject.Closure.create (fun _ -> incr calls) in
        ignore (Gobject.Signal.connect obj ~name:"cancelled" ~callback:cb ~after:false);
        cb)
  in
  Gc.full_major ();
  let t0 = now () in
  for _ = 1 to m do
    ignore (Sys.opaque_identity (Array.make 10 0));
    Gc.minor ()
  done;
  let dt = (now () -. t0) /. float_of_int m in
  ignore (Sys.opaque_identity kept);
  Printf.printf "minor GC with %d live closures: %.3f ms\n%!" n (dt *. 1000.)

(* The reference counts ocgtk's constructors hand back: a GCancellable
   (a plain GObject, returned with a full reference) and a GtkAdjustment
   (floating, sunk by the constructor). *)
let refcounts () =
  let c = Cancellable.new_ () in
  Printf.printf "Gio.Cancellable.new_: ref_count %d (1 expected: the OCaml handle's)\n"
    (Gobject.get_ref_count c);
  let a = Ocgtk_gtk.Gtk.Wrappers.Adjustment.new_ 0. 0. 1. 0.1 0.1 0. in
  Printf.printf "Gtk.Adjustment.new_: ref_count %d (1 expected)\n%!" (Gobject.get_ref_count a)

let () =
  let arg i d = if Array.length Sys.argv > i then int_of_string Sys.argv.(i) else d in
  match if Array.length Sys.argv > 1 then Sys.argv.(1) else "" with
  | "chain" -> chain (arg 2 300_000) (arg 3 4096)
  | "issue" -> issue (arg 2 300_000) (arg 3 4096)
  | "refcounts" -> refcounts ()
  | "scaling" -> scaling (arg 2 100_000) (arg 3 200)
  | _ -> prerr_endline "usage: r_gc_drop.exe chain|issue|scaling [N] [K|M]"; exit 2
