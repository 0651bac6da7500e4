(* A GTK 3 program on gclosure.core.glib: the library finds GTK 4 at run
   time with dlsym(RTLD_DEFAULT) only (src/gtk/toplevels.rs), so a GTK 3
   process never gets GTK 4 mapped, closures and all. *)

type closure

external init : unit -> bool = "gtk3_init"
external closure_new : (unit -> unit) -> closure = "gtk3_closure_new"
external window_destroyed : closure -> unit = "gtk3_window_destroyed"
external flush : unit -> unit = "gtk3_flush"
external maps_contain : string -> int = "gtk3_maps_contain"

let () =
  if not (init ()) then (print_endline "test_gtk3: no display"; exit 1);
  let destroyed = ref 0 in
  for _ = 1 to 20 do
    window_destroyed (closure_new (fun () -> incr destroyed));
    Gc.full_major ();
    flush ()
  done;
  let gtk3 = maps_contain "libgtk-3" and gtk4 = maps_contain "libgtk-4" in
  Printf.printf "test_gtk3: %d of 20 windows' \"destroy\" ran; libgtk-3 mapped: %b; libgtk-4 mapped: %b\n"
    !destroyed (gtk3 = 1) (gtk4 = 1);
  let ok = !destroyed = 20 && gtk3 = 1 && gtk4 = 0 in
  print_endline (if ok then "test_gtk3: 1 passed, 0 failed" else "test_gtk3: 0 passed, 1 failed");
  exit (if ok then 0 else 1)
