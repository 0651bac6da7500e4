(* The exit test's main-loop case: a GTK application runs its main loop on
   the main domain (Gtk4.Application.run, the domain lock released while it
   waits) while a worker domain emits on objects whose handlers main
   connected, so the worker runs callbacks. A timeout inside the main loop
   calls [exit 0]: the exit runs from within a callback, under the loop,
   while the worker still works. Must exit 0 with nothing on stderr. *)

let progress = Atomic.make 0
let calls = Atomic.make 0

let worker objs () =
  let i = ref 0 in
  while true do
    ignore (Gobject.Signal.emit_by_name objs.(!i mod Array.length objs) ~name:"cancelled" ~params:[]);
    incr i;
    Atomic.incr progress
  done

let () =
  let objs =
    Array.init 64 (fun _ ->
        let o = Gobject.unsafe_create ~classe:"GCancellable" [] in
        let callback = Gobject.Closure.create (fun _ -> Atomic.incr calls) in
        ignore (Gobject.Signal.connect_by_name o ~name:"cancelled" ~callback ~after:false);
        o)
  in
  let app = Gtk4.Application.create ~unique:false ~id:"org.gclosure.ExitMainloop" () in
  ignore
    (Gtk4.Application.on_activate app (fun app ->
         let w = Gtk4.Window.create app in
         Gtk4.Window.present w;
         ignore (Sys.opaque_identity (Domain.spawn (worker objs)));
         ignore
           (Gtk4.Timeout.add ~ms:5 (fun () ->
                if Atomic.get progress < 50 then true
                else (
                  ignore (Gc.major_slice 0);
                  exit 0)))));
  exit (Gtk4.Application.run app)
