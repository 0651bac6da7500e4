(** A small runner compatible with the part of alcotest's API that ocgtk's
    tests use: testables, [check], [check_raises], [fail], [failf], [skip],
    [test_case] and [run]. It is written for ocaml-gclosure's ocgtk
    integration; it is not alcotest.

    Semantics kept from alcotest: a failed check raises and fails the test
    case; any other exception escaping a test case fails it too; [skip ()]
    marks it skipped; [run] prints one line per test case and a summary, and
    exits with status 1 when any test case failed (0 otherwise). *)

type 'a testable

val testable : (Format.formatter -> 'a -> unit) -> ('a -> 'a -> bool) -> 'a testable
val pp : 'a testable -> Format.formatter -> 'a -> unit
val equal : 'a testable -> 'a -> 'a -> bool

val unit : unit testable
val bool : bool testable
val int : int testable
val int32 : int32 testable
val int64 : int64 testable
val char : char testable
val string : string testable
val bytes : bytes testable

(** [float eps] compares with absolute tolerance [eps] (nan equals nan). *)
val float : float -> float testable

val list : 'a testable -> 'a list testable
val array : 'a testable -> 'a array testable
val option : 'a testable -> 'a option testable
val result : 'a testable -> 'e testable -> ('a, 'e) result testable
val pair : 'a testable -> 'b testable -> ('a * 'b) testable
val triple : 'a testable -> 'b testable -> 'c testable -> ('a * 'b * 'c) testable
val slist : 'a testable -> ('a -> 'a -> int) -> 'a list testable
val of_pp : (Format.formatter -> 'a -> unit) -> 'a testable

(** [pass] equals everything; [reject] equals nothing. *)
val pass : 'a testable
val reject : 'a testable

val neg : 'a testable -> 'a testable

exception Check_error of string

val check : ?here:Lexing.position -> ?pos:string * int * int * int ->
  'a testable -> string -> 'a -> 'a -> unit
val check' : ?here:Lexing.position -> ?pos:string * int * int * int ->
  'a testable -> msg:string -> expected:'a -> actual:'a -> unit
val fail : ?here:Lexing.position -> ?pos:string * int * int * int -> string -> 'a
val failf : ?here:Lexing.position -> ?pos:string * int * int * int ->
  ('a, Format.formatter, unit, 'b) format4 -> 'a
val check_raises : ?here:Lexing.position -> ?pos:string * int * int * int ->
  string -> exn -> (unit -> unit) -> unit
val skip : unit -> 'a

type speed_level = [ `Quick | `Slow ]
type 'a test_case
type 'a test = string * 'a test_case list

val test_case : string -> speed_level -> ('a -> unit) -> 'a test_case

(** [run name suites] runs every test case in order. Command line (from
    [argv], default [Sys.argv]): [-q]/[--quick-tests] runs only [`Quick]
    cases; [test NAME] runs only the suite NAME; other arguments are
    ignored. With [and_exit] (the default) the process exits 0 when nothing
    failed and 1 otherwise; without it, [run] raises [Test_error] on
    failure. *)
exception Test_error

val run : ?and_exit:bool -> ?argv:string array -> string -> unit test list -> unit
