(* The C API through a binding of our own (capi_stubs.c): a custom argv
   record, a callback, deferred releases from GC finalizers, a stale argv
   refused, exceptions, shutdown. Links gclosure.core only. *)

type handle
type argv = { nargs : int; args : handle; mutable result : int; tag : string }
(* The same record, args a token (ocgc_invocation_token). *)
type targv = { tnargs : int; token : int; mutable tresult : int; ttag : string }
type closure
type obj
type gvalue
type other

external closure_new : (argv -> unit) -> closure = "capi_closure_new"
external invoke : closure -> int -> int -> int = "capi_invoke"
external nth_int : argv -> int -> int = "capi_nth_int"
external is_handle : 'a -> bool = "capi_is_handle"
external closure_new_token : (targv -> unit) -> closure = "capi_closure_new_token"
external nth_int_token : targv -> int -> int = "capi_nth_int_token"
external is_token : 'a -> bool = "capi_is_token"
external invoke_in_thread : closure -> unit = "capi_invoke_in_thread"
external object_new : unit -> obj = "capi_object_new"
external value_of_new_object : unit -> gvalue = "capi_value_of_new_object"
external other_new : unit -> other = "capi_other_new"
external flush : unit -> unit = "capi_flush"
external shutdown : unit -> unit = "capi_shutdown"
external is_closed : unit -> bool = "capi_is_closed"

external counters : unit -> int * int * int * int * int * int = "capi_counters"
external cancellable_new : unit -> obj = "capi_cancellable_new"
external cancellables_alive : unit -> int = "capi_cancellables_alive"
external connect : obj -> string -> closure -> bool -> int = "capi_connect"
external own_with_int : obj -> closure -> unit = "capi_own_with_int"
external keep : obj -> unit = "capi_keep"
external kept_cancel : unit -> unit = "capi_kept_cancel"
external kept_release : unit -> unit = "capi_kept_release"

let failed = ref 0
let passed = ref 0

let check name ok =
  if ok then (incr passed; Printf.printf "ok   %s\n%!" name)
  else (incr failed; Printf.printf "FAIL %s\n%!" name)

let closures_finalized () = let c, _, _, _, _, _ = counters () in c
let objects_alive () = let _, a, _, _, _, _ = counters () in a
let released_in_gc () = let _, _, r, _, _, _ = counters () in r
let exceptions_seen () = let _, _, _, e, _, _ = counters () in e
let finishes () = let _, _, _, _, f, _ = counters () in f
let deferred_calls () = let _, _, _, _, _, d = counters () in d

let collect () = Gc.full_major (); Gc.full_major (); flush ()

let () =
  (* The binding's own argv: nargs and tag from its builder, params through
     the handle, the result copied back by its finish hook. *)
  let seen = ref None in
  let c =
    closure_new (fun argv ->
        seen := Some argv;
        argv.result <- nth_int argv 0 + nth_int argv 1)
  in
  check "invoke: the callback's result comes back through finish" (invoke c 20 22 = 42);
  (match !seen with
   | Some argv ->
     check "argv built by the binding (nargs, user_data)" (argv.nargs = 2 && argv.tag = "capi-test");
     check "a stale handle is refused (Invalid_argument)"
       (match nth_int argv 0 with _ -> false | exception Invalid_argument _ -> true);
     check "a stale handle is not a live handle" (not (is_handle argv.args))
   | None -> check "the callback ran" false);
  check "a string is not a handle" (not (is_handle "args"));
  (* Out of range during the call. *)
  let c2 = closure_new (fun argv -> argv.result <- (try nth_int argv 2 with Invalid_argument _ -> 7)) in
  check "an index out of range is refused during the call" (invoke c2 1 1 = 7);
  (* Exceptions: the binding's hook, then the library's handler; never
     through C; finish still runs with raised = 1. *)
  let handled = ref 0 in
  Gclosure_core.set_exception_handler (fun _ -> incr handled);
  let e0 = exceptions_seen () and f0 = finishes () in
  let c3 = closure_new (fun _ -> raise Exit) in
  let r = invoke c3 1 2 in
  check "an exception: on_exception hook, then the handler, then finish (raised)"
    (exceptions_seen () = e0 + 1 && !handled = 1 && finishes () = f0 + 1 && r = -1);
  (* Nested invocations and the GC during callbacks. *)
  let inner = closure_new (fun argv -> argv.result <- nth_int argv 0 * nth_int argv 1) in
  let outer =
    closure_new (fun argv ->
        Gc.full_major ();
        let x = invoke inner (nth_int argv 0) 10 in
        argv.result <- x + nth_int argv 1)
  in
  check "nested invocations, a major GC inside" (invoke outer 3 4 = 34);
  (* Deferred releases from GC finalizers: closure blocks, objects, GValues
     holding objects, anything else. *)
  let n = 2000 in
  let fin0 = closures_finalized () in
  for i = 1 to n do
    let c = closure_new (fun argv -> argv.result <- i) in
    if i mod 100 = 0 then ignore (invoke c 0 0);
    ignore (Sys.opaque_identity (object_new ()));
    ignore (Sys.opaque_identity (value_of_new_object ()));
    ignore (Sys.opaque_identity (other_new ()))
  done;
  collect ();
  check "dropped closures are finalized (deferred unref)" (closures_finalized () - fin0 >= n);
  check "dropped objects and GValues released (deferred unref, value unset)" (objects_alive () = 0);
  check "anything else: ocgc_defer ran" (deferred_calls () >= n);
  check "no release ran inside a GC finalizer" (released_in_gc () = 0);
  let s = Gclosure_core.stats () in
  check "the registry: no root left but the 5 live closures"
    (s.live = 5 && s.pending_release = 0);
  ignore (Sys.opaque_identity (c, c2, c3, inner, outer));
  (* Owned closures (ocgc_closure_own): a handler that captures its own
     object's wrapper (a binding-style custom block holding one reference).
     The control, without the call: the callback's root keeps the wrapper,
     and so the object, until shutdown. *)
  let rounds = 200 in
  let self_capturing own =
    let a0 = cancellables_alive () in
    for _ = 1 to rounds do
      let o = cancellable_new () in
      let c = closure_new (fun _ -> ignore (Sys.opaque_identity o)) in
      ignore (connect o "cancelled" c own)
    done;
    collect (); collect (); collect ();
    cancellables_alive () - a0
  in
  let left = self_capturing false in
  check (Printf.sprintf "control, not owned: %d of %d self-capturing objects stay" left rounds) (left = rounds);
  let left = self_capturing true in
  check (Printf.sprintf "owned (ocgc_closure_own): %d of %d self-capturing objects stay" left rounds) (left = 0);
  let ran = ref 0 in
  (let o = cancellable_new () in
   let c = closure_new (fun _ -> incr ran; ignore (Sys.opaque_identity o)) in
   ignore (connect o "cancelled" c true);
   keep o);
  collect (); collect (); collect ();
  kept_cancel ();
  check "an owned handler of an object C holds runs after GCs (emitted from C)" (!ran = 1);
  let a0 = cancellables_alive () in
  kept_release ();
  collect (); collect (); collect ();
  check "and the object goes once C lets go" (cancellables_alive () = a0 - 1);
  check "ocgc_closure_own refuses an int as the wrapper (Invalid_argument)"
    (let o = cancellable_new () in
     let c = closure_new (fun _ -> ()) in
     match own_with_int o c with () -> false | exception Invalid_argument _ -> true);
  (* Tokens: a handle that allocates nothing, refused once stale. *)
  let tseen = ref None in
  let t = closure_new_token (fun argv ->
      tseen := Some (argv.token, is_token argv.token);
      argv.tresult <- nth_int_token argv 0 + nth_int_token argv 1) in
  check "token: params read through it, result through finish" (invoke t 20 22 = 42);
  (match !tseen with
   | Some (tok, live) ->
     check "token: live during its callback" live;
     check "token: stale after it (Invalid_argument)"
       (not (is_token tok)
        && match nth_int_token { tnargs = 2; token = tok; tresult = 0; ttag = "" } 0 with
           | _ -> false | exception Invalid_argument _ -> true)
   | None -> check "token: the callback ran" false);
  check "token: other values are not tokens"
    (not (is_token 0) && not (is_token (-1)) && not (is_token max_int) && not (is_token "x"));
  let tinner = closure_new_token (fun argv -> argv.tresult <- nth_int_token argv 0 * 2) in
  let touter = closure_new_token (fun argv ->
      let x = invoke tinner (nth_int_token argv 0) 0 in
      (* the outer token still names the outer invocation *)
      argv.tresult <- x + nth_int_token argv 1 + (if is_token argv.token then 0 else 1000)) in
  check "token: nested invocations, each its own" (invoke touter 3 4 = 10);
  (* Serials are unique in the process: another thread's invocation gets a
     token of another range, never one this thread could take for its own. *)
  let mine = ref 0 and theirs = ref 0 in
  let m = closure_new_token (fun argv -> mine := argv.token) in
  ignore (invoke m 0 0);
  let d = closure_new_token (fun argv -> theirs := argv.token) in
  invoke_in_thread d;
  let theirs = !theirs in
  check "token: another thread's tokens are in another range"
    (!mine lsr 40 <> 0 && theirs lsr 40 <> 0 && !mine lsr 40 <> theirs lsr 40);
  ignore (Sys.opaque_identity (t, tinner, touter, m, d));
  (* Shutdown: closures do nothing, creation raises Closed. *)
  check "open before shutdown" (not (is_closed ()));
  let ran = ref false in
  let late = closure_new (fun argv -> ran := true; argv.result <- 1) in
  shutdown ();
  check "closed after ocgc_shutdown" (is_closed ());
  check "a closure invoked after shutdown does nothing (default result)" (invoke late 1 1 = 0 && not !ran);
  check "ocgc_closure_new after shutdown raises Closed"
    (match closure_new (fun _ -> ()) with _ -> false | exception Gclosure_core.Closed -> true);
  shutdown ();
  check "shutdown is idempotent" (is_closed ());
  Printf.printf "test_capi: %d passed, %d failed\n%!" !passed !failed;
  if !failed > 0 then exit 1
