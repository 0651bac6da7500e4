(* The shutdown race of the second review (issue 20, item 3), with and
   without a second domain (issue 25, item 2).

   The program holds closures only through references of C threads that
   the OCaml runtime never saw (unreffers.c); those threads drop them, so
   GLib invalidates, finalizes and frees the closures on those threads,
   while the main domain runs Gclosure.shutdown: when it is the only
   domain, the shutdown's GLib-side scan (src/shutdown.rs,
   invalidate_in_glib) reads the registry and references closures while
   they are freed (before_free is what keeps that safe); when a second
   domain runs, the scan is skipped and the registry's multi-domain paths
   run instead (its lock, global roots, the other domain's safe points).

   A shutdown happens once per process, so the test runs itself as child
   processes, SHUTDOWN_RACE_RUNS per variant of the second domain (40
   for none, 16 for the others; about 5 s in all on an idle machine)
   (SHUTDOWN_RACE_VARIANTS, comma-separated, picks some):
     none      the main domain alone (the scan runs);
     alloc     a second domain allocates all the time;
     closures  a second domain creates, connects, emits, disconnects and
               drops closures of the library all the time, until it gets
               Closed, then checks that nothing of the library runs.
   A child is bad when it exits non-zero, dies of a signal, takes more
   than 30 s, or prints anything on stderr (a GLib critical). Each child
   also checks the registry's balance after everything has ended.

   What it catches (bench/analysis.md has the figures): before_free made a
   no-op crashes about 1 to 2% of the alone runs (the scan's try_ref and
   g_closure_invalidate on a freed closure), so 40 runs fail in about half
   of the test's runs; with the scan's window between its state load and
   try_ref widened, nearly every run. The window is a few instructions:
   no test opens it on demand, hence the many runs and the children's
   malloc settings (child_env). With two domains the scan is skipped
   (the gate's domain_alone); were it not, the two-domain variants catch
   a no-op before_free the same way.

   usage: test_shutdown_race.exe [--child VARIANT DELAY_US] *)

open Gobject

external race_hold : g_closure array -> unit = "test_race_hold"
external race_start : int -> int -> unit = "test_race_start"
external race_join : unit -> int * int = "test_race_join"
external race_keep_object : 'a obj -> unit = "test_race_keep_object"
external race_drop_objects : unit -> int = "test_race_drop_objects"
external race_emit_kept : int -> unit = "test_race_emit_kept"

(* Closures the C threads drop, and threads dropping them. *)
let n_closures = 20_000
let n_threads = 4

(* Closures referenced by the C threads only: the program's g_closure
   values are dropped and their references released (flush) before the
   shutdown. *)
let[@inline never] hold n = race_hold (Array.init n (fun _ -> Closure.create ignore))

(* The second domain's work until [stop]; [ready] once it has run a while. *)
let allocating ~ready ~stop () =
  let n = ref 0 in
  while not (Atomic.get stop) do
    ignore (Sys.opaque_identity (List.init 50 Fun.id));
    incr n;
    if !n = 2000 then Atomic.set ready true
  done;
  None

(* Closures of the library on the second domain, until Closed. Each round
   also leaves an object with a handler connected to C alone; once Closed,
   the domain emits on those objects from C three times (GLib invokes the
   closures without a call into the library first), then drops them
   through C (GLib disconnects their handlers and drops their closures),
   while the shutdown still runs on the main domain; no callback may run
   from then on, and every use of the library must raise Closed. Returns an error message, if any. *)
let with_closures ~ready ~stop:_ () =
  let o = unsafe_create ~classe:"GCancellable" [] in
  let calls = ref 0 in
  let connected = Queue.create () in
  let n = ref 0 in
  let closed = ref false in
  while not !closed do
    match
      let callback = Closure.create (fun _ -> incr calls) in
      Queue.push (Signal.connect_by_name o ~name:"cancelled" ~callback ~after:false) connected;
      if Queue.length connected > 8 then Signal.disconnect o (Queue.pop connected);
      ignore (Signal.emit_by_name o ~name:"cancelled" ~params:[]);
      if !n < 1000 then begin
        let kept = unsafe_create ~classe:"GCancellable" [] in
        ignore (Signal.connect_by_name kept ~name:"cancelled" ~callback:(Closure.create (fun _ -> incr calls)) ~after:false);
        race_keep_object kept
      end;
      incr n;
      if !n land 63 = 0 then (Gc.minor (); Gclosure.flush ());
      if !n = 400 then Atomic.set ready true
    with
    | () -> ()
    | exception Gclosure.Closed -> closed := true
  done;
  let before = !calls in
  race_emit_kept 3;
  let dropped = race_drop_objects () in
  let raises f = match f () with _ -> false | exception Gclosure.Closed -> true in
  if dropped < 400 then Some (Printf.sprintf "only %d objects kept before Closed" dropped)
  else if not (raises (fun () -> Closure.create ignore)) then Some "Closure.create after Closed did not raise Closed"
  else if not (raises (fun () -> Signal.emit_by_name o ~name:"cancelled" ~params:[])) then
    Some "an emission after Closed did not raise Closed"
  else if !calls <> before then Some (Printf.sprintf "%d callbacks ran after Closed" (!calls - before))
  else None

let child variant delay =
  hold n_closures;
  Gc.full_major ();
  Gc.full_major ();
  Gclosure.flush ();
  let ready = Atomic.make false and stop = Atomic.make false in
  let second =
    match variant with
    | "none" -> None
    | "alloc" -> Some (Domain.spawn (allocating ~ready ~stop))
    | "closures" -> Some (Domain.spawn (with_closures ~ready ~stop))
    | v -> failwith ("unknown variant " ^ v)
  in
  (* The second domain runs during the whole shutdown. *)
  if second <> None then while not (Atomic.get ready) do Domain.cpu_relax () done;
  race_start n_threads delay;
  Gclosure.shutdown ();
  let dropped, seen_invalid = race_join () in
  Atomic.set stop true;
  let error = Option.bind second Domain.join in
  let s = Gclosure.stats () in
  let problems =
    List.filter_map Fun.id
      [
        error;
        (if dropped <> n_closures then Some (Printf.sprintf "%d of %d closures dropped" dropped n_closures) else None);
        (if s.live <> 0 || s.pending_release <> 0 then
           Some (Printf.sprintf "after shutdown: live %d, pending %d" s.live s.pending_release)
         else None);
        (if s.released <> Gclosure.created () then
           Some (Printf.sprintf "released %d of %d created" s.released (Gclosure.created ()))
         else None);
      ]
  in
  List.iter (Printf.eprintf "%s\n") problems;
  (* What the parent counts: how many closures the scan reached before
     their thread dropped them. *)
  Printf.printf "scanned-first %d\n" seen_invalid;
  exit (if problems = [] then 0 else 1)

(* ---- the parent: runs the children ---- *)

let read_file path = In_channel.with_open_bin path In_channel.input_all

let signal_name n =
  List.assoc_opt n [ (Sys.sigsegv, "SIGSEGV"); (Sys.sigabrt, "SIGABRT"); (Sys.sigbus, "SIGBUS"); (Sys.sigill, "SIGILL") ]
  |> Option.value ~default:(Printf.sprintf "signal %d (OCaml's number)" n)

(* The children's environment: glibc fills freed memory with 0x11 and
   keeps no per-thread cache of freed chunks (which would leave a freed
   closure's count at 0), so a closure used after GLib freed it reads a
   count of 4369 and notifier pointers 0x1111...: the scan's try_ref then
   succeeds and g_closure_invalidate jumps through them (a crash), where
   with glibc's defaults try_ref would read the freed count of 0 and the
   use after free would pass unseen. *)
let child_env () =
  let tunables =
    match Sys.getenv_opt "GLIBC_TUNABLES" with
    | Some t when t <> "" -> t ^ ":glibc.malloc.tcache_count=0"
    | _ -> "glibc.malloc.tcache_count=0"
  in
  Array.append [| "MALLOC_PERTURB_=17"; "GLIBC_TUNABLES=" ^ tunables |]
    (Array.of_list
       (List.filter
          (fun kv -> not (String.starts_with ~prefix:"MALLOC_PERTURB_=" kv || String.starts_with ~prefix:"GLIBC_TUNABLES=" kv))
          (Array.to_list (Unix.environment ()))))

(* One child: (bad: why, if it was; closures the scan reached first). *)
let run_child variant delay =
  let out = Filename.temp_file "shutdown_race" ".out" and err = Filename.temp_file "shutdown_race" ".err" in
  let fd_out = Unix.openfile out [ O_WRONLY; O_TRUNC ] 0o600 and fd_err = Unix.openfile err [ O_WRONLY; O_TRUNC ] 0o600 in
  let pid =
    Unix.create_process_env Sys.executable_name
      [| Sys.executable_name; "--child"; variant; string_of_int delay |]
      (child_env ()) Unix.stdin fd_out fd_err
  in
  Unix.close fd_out;
  Unix.close fd_err;
  let t0 = Unix.gettimeofday () in
  let rec wait () =
    match Unix.waitpid [ WNOHANG ] pid with
    | 0, _ when Unix.gettimeofday () -. t0 > 30. ->
        Unix.kill pid Sys.sigkill;
        ignore (Unix.waitpid [] pid);
        Some "hung (killed after 30 s)"
    | 0, _ -> Unix.sleepf 0.005; wait ()
    | _, WEXITED 0 -> None
    | _, WEXITED n -> Some (Printf.sprintf "exit code %d" n)
    | _, (WSIGNALED n | WSTOPPED n) -> Some ("killed by " ^ signal_name n)
  in
  let status = wait () in
  let stderr = read_file err and stdout = read_file out in
  Sys.remove out;
  Sys.remove err;
  let bad =
    match status with
    | Some why -> Some (why ^ if stderr = "" then "" else "; stderr: " ^ stderr)
    | None when stderr <> "" -> Some ("stderr: " ^ stderr)
    | None -> None
  in
  let scanned_first = try Scanf.sscanf stdout "scanned-first %d" Fun.id with _ -> 0 in
  (bad, scanned_first)

let parent () =
  let runs_given = Option.bind (Sys.getenv_opt "SHUTDOWN_RACE_RUNS") int_of_string_opt in
  List.iter
    (fun variant ->
      (* The alone variant is the one where the scan runs: its runs are the
         cheapest (40 ms) and the most telling. *)
      let runs = Option.value runs_given ~default:(if variant = "none" then 40 else 16) in
      let t0 = Unix.gettimeofday () in
      let bad = ref [] and met = ref 0 and reached = ref 0 in
      for i = 0 to runs - 1 do
        (* Thread k starts k * DELAY us after the library closed: 0 to
           150 us apart, so they meet the scan at different points. *)
        let b, s = run_child variant (i mod 4 * 50) in
        Option.iter (fun why -> bad := (i, why) :: !bad) b;
        if s > 0 then incr met;
        reached := !reached + s
      done;
      Check.case
        (Printf.sprintf "second domain %s: %d shutdowns while %d threads drop %d closures (%d bad; the scan met them in %d, reaching %d closures first; %.1f s)"
           variant runs n_threads n_closures (List.length !bad) !met !reached (Unix.gettimeofday () -. t0))
        (fun () ->
          match List.rev !bad with
          | [] -> ()
          | (i, why) :: _ -> failwith (Printf.sprintf "run %d: %s" i why)))
    (match Sys.getenv_opt "SHUTDOWN_RACE_VARIANTS" with
    | Some l when l <> "" -> String.split_on_char ',' l
    | _ -> [ "none"; "alloc"; "closures" ]);
  Check.finish "test_shutdown_race"

let () =
  match Sys.argv with
  | [| _; "--child"; variant; delay |] -> child variant (int_of_string delay)
  | _ -> parent ()
