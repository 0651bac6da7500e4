let passed = ref 0
let failed = ref 0

let case name f =
  match f () with
  | () -> incr passed; Printf.printf "ok   %s\n%!" name
  | exception e ->
    incr failed;
    Printf.printf "FAIL %s: %s\n%!" name (Printexc.to_string e)

let contains s sub =
  let n = String.length sub and m = String.length s in
  let rec go i = i + n <= m && (String.sub s i n = sub || go (i + 1)) in
  go 0

let expect_invalid_arg ~mentions f =
  match f () with
  | _ -> failwith "expected Invalid_argument, got a result"
  | exception Invalid_argument msg ->
    List.iter
      (fun w ->
        if not (contains msg w) then
          failwith (Printf.sprintf "message %S does not mention %S" msg w))
      mentions

let finish suite =
  Printf.printf "%s: %d passed, %d failed\n%!" suite !passed !failed;
  if !failed > 0 then exit 1
