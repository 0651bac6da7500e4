(* Exit without cleaning up, while a second domain still works. Nothing is
   disconnected, flushed or shut down by hand: the main domain calls [exit 0]
   while the worker domain is busy. The shape of the work is chosen with
   --shape:

   - makes (default): main makes closures, connects them, keeps some
     alive; the worker keeps creating objects and closures, connecting,
     emitting, disconnecting half, and dropping them.
   - app: shaped like a GTK app with a background domain. The worker loops:
     a new GCancellable, a closure, connected to "cancelled", emitted. Main
     emits on a few hundred objects it keeps (each with a handler), runs
     [Gc.major_slice 0], and exits.
   - receives: the worker only receives callbacks: it emits on objects
     whose handlers main connected, and makes nothing itself.

   usage: exit_prog.exe --impl gclosure|baseline|control [--shape S]
                        [--warmup N] [--per-round K] [--keep N]

   Run it many times with OCAMLRUNPARAM=s=4k and with c=1 (tests/shell/
   test_exit.sh): every run must exit 0 and print nothing on stderr. With
   c=1 the runtime frees its memory at exit while the worker still runs. *)

let impl = ref "gclosure"
let shape = ref "makes"
let warmup = ref 50
let per_round = ref 16
let keep = ref 1000

let parse_args () =
  Arg.parse
    [ ("--impl", Arg.Set_string impl, "gclosure|baseline|control");
      ("--shape", Arg.Set_string shape, "makes|app|receives  what the worker does (default makes)");
      ("--warmup", Arg.Set_int warmup,
       "N  rounds the worker makes before main exits (default 50)");
      ("--per-round", Arg.Set_int per_round,
       "K  closures the worker creates per round (makes; default 16)");
      ("--keep", Arg.Set_int keep,
       "N  extra closures main keeps alive, never connected (makes; default 1000)") ]
    (fun a -> raise (Arg.Bad ("unexpected argument " ^ a)))
    "exit_prog.exe --impl gclosure|baseline|control [--shape makes|app|receives]"

module Run (I : Impl_intf.S) = struct
  (* What main keeps alive until exit: objects with handlers connected,
     closure handles (connected and not), and ids. *)
  let kept_objects = ref []
  let kept_closures = ref []

  let calls = Atomic.make 0
  let progress = Atomic.make 0

  let unexpected where e =
    Printf.eprintf "exit_prog %s: unexpected exception in %s: %s\n%!" I.name where
      (Printexc.to_string e)

  (* One round of the makes worker: new object, [per_round] closures,
     connect, emit, disconnect half, emit, drop everything. *)
  let round () =
    let obj = I.new_object () in
    let cs = Array.init !per_round (fun _ -> I.closure (fun () -> Atomic.incr calls)) in
    let ids = Array.map (I.connect obj) cs in
    I.emit obj;
    Array.iteri (fun j id -> if j mod 2 = 0 then I.disconnect obj id) ids;
    I.emit obj;
    ignore (Sys.opaque_identity cs)

  (* One round of the app worker: one object, one closure, one emission. *)
  let app_round () =
    let obj = I.new_object () in
    ignore (I.connect obj (I.closure (fun () -> Atomic.incr calls)));
    I.emit obj

  (* The worker loops until the process ends. A library call must never
     raise into it (the library parks it at exit instead): any exception
     is reported and ends the loop, which the test sees on stderr. *)
  let worker work () =
    let stop = ref false in
    while not !stop do
      (try work () with e -> unexpected "the worker domain" e; stop := true);
      Atomic.incr progress
    done

  let connected_objects n =
    List.init n (fun _ ->
        let obj = I.new_object () in
        ignore (I.connect obj (I.closure (fun () -> Atomic.incr calls)));
        obj)

  let wait_for_worker step =
    while Atomic.get progress < !warmup do
      (try step () with e -> unexpected "main" e);
      Domain.cpu_relax ()
    done

  let makes () =
    for _ = 1 to 3 do
      let obj = I.new_object () in
      let cs = List.init 6 (fun _ -> I.closure (fun () -> Atomic.incr calls)) in
      let ids = List.map (I.connect obj) cs in
      I.emit obj;
      (* disconnect one, keep its handle *)
      I.disconnect obj (List.hd ids);
      kept_objects := obj :: !kept_objects;
      (* keep half of the handles; the others live on through their handlers *)
      kept_closures := List.filteri (fun i _ -> i mod 2 = 0) cs @ !kept_closures
    done;
    (* Closures that are never connected, also kept. *)
    kept_closures := List.init !keep (fun _ -> I.closure ignore) @ !kept_closures;
    ignore (Sys.opaque_identity (Domain.spawn (worker round)));
    (* Main keeps making garbage closures while the worker warms up. *)
    wait_for_worker (fun () -> ignore (Sys.opaque_identity (I.closure ignore)))

  let app () =
    let objs = connected_objects 300 in
    kept_objects := objs;
    ignore (Sys.opaque_identity (Domain.spawn (worker app_round)));
    wait_for_worker (fun () -> List.iter I.emit objs; Gc.major_slice 0 |> ignore)

  let receives () =
    let objs = Array.of_list (connected_objects 64) in
    kept_objects := Array.to_list objs;
    let i = ref 0 in
    let emit_next () = I.emit objs.(!i mod Array.length objs); incr i in
    ignore (Sys.opaque_identity (Domain.spawn (worker emit_next)));
    wait_for_worker (fun () -> Gc.major_slice 0 |> ignore)

  let main () =
    (match !shape with
     | "makes" -> makes ()
     | "app" -> app ()
     | "receives" -> receives ()
     | s -> Printf.eprintf "unknown shape %S\n" s; exit 64);
    (* Exit now, the worker still running, nothing cleaned up. *)
    exit 0
end
