(* The pure-OCaml control of r_exit_domain.exe: the same shape (a second
   domain allocating and keeping a little data while the main domain exits)
   with no GLib and no ocgtk. With OCAMLRUNPARAM=c=1 OCaml 5.3 frees its
   memory at exit while that domain runs, and sometimes crashes by itself
   (ocaml/ocaml#14594): the runtime's own share of (e). *)

let progress = Atomic.make 0

let () =
  let warmup = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 50 in
  let d =
    Domain.spawn (fun () ->
        let kept = ref [] in
        while true do
          let a = Array.init 16 (fun i -> Some (string_of_int i)) in
          kept := a :: (if List.length !kept > 200 then [] else !kept);
          Atomic.incr progress
        done)
  in
  ignore (Sys.opaque_identity d);
  while Atomic.get progress < warmup * 40 do Domain.cpu_relax () done;
  exit 0
