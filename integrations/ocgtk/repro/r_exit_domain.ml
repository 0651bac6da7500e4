(* (e) Exit while a second domain still works with ocgtk closures, on
   ocgtk's public API (run with OCAMLRUNPARAM=c=1, alongside
   r_exit_control.exe, the same program without GLib).

   The main domain makes a few objects with handlers and keeps them; a
   second domain loops: a new Gio.Cancellable, 16 closures connected to its
   "cancelled", an emission, every other handler disconnected, another
   emission, everything dropped. Once that domain is busy, the main domain
   calls exit 0 with nothing cleaned up. *)

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

let () =
  let warmup = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 50 in
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
