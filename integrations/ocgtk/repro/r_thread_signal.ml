(* (b) A signal emitted on a GLib worker thread, on ocgtk's public API.

   Gio.ThreadedSocketService emits "run" for each incoming connection in a
   thread of its GTask thread pool (GLib's documentation: "emitted in a
   worker thread"). That thread was never registered with the OCaml runtime
   and does not hold the domain lock; ocgtk's marshaller calls the OCaml
   callback from it all the same.

   The program listens on a port the service picks (connecting only to
   127.0.0.1), connects to it N times with plain sockets, and iterates the
   main context (where the service accepts) while the main domain keeps
   running OCaml code. A correct binding runs the handler with the domain
   lock (or refuses the call); it prints "done: N handler calls". *)

module Service = Ocgtk_gio.Gio.Wrappers.Threaded_socket_service
module Listener = Ocgtk_gio.Gio.Wrappers.Socket_listener
module Sservice = Ocgtk_gio.Gio.Wrappers.Socket_service

let () =
  let n = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 20 in
  let calls = Atomic.make 0 in
  let service = Service.new_ 4 in
  let port =
    match Listener.add_any_inet_port (Gobject.unsafe_cast service) None with
    | Ok p -> UInt16.to_int p
    | Error e -> prerr_endline ("listen failed: " ^ GError.message e); exit 2
  in
  let cb =
    Gobject.Closure.create (fun argv ->
        (* runs on the worker thread: allocate like any handler would *)
        let s = String.concat "," (List.init 50 string_of_int) in
        ignore (Sys.opaque_identity s);
        Atomic.incr calls;
        let r = Gobject.Closure.result argv in
        Gobject.Value.set_boolean r true)
  in
  ignore (Gobject.Signal.connect service ~name:"run" ~callback:cb ~after:false);
  Sservice.start (Gobject.unsafe_cast service);
  Printf.printf "listening on port %d (service thread pool of 4)\n%!" port;
  let socks = ref [] in
  let garbage = ref [] in
  let deadline = Unix.gettimeofday () +. 20. in
  (* one connection at a time (the listen backlog is small); between them
     the main domain iterates the main context, where the service accepts,
     and keeps allocating *)
  for i = 1 to n do
    let s = Unix.socket Unix.PF_INET Unix.SOCK_STREAM 0 in
    Unix.connect s (Unix.ADDR_INET (Unix.inet_addr_loopback, port));
    socks := s :: !socks;
    while Atomic.get calls < i && Unix.gettimeofday () < deadline do
      ignore (Glib.Main.iteration false);
      garbage := List.init 100 (fun i -> Some i) :: (if List.length !garbage > 50 then [] else !garbage)
    done
  done;
  List.iter Unix.close !socks;
  Printf.printf "done: %d handler calls of %d connections\n%!" (Atomic.get calls) n;
  if Atomic.get calls < n then exit 1
