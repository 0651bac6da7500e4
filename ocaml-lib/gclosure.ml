(* Everything is in the core library (core/gclosure_core.ml), which C
   bindings link without this library's Gobject; gclosure.mli keeps the
   public API. *)
include Gclosure_core
