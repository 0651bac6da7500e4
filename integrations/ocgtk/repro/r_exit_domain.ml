(* (e) Exit while a second domain still works with ocgtk closures, on
   ocgtk's public API (run with OCAMLRUNPARAM=c=1, alongside
   r_exit_control.exe, the same program without GLib).

   The main domain makes a few objects with handlers and keeps them; a
   second domain loops: a new Gio.Cancellable, 16 closures connected to its
   "cancelled", an emission, every other handler disconnected, another
   emission, everything dropped (with a second argument "create": only
   closures, 64 per round, as fast as they come). Once that domain is busy
   (argument 1: rounds, default 50), the main domain calls exit 0 with
   nothing cleaned up. *)

module Cancellable = Ocgtk_gio.Gio.Wrappers.Cancellable

let calls = Atomic.make 0
let progress = Atomic.make 0

let round () =
  let obj = Cancellable.new_ () in
  let cs = Array.init 16 (fun _ -> Gobject.Closure.create (fun _ -> Atomic.incr calls)) in
  let ids = Array.map (fun c -> Gobject.Signal.connect obj ~name:"cancelled" ~callback:c ~after:false) cs in
  Gobject.Signal.emit_by_name obj ~name:"cancelled";
  Array.iteri (fun j id -> if j mod 2 = 0 then Gobject.Signal.disconnect obj id) ids;
  Gobject.Signal.emit_by_name obj ~name:"cancelled";
  ignore (Sys.opaque_identity cs)

(* The "create" workload: closures only, as fast as they come (each one a
   caml_register_global_root), a few kept in a ring. *)
let ring = Array.make 64 None
let create_round () =
  for i = 0 to 63 do ring.(i) <- Some (Gobject.Closure.create (fun _ -> Atomic.incr calls)) done

let () =
  let warmup = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 50 in
  let round = if Array.length Sys.argv > 2 && Sys.argv.(2) = "create" then create_round else round in
  let kept =
    List.init 3 (fun _ ->
        let obj = Cancellable.new_ () in
        List.iter (fun _ ->
            ignore (Gobject.Signal.connect obj ~name:"cancelled"
                      ~callback:(Gobject.Closure.create (fun _ -> Atomic.incr calls)) ~after:false))
          (List.init 6 Fun.id);
        obj)
  in
  let extra = List.init 1000 (fun _ -> Gobject.Closure.create ignore) in
  let d = Domain.spawn (fun () -> while true do round (); Atomic.incr progress done) in
  ignore (Sys.opaque_identity d);
  while Atomic.get progress < warmup do
    ignore (Sys.opaque_identity (Gobject.Closure.create ignore));
    Domain.cpu_relax ()
  done;
  ignore (Sys.opaque_identity (kept, extra));
  exit 0
