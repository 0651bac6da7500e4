(* Self-test of integrations/ocgtk's alcotest-compatible runner. Each case of
   "must-fail" is a check that has to fail; the caller counts the [FAIL]
   lines. "must-pass" holds the same checks with matching values. *)
open Alcotest

exception E1
exception E2

let must_fail =
  [ test_case "bool differs" `Quick (fun () -> check bool "b" true false);
    test_case "int differs" `Quick (fun () -> check int "i" 1 2);
    test_case "int32 differs" `Quick (fun () -> check int32 "i32" 1l 2l);
    test_case "int64 differs" `Quick (fun () -> check int64 "i64" 1L 2L);
    test_case "string differs" `Quick (fun () -> check string "s" "a" "b");
    test_case "float beyond eps" `Quick (fun () -> check (float 0.01) "f" 1.0 1.1);
    test_case "list length differs" `Quick (fun () -> check (list int) "l" [ 1 ] [ 1; 2 ]);
    test_case "array element differs" `Quick (fun () -> check (array string) "a" [| "x" |] [| "y" |]);
    test_case "option None vs Some" `Quick (fun () -> check (option string) "o" None (Some "x"));
    test_case "pair second differs" `Quick (fun () -> check (pair int bool) "p" (1, true) (1, false));
    test_case "custom testable" `Quick (fun () ->
        check (testable (fun f x -> Format.fprintf f "%d" x) (fun a b -> a mod 10 = b mod 10)) "t" 1 2);
    test_case "reject" `Quick (fun () -> check reject "r" () ());
    test_case "neg of equal" `Quick (fun () -> check (neg int) "n" 3 3);
    test_case "check_raises, nothing raised" `Quick (fun () -> check_raises "cr" E1 (fun () -> ()));
    test_case "check_raises, other exception" `Quick (fun () -> check_raises "cr" E1 (fun () -> raise E2));
    test_case "fail" `Quick (fun () -> fail "explicit failure");
    test_case "failf" `Quick (fun () -> failf "explicit failure %d" 42);
    test_case "exception escapes" `Quick (fun () -> raise Not_found);
    test_case "check' differs" `Quick (fun () -> check' int ~msg:"c'" ~expected:1 ~actual:2);
  ]

let must_pass =
  [ test_case "bool" `Quick (fun () -> check bool "b" true true);
    test_case "int" `Quick (fun () -> check int "i" 1 1);
    test_case "float within eps" `Quick (fun () -> check (float 0.01) "f" 1.0 1.005);
    test_case "list" `Quick (fun () -> check (list int) "l" [ 1; 2 ] [ 1; 2 ]);
    test_case "option" `Quick (fun () -> check (option string) "o" (Some "x") (Some "x"));
    test_case "pass" `Quick (fun () -> check (list pass) "p" [ () ] [ () ]);
    test_case "check_raises" `Quick (fun () -> check_raises "cr" E1 (fun () -> raise E1));
    test_case "skip" `Quick (fun () -> skip ());
  ]

let () = run "runner self-test" [ ("must-fail", must_fail); ("must-pass", must_pass) ]
