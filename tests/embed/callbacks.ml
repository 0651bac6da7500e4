(* The OCaml side of the Rust tests (tests/rust_api.rs): callbacks they look
   up by name. Compiled into the test binaries by build.rs. *)

let clicks = ref 0
let last_nargs = ref (-1)

let () =
  Callback.register "count" (fun argv ->
      incr clicks;
      last_nargs := Gobject.Closure.nargs argv);
  Callback.register "raise" (fun (_ : Gobject.Closure.argv) -> failwith "raised in OCaml");
  Callback.register "clicks" (fun () -> !clicks);
  Callback.register "last_nargs" (fun () -> !last_nargs);
  Callback.register "gc" (fun () -> Gc.full_major ())

(* For tests/rust_end_of_life.rs: a channel written and not flushed, which
   only OCaml's at_exit (flush_all) writes out. *)
let () =
  Callback.register "write_unflushed" (fun path ->
      let oc = open_out path in
      output_string oc "written by OCaml, flushed at its exit\n")

(* For tests/rust_owned.rs: a handler connected in OCaml to a widget Rust
   made, capturing the widget's handle (an owned closure, src/ocaml/owners.rs),
   the handle then dropped by OCaml. *)
let owned_ran = ref 0

let () =
  Callback.register "owned.bind" (fun (b : unit Gobject.obj) ->
      ignore
        (Gobject.Signal.connect_by_name b ~name:"clicked" ~after:false
           ~callback:(Gobject.Closure.create (fun _ ->
                incr owned_ran;
                ignore (Sys.opaque_identity b)))));
  Callback.register "owned.ran" (fun () -> !owned_ran);
  (* A handler that collects: run on a GLib worker thread, the GC (and the
     owners' finalisers) runs there while the main thread holds no lock. *)
  Callback.register "owned.gc" (fun (_ : Gobject.Closure.argv) ->
      Gc.full_major ();
      Gc.full_major ())
