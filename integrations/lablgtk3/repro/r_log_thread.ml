(* A g_log warning from a GLib worker thread while log handlers are set
   (RocqIDE sets them for GLib, GTK, GDK and Pango at every level): the
   handler is set with lablgtk3's public API (Glib.Message.set_log_handler);
   the warnings come from GLib threads started by a small C stub
   (r_log_thread_stubs.c, standing for a GIO worker that logs), while this
   thread waits in a blocking section as GMain.main's poll does. Stock's
   ml_g_log_func then calls OCaml on a thread without the domain lock.
   Prints "log-thread: N of M warnings handled" (exit 0 when all were). *)

external warn_from_threads : int -> int -> unit = "r_log_warn_from_threads"

let () =
  let threads = 4 and per_thread = 25 in
  let seen = ref 0 in
  let h = Glib.Message.set_log_handler ~domain:"r-log-thread" ~levels:[ `WARNING ]
      (fun ~level:_ msg -> if String.length msg > 0 then incr seen) in
  warn_from_threads threads per_thread;
  Glib.Message.remove_log_handler h;
  let total = threads * per_thread in
  Printf.printf "log-thread: %d of %d warnings handled\n%!" !seen total;
  exit (if !seen = total then 0 else 1)
