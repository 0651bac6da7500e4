(* The OCaml half of the Rust gtk4-rs counter app (main.rs): callbacks the
   Rust side looks up by name and connects to its widgets. build.rs compiles
   this file, with the Gobject and Gclosure modules, into the example. *)

let count = ref 0
let count_label : unit Gobject.obj option ref = ref None
let mirror_label : unit Gobject.obj option ref = ref None

let set_text label text =
  Option.iter (fun l -> Gobject.Property.set_dyn l "label" (`STRING (Some text))) !label

let () =
  (* Rust hands over the two labels it made. *)
  Callback.register "counter.bind" (fun count_l mirror_l ->
      count_label := Some count_l;
      mirror_label := Some mirror_l);
  (* GtkButton::clicked *)
  Callback.register "counter.clicked" (fun (_ : Gobject.Closure.argv) ->
      incr count;
      set_text count_label (Printf.sprintf "Clicks: %d" !count));
  (* GtkEditable::changed on the entry: argument 0 is the entry. *)
  Callback.register "counter.changed" (fun argv ->
      match Gobject.Closure.get argv ~pos:0 with
      | `OBJECT (Some entry) -> (
        match Gobject.Property.get_dyn entry "text" with
        | `STRING (Some t) -> set_text mirror_label t
        | _ -> ())
      | _ -> ())
