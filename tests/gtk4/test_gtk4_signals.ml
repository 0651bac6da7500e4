(* Sys.catch_break and SIGINT while Gtk4.Application.run runs its main loop
   with the domain lock released (the hardening issue's item 4): the
   Sys.Break raised by OCaml's handler must surface inside a callback (the
   first OCaml code that runs after the signal) and reach the exception
   handler; the main loop goes on running callbacks (a ticking timeout
   quits the application three ticks after the Break), and
   Application.run returns normally. A callback whose run the exception
   cut short returns its type's default (a timeout returning false stops),
   as documented. *)

external raise_quietly : int -> unit = "test_raise_quietly"

let () =
  Sys.catch_break true;
  let breaks = Atomic.make 0 and other = Atomic.make 0 in
  let window = ref None in
  let quit () = Option.iter Gtk4.Window.destroy !window; window := None in
  let ticks = ref 0 and quit_at = ref max_int and ticks_after = ref 0 in
  Gclosure.set_exception_handler (function
    | Sys.Break -> Atomic.incr breaks; quit_at := !ticks + 3
    | _ -> Atomic.incr other);
  let tick () =
    incr ticks;
    if !quit_at < max_int then incr ticks_after;
    if !ticks >= !quit_at then (quit (); false) else true
  in
  let app = Gtk4.Application.create ~unique:false ~id:"org.gclosure.Signals" () in
  ignore
    (Gtk4.Application.on_activate app (fun app ->
         let w = Gtk4.Window.create app in
         window := Some w;
         Gtk4.Window.present w;
         (* Two tickers: if the Break cuts one short (it stops), the other
            goes on. *)
         ignore (Gtk4.Timeout.add ~ms:2 tick);
         ignore (Gtk4.Timeout.add ~ms:3 tick);
         (* The signal is pending when this callback returns (see
            tests/ocaml/emitters.c): the library then gives the lock up. *)
         ignore (Gtk4.Timeout.add ~ms:20 (fun () -> raise_quietly Sys.sigint; false));
         (* If the main loop stops running callbacks, end anyway (the test
            then fails). *)
         ignore (Gtk4.Timeout.add ~ms:10_000 (fun () -> quit (); false))));
  let status = try Gtk4.Application.run app with Sys.Break -> -1 in
  Check.case "SIGINT during Application.run: callbacks went on after it, and the application quit normally" (fun () ->
      if status <> 0 || !ticks_after < 1 then
        failwith (Printf.sprintf "status %d, %d ticks after the Break" status !ticks_after));
  Check.case "Sys.Break reached the exception handler once, from a callback" (fun () ->
      if Atomic.get breaks <> 1 || Atomic.get other <> 0 then
        failwith (Printf.sprintf "%d Break, %d other" (Atomic.get breaks) (Atomic.get other)));
  Check.finish "test_gtk4_signals"
