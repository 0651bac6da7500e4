//! Externals of `Gobject.Type`.

use crate::errors::{to_ocaml, GcError};
use crate::gtype;
use glib::translate::FromGlib;

/// `Gobject.Type.from_name : string -> g_type`; raises `Invalid_argument`
/// naming the type when GLib knows no such type.
#[ocaml::func]
#[ocaml::sig("string -> int")]
pub fn ml_gobject_type_from_name(name: &str) -> Result<isize, ocaml::Error> {
    match gtype::from_name(name) {
        Some(t) => Ok(gtype::to_int(t)),
        None => Err(to_ocaml(
            gc,
            GcError::invalid("Gobject.Type.from_name", format!("unknown type {name:?}")),
        )),
    }
}

/// The `glib::Type` behind an OCaml `g_type`.
///
/// `Gobject.g_type` is abstract: its only values are GTypes this crate
/// returned, so `id` is a registered GType.
pub fn of_int(id: isize) -> glib::Type {
    // SAFETY: `id` came from `gtype::to_int` on a registered type (the OCaml
    // type is abstract, so no other integer can reach here).
    unsafe { glib::Type::from_glib(id as glib::ffi::GType) }
}

/// `Gobject.Type.name : g_type -> string`.
#[ocaml::func]
#[ocaml::sig("int -> string")]
pub fn ml_gobject_type_name(id: isize) -> Result<String, ocaml::Error> {
    Ok(of_int(id).name().to_string())
}
