(* Benchmark workloads on ocgtk's public API, run on ocgtk stock and on
   ocgtk over this library (integrations/ocgtk/bench.sh compares them).
   Each mode prints one line "<mode>: <number> <unit>".

     invoke N       one closure (Gobject.Closure.create), invoked N times
                    from C with g_closure_invoke and one gint argument
                    (b_invoke.c). Prints ns per invocation.
     emission N     one Gtk.Adjustment with one handler (a closure made by
                    Gobject.Closure.create); N value changes, each a
                    "value-changed" emission that invokes the handler.
                    Prints ns per emission.
     lifecycle N L  L live closures stay connected to one object; then N
                    rounds of: make a closure, connect it, disconnect it,
                    drop it; the full major GC that releases them is inside
                    the time. Prints ns per round.
     minor N M      N live closures connected to one object; M minor GCs.
                    Prints microseconds per minor GC. *)

module Adjustment = Ocgtk_gtk.Gtk.Wrappers.Adjustment

let now = Unix.gettimeofday

external invoke_n : Gobject.Closure.t -> int -> unit = "b_bench_invoke"

let invoke n =
  let calls = ref 0 in
  let cb = Gobject.Closure.create (fun _ -> incr calls) in
  let t0 = now () in
  invoke_n cb n;
  let dt = now () -. t0 in
  if !calls <> n then (Printf.eprintf "invoke: %d calls for %d invocations\n" !calls n; exit 1);
  Printf.printf "invoke: %.1f ns\n%!" (dt *. 1e9 /. float_of_int n)

let emission n =
  let a = Adjustment.new_ 0. 0. 1. 0.1 0.1 0. in
  let calls = ref 0 in
  let cb = Gobject.Closure.create (fun _ -> incr calls) in
  ignore (Gobject.Signal.connect a ~name:"value-changed" ~callback:cb ~after:false);
  let t0 = now () in
  for i = 1 to n do
    Adjustment.set_value a (float_of_int (i land 1))
  done;
  let dt = now () -. t0 in
  if !calls <> n then (Printf.eprintf "emission: %d calls for %d emissions\n" !calls n; exit 1);
  Printf.printf "emission: %.1f ns\n%!" (dt *. 1e9 /. float_of_int n)

let lifecycle n l =
  let a = Adjustment.new_ 0. 0. 1. 0.1 0.1 0. in
  let calls = ref 0 in
  let live =
    Array.init l (fun _ ->
        let cb = Gobject.Closure.create (fun _ -> incr calls) in
        ignore (Gobject.Signal.connect a ~name:"value-changed" ~callback:cb ~after:false);
        cb)
  in
  Gc.full_major ();
  let t0 = now () in
  for i = 1 to n do
    let cb = Gobject.Closure.create (fun _ -> calls := !calls + i) in
    let id = Gobject.Signal.connect a ~name:"value-changed" ~callback:cb ~after:false in
    Gobject.Signal.disconnect a id
  done;
  Gc.full_major ();
  let dt = now () -. t0 in
  ignore (Sys.opaque_identity live);
  Printf.printf "lifecycle: %.1f ns\n%!" (dt *. 1e9 /. float_of_int n)

let minor n m =
  let a = Adjustment.new_ 0. 0. 1. 0.1 0.1 0. in
  let calls = ref 0 in
  let live =
    Array.init n (fun _ ->
        let cb = Gobject.Closure.create (fun _ -> incr calls) in
        ignore (Gobject.Signal.connect a ~name:"value-changed" ~callback:cb ~after:false);
        cb)
  in
  Gc.full_major ();
  let t0 = now () in
  for _ = 1 to m do
    ignore (Sys.opaque_identity (Array.make 10 0));
    Gc.minor ()
  done;
  let dt = (now () -. t0) /. float_of_int m in
  ignore (Sys.opaque_identity live);
  Printf.printf "minor: %.2f us\n%!" (dt *. 1e6)

let () =
  let arg i d = if Array.length Sys.argv > i then int_of_string Sys.argv.(i) else d in
  match if Array.length Sys.argv > 1 then Sys.argv.(1) else "" with
  | "invoke" -> invoke (arg 2 1_000_000)
  | "emission" -> emission (arg 2 200_000)
  | "lifecycle" -> lifecycle (arg 2 100_000) (arg 3 100_000)
  | "minor" -> minor (arg 2 100_000) (arg 3 100)
  | _ -> prerr_endline "usage: b_bench.exe invoke N | emission N | lifecycle N L | minor N M"; exit 2
