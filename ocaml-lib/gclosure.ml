exception Closed of string

let () =
  Callback.register_exception "gclosure.closed" (Closed "");
  Callback.register_exception "gclosure.invalid_argument" (Invalid_argument "")

external glib_version : unit -> string = "ml_gclosure_glib_version"
