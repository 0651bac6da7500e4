(* ocaml-gclosure through its OCaml API (ocaml-lib/gobject.mli, gclosure.mli). *)

let name = "gclosure"

type obj = [ `cancellable ] Gobject.obj
type closure = Gobject.g_closure
type id = Gobject.Signal.id

let new_object () : obj = Gobject.unsafe_create ~classe:"GCancellable" []
let closure f = Gobject.Closure.create (fun _argv -> f ())

let connect obj callback =
  Gobject.Signal.connect_by_name obj ~name:"cancelled" ~callback ~after:false

let disconnect = Gobject.Signal.disconnect

let emit obj =
  match Gobject.Signal.emit_by_name obj ~name:"cancelled" ~params:[] with
  | `NONE -> ()
  | _ -> failwith "emit_by_name \"cancelled\": expected `NONE"

let is_closed = function Gclosure.Closed -> true | _ -> false

let stats_line (s : Gclosure.stats) =
  Printf.sprintf "created=%d live=%d pending_release=%d released=%d invalidated=%d"
    (Gclosure.created ()) s.live s.pending_release s.released s.invalidated

(* Object unrefs and closure releases are deferred to safe points, and one
   release can make more (an object's last unref disconnects its handlers):
   a few rounds of GC + flush reach the fixed point. *)
let settle () =
  for _ = 1 to 5 do
    Gc.full_major ();
    Gclosure.flush ()
  done

let finish () =
  settle ();
  let before = Gclosure.stats () in
  let leaked_before =
    (* Every handle is gone and every object collected: nothing may be live. *)
    if before.live <> 0 || before.pending_release <> 0 then
      Some ("before shutdown, after GC and flush: " ^ stats_line before)
    else None
  in
  Gclosure.shutdown ();
  let s = Gclosure.stats () in
  let created = Gclosure.created () in
  let after_ok =
    s.live = 0 && s.pending_release = 0 && s.released = created
    && s.invalidated = created && Gclosure.is_closed ()
  in
  match (leaked_before, after_ok) with
  | None, true -> Ok ("after shutdown: " ^ stats_line s)
  | Some why, true -> Error why
  | _, false ->
      Error
        (Printf.sprintf "after shutdown: %s (want live=0 pending_release=0 \
                         released=invalidated=created, closed)" (stats_line s))
