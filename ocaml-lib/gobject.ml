type g_type = int

module Type = struct
  external from_name : string -> g_type = "ml_gobject_type_from_name"
  external name : g_type -> string = "ml_gobject_type_name"
end
