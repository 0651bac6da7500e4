(* Memory figures and the research note's method
   (shared/research/lifetime-measurements.md). *)

external malloc_in_use : unit -> int = "memstat_malloc_in_use"
external rss : unit -> int = "memstat_rss"

let settle () =
  for _ = 1 to 3 do
    Gc.full_major ();
    Gclosure.flush ()
  done

type sample = { malloc : int; rss : int; live : int }

let peek () = { malloc = malloc_in_use (); rss = rss (); live = (Gclosure.stats ()).live }

let sample () =
  settle ();
  (* Free OCaml heap pools back to the system: the RSS figure is then about
     what C keeps, not the OCaml heap's high-water mark. *)
  Gc.compact ();
  Gclosure.flush ();
  peek ()

let per ~n a b = (float (b.malloc - a.malloc) /. float n, float (b.rss - a.rss) /. float n)

let env_int name default = match Sys.getenv_opt name with Some s -> int_of_string s | None -> default
