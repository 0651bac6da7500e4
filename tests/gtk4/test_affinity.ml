(* Objects have thread affinity (the hardening issue's item 2): a widget
   whose handle the GC dropped gets its last unref on GTK's thread, even
   when the safe point that releases it is reached on another thread. Here
   a systhread allocates and runs Gclosure.flush (a safe point) while
   Gtk4.Application.run runs the main loop; each dropped label records, in
   its "destroy" handler, the thread that disposed it. *)

let () =
  let main_thread = Thread.id (Thread.self ()) in
  let on_main = Atomic.make 0 and elsewhere = Atomic.make 0 in
  let n = 40 in
  let stop = Atomic.make false in
  let app = Gtk4.Application.create ~unique:false ~id:"org.gclosure.Affinity" () in
  ignore
    (Gtk4.Application.on_activate app (fun app ->
         let w = Gtk4.Window.create app in
         Gtk4.Window.present w;
         for _ = 1 to n do
           let l = Gtk4.Label.create ~text:"dropped" () in
           let callback =
             Gobject.Closure.create (fun _ ->
                 if Thread.id (Thread.self ()) = main_thread then Atomic.incr on_main else Atomic.incr elsewhere)
           in
           ignore (Gobject.Signal.connect_by_name l ~name:"destroy" ~callback ~after:false)
         done;
         (* The labels' handles are garbage now; the worker releases them. *)
         let worker =
           Thread.create
             (fun () ->
               while not (Atomic.get stop) do
                 ignore (Sys.opaque_identity (Array.make 1000 0));
                 Gc.full_major ();
                 Gclosure.flush ();
                 Thread.delay 0.002
               done)
             ()
         in
         ignore
           (Gtk4.Timeout.add ~ms:10 (fun () ->
                if Atomic.get on_main + Atomic.get elsewhere < n then true
                else (
                  Atomic.set stop true;
                  Thread.join worker;
                  Gtk4.Window.destroy w;
                  false)));
         ignore (Gtk4.Timeout.add ~ms:20_000 (fun () -> Atomic.set stop true; Gtk4.Window.destroy w; false))));
  let status = Gtk4.Application.run app in
  Check.case "every dropped label was disposed" (fun () ->
      let d = Atomic.get on_main + Atomic.get elsewhere in
      if d < n || status <> 0 then failwith (Printf.sprintf "%d of %d disposed (status %d)" d n status));
  Check.case "each on GTK's thread, none on the worker" (fun () ->
      if Atomic.get elsewhere <> 0 then
        failwith (Printf.sprintf "%d on GTK's thread, %d elsewhere" (Atomic.get on_main) (Atomic.get elsewhere)));
  Check.finish "test_affinity"
