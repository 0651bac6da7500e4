(* Exit without cleaning up: the main domain makes closures, connects them,
   keeps some alive, starts a second domain that keeps creating, emitting
   and dropping closures, waits until that domain is busy, and exits while
   it still works. Nothing is disconnected, flushed or shut down by hand.

   usage: exit_prog.exe --impl gclosure|baseline [--warmup N] [--per-round K]
                        [--keep N]
          exit_baseline.exe [same options, --impl ignored]

   Run it many times with OCAMLRUNPARAM=s=4k and with c=1 (tests/shell/
   test_exit.sh): every run must exit 0 and print nothing on stderr. With
   c=1 the runtime frees its memory at exit while the second domain still
   runs; design.md measured 11 crashes in 20 runs with the lablgtk pattern. *)

let impl = ref "gclosure"
let warmup = ref 50
let per_round = ref 16
let keep = ref 1000

let parse_args () =
  Arg.parse
    [ ("--impl", Arg.Set_string impl, "gclosure|baseline");
      ("--warmup", Arg.Set_int warmup,
       "N  rounds the second domain makes before main exits (default 50)");
      ("--per-round", Arg.Set_int per_round,
       "K  closures the second domain creates per round (default 16)");
      ("--keep", Arg.Set_int keep,
       "N  extra closures main keeps alive, never connected (default 1000)") ]
    (fun a -> raise (Arg.Bad ("unexpected argument " ^ a)))
    "exit_prog.exe --impl gclosure|baseline [--warmup N]"

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

  (* One round of the second domain's work: new object, [per_round] closures,
     connect, emit, disconnect half, emit, drop everything. *)
  let round () =
    let obj = I.new_object () in
    let cs = Array.init !per_round (fun _ -> I.closure (fun () -> Atomic.incr calls)) in
    let ids = Array.map (I.connect obj) cs in
    I.emit obj;
    Array.iteri (fun j id -> if j mod 2 = 0 then I.disconnect obj id) ids;
    I.emit obj;
    ignore (Sys.opaque_identity cs)

  let worker () =
    (* Loops until the process ends. Once the library is closed (gclosure
       after its at_exit shutdown), creation raises its Closed exception:
       the loop keeps trying, which is exactly what must stay harmless. *)
    let stop = ref false in
    while not !stop do
      (try round () with
       | e when I.is_closed e -> ()
       | e -> unexpected "the second domain" e; stop := true);
      Atomic.incr progress
    done

  let main () =
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
    let d = Domain.spawn worker in
    ignore (Sys.opaque_identity d);
    (* Main keeps making garbage closures while the worker warms up. *)
    while Atomic.get progress < !warmup do
      (try ignore (Sys.opaque_identity (I.closure ignore))
       with e -> unexpected "main" e);
      Domain.cpu_relax ()
    done;
    (* Exit now, the second domain still running, nothing cleaned up. *)
    exit 0
end

