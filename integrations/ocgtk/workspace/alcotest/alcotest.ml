(* See alcotest.mli. *)

type 'a testable = { pp : Format.formatter -> 'a -> unit; eq : 'a -> 'a -> bool }

let testable pp eq = { pp; eq }
let pp t = t.pp
let equal t = t.eq
let of_pp pp = { pp; eq = ( = ) }

let unit = testable (fun f () -> Format.pp_print_string f "()") (fun () () -> true)
let bool = testable Format.pp_print_bool ( = )
let int = testable Format.pp_print_int ( = )
let int32 = testable (fun f x -> Format.fprintf f "%ld" x) Int32.equal
let int64 = testable (fun f x -> Format.fprintf f "%Ld" x) Int64.equal
let char = testable (fun f c -> Format.fprintf f "%C" c) Char.equal
let string = testable (fun f s -> Format.fprintf f "%S" s) String.equal
let bytes = testable (fun f b -> Format.fprintf f "%S" (Bytes.to_string b)) Bytes.equal

let float eps =
  testable (fun f x -> Format.fprintf f "%g" x) (fun a b ->
      (Float.is_nan a && Float.is_nan b) || a = b || Float.abs (a -. b) <= eps)

let pp_seq pp_elt f l =
  Format.fprintf f "[%a]"
    (Format.pp_print_list ~pp_sep:(fun f () -> Format.fprintf f ";@ ") pp_elt) l

let list t =
  testable (pp_seq t.pp) (fun a b ->
      List.length a = List.length b && List.for_all2 t.eq a b)

let array t =
  testable (fun f a -> pp_seq t.pp f (Array.to_list a)) (fun a b ->
      Array.length a = Array.length b && Array.for_all2 t.eq a b)

let option t =
  testable
    (fun f -> function None -> Format.pp_print_string f "None"
                     | Some x -> Format.fprintf f "Some (%a)" t.pp x)
    (fun a b -> match a, b with
       | None, None -> true | Some x, Some y -> t.eq x y | _ -> false)

let result a e =
  testable
    (fun f -> function Ok x -> Format.fprintf f "Ok (%a)" a.pp x
                     | Error x -> Format.fprintf f "Error (%a)" e.pp x)
    (fun x y -> match x, y with
       | Ok x, Ok y -> a.eq x y | Error x, Error y -> e.eq x y | _ -> false)

let pair a b =
  testable (fun f (x, y) -> Format.fprintf f "(%a, %a)" a.pp x b.pp y)
    (fun (x1, y1) (x2, y2) -> a.eq x1 x2 && b.eq y1 y2)

let triple a b c =
  testable (fun f (x, y, z) -> Format.fprintf f "(%a, %a, %a)" a.pp x b.pp y c.pp z)
    (fun (x1, y1, z1) (x2, y2, z2) -> a.eq x1 x2 && b.eq y1 y2 && c.eq z1 z2)

let slist t cmp =
  let l = list t in
  testable l.pp (fun a b -> l.eq (List.sort cmp a) (List.sort cmp b))

let pass = { pp = (fun f _ -> Format.pp_print_string f "<abstract>"); eq = (fun _ _ -> true) }
let reject = { pp = (fun f _ -> Format.pp_print_string f "<abstract>"); eq = (fun _ _ -> false) }
let neg t = { t with eq = (fun a b -> not (t.eq a b)) }

exception Check_error of string
exception Skip

let where ?here ?pos () =
  match here, pos with
  | Some p, _ -> Printf.sprintf "%s:%d: " p.Lexing.pos_fname p.Lexing.pos_lnum
  | None, Some (file, line, _, _) -> Printf.sprintf "%s:%d: " file line
  | None, None -> ""

let check ?here ?pos t msg expected actual =
  if not (t.eq expected actual) then
    raise (Check_error (Format.asprintf "%sError %s: expected %a, got %a."
                          (where ?here ?pos ()) msg t.pp expected t.pp actual))

let check' ?here ?pos t ~msg ~expected ~actual = check ?here ?pos t msg expected actual

let fail ?here ?pos msg = raise (Check_error (where ?here ?pos () ^ msg))
let failf ?here ?pos fmt = Format.kasprintf (fun s -> fail ?here ?pos s) fmt

let check_raises ?here ?pos msg exn f =
  match f () with
  | () -> fail ?here ?pos (Printf.sprintf "Error %s: expected exception %s, but none was raised."
                             msg (Printexc.to_string exn))
  | exception e when e = exn -> ()
  | exception e -> fail ?here ?pos (Printf.sprintf "Error %s: expected exception %s, got %s."
                                      msg (Printexc.to_string exn) (Printexc.to_string e))

let skip () = raise Skip

type speed_level = [ `Quick | `Slow ]
type 'a test_case = { name : string; speed : speed_level; fn : 'a -> unit }
type 'a test = string * 'a test_case list

let test_case name speed fn = { name; speed; fn }

exception Test_error

type outcome = Passed | Failed of string | Skipped

let run ?(and_exit = true) ?(argv = Sys.argv) name suites =
  let args = List.tl (Array.to_list argv) in
  let quick_only = List.mem "-q" args || List.mem "--quick-tests" args in
  let only_suite =
    let rec find = function "test" :: s :: _ -> Some s | _ :: r -> find r | [] -> None in
    find args
  in
  Printf.printf "Testing `%s'.\n%!" name;
  let t0 = Unix.gettimeofday () in
  let passed = ref 0 and failed = ref 0 and skipped = ref 0 in
  let failures = ref [] in
  List.iter (fun (suite, cases) ->
      if only_suite = None || only_suite = Some suite then
        List.iteri (fun i c ->
            let outcome =
              if quick_only && c.speed = `Slow then Skipped
              else
                match c.fn () with
                | () -> Passed
                | exception Skip -> Skipped
                | exception Check_error m -> Failed m
                | exception e ->
                  let bt = Printexc.get_backtrace () in
                  Failed (Printf.sprintf "exception %s%s" (Printexc.to_string e)
                            (if bt = "" then "" else "\n" ^ bt))
            in
            let label = Printf.sprintf "%s %3d %s." suite i c.name in
            match outcome with
            | Passed -> incr passed; Printf.printf "  [OK]   %s\n%!" label
            | Skipped -> incr skipped; Printf.printf "  [SKIP] %s\n%!" label
            | Failed m ->
              incr failed; failures := (label, m) :: !failures;
              Printf.printf "  [FAIL] %s\n    %s\n%!" label m)
          cases)
    suites;
  let dt = Unix.gettimeofday () -. t0 in
  let total = !passed + !failed + !skipped in
  if !failed = 0 then
    Printf.printf "Test Successful in %.3fs. %d tests run (%d passed, %d skipped).\n%!"
      dt total !passed !skipped
  else begin
    Printf.printf "%d failure%s! in %.3fs. %d tests run (%d passed, %d skipped).\n"
      !failed (if !failed = 1 then "" else "s") dt total !passed !skipped;
    List.iter (fun (l, m) -> Printf.printf "  failed: %s %s\n" l m) (List.rev !failures);
    flush stdout
  end;
  if !failed > 0 then (if and_exit then exit 1 else raise Test_error)
  else if and_exit then exit 0
