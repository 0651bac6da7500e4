(* Short-lived domains, up to three at a time, each making closures on
   objects of its own, emitting, and ending; no explicit GC per domain.
   After the first third, a baseline (Memstat.sample); after the rest,
   the figures again: growth per domain of malloc in use and RSS, and the
   closures left live.

     mem_domains.exe [--closures N] [--pure] [DOMAINS]

   --closures N: closures per domain (default 20; two per object, on
   GCancellables and GtkAdjustments alternately). --pure: the same number
   of domains doing OCaml work only (the control). --capture: each handler
   captures its object (not covered yet on domains other than the main
   one: docs/limits.md). MEM_TRACE=K prints the figures every K domains,
   after a GC, or as they are with MEM_PEEK=1. Prints one line:
   "domains N closures C malloc_per_domain M rss_per_domain R live_growth L". *)

open Gobject

let closures = ref 20
let pure = ref false
let capture = ref false
let domains = ref 900

let () =
  Arg.parse
    [ ("--closures", Arg.Set_int closures, "N closures per domain"); ("--pure", Arg.Set pure, " OCaml work only");
      ("--capture", Arg.Set capture, " the handlers capture their object") ]
    (fun s -> domains := int_of_string s)
    "mem_domains.exe [--closures N] [--pure] [DOMAINS]"

(* One object's worth of handlers: two closures that read the instance
   from argv (no cycle), connected, emitted, dropped with the object. *)
let on_object calls i =
  let handler_of o =
    if !capture then fun _argv -> ignore (Sys.opaque_identity o); Atomic.incr calls
    else fun _argv -> Atomic.incr calls
  in
  if i land 1 = 0 then begin
    let o = unsafe_create ~classe:"GCancellable" [] in
    let handler = handler_of o in
    ignore (Signal.connect_by_name o ~name:"cancelled" ~callback:(Closure.create handler) ~after:false);
    ignore (Signal.connect_by_name o ~name:"cancelled" ~callback:(Closure.create handler) ~after:true);
    ignore (Signal.emit_by_name o ~name:"cancelled" ~params:[])
  end else begin
    let o = unsafe_create ~classe:"GtkAdjustment" [] in
    let handler = handler_of o in
    ignore (Signal.connect_by_name o ~name:"value-changed" ~callback:(Closure.create handler) ~after:false);
    ignore (Signal.connect_by_name o ~name:"changed" ~callback:(Closure.create handler) ~after:false);
    ignore (Signal.emit_by_name o ~name:"value-changed" ~params:[]);
    ignore (Signal.emit_by_name o ~name:"changed" ~params:[])
  end

let work () =
  if !pure then begin
    (* As much allocation as the closures' domain, in OCaml only. *)
    let l = ref [] in
    for i = 1 to 20 * !closures do l := (i, string_of_int i) :: !l done;
    ignore (Sys.opaque_identity !l)
  end else begin
    let calls = Atomic.make 0 in
    let objects = (!closures + 1) / 2 in
    for i = 0 to objects - 1 do on_object calls i done;
    if Atomic.get calls <> 2 * objects then failwith (Printf.sprintf "%d calls of %d" (Atomic.get calls) (2 * objects))
  end

let run n =
  let running = Queue.create () in
  for _ = 1 to n do
    if Queue.length running = 3 then Domain.join (Queue.pop running);
    Queue.push (Domain.spawn work) running
  done;
  Queue.iter Domain.join running

let () =
  let n = !domains in
  let first = n / 3 in
  run first;
  let a = Memstat.sample () in
  (* MEM_TRACE=K: the figures every K domains, to see growth flatten or not. *)
  let trace = Memstat.env_int "MEM_TRACE" 0 in
  if trace > 0 then begin
    let rec go left =
      if left > 0 then begin
        let k = min trace left in
        run k;
        let s =
          (* MEM_PEEK=1: without the GC and flush of a sample *)
          if Memstat.env_int "MEM_PEEK" 0 = 1 then Memstat.peek () else Memstat.sample ()
        in
        Printf.printf "  after %d more: malloc %+d rss %+d live %d major cycles %d\n%!" (n - first - left + k) (s.malloc - a.malloc) (s.rss - a.rss) s.live (Gc.quick_stat ()).major_collections;
        go (left - k)
      end
    in
    go (n - first)
  end
  else run (n - first);
  let b = Memstat.sample () in
  let m, r = Memstat.per ~n:(n - first) a b in
  Printf.printf "domains %d closures %d malloc_per_domain %.0f rss_per_domain %.0f live_growth %d\n%!" (n - first)
    (if !pure then 0 else !closures) m r (b.live - a.live)
