//! The externals of the OCaml library `gclosure`, one file per OCaml module.
//! Each is an `#[ocaml::func]`; its OCaml `external` declaration is in
//! `ocaml-lib/*.ml` under the same name.
//!
//! Every external that touches GLib starts with [`enter`]: it refuses work
//! after shutdown and is a safe point.

pub mod closure;
pub mod gclosure;
pub mod gobject;
pub mod gtk4;
pub mod gtype;
pub mod signal;
pub mod value;

use crate::errors::{to_ocaml, GcError};
use crate::lifecycle;

/// Refuses work after shutdown (raises the constant `Gclosure.Closed`,
/// which allocates nothing), then releases what is queued.
pub fn enter() -> Result<(), ocaml::Error> {
    if lifecycle::is_closed() {
        return Err(closed());
    }
    // SAFETY: externals run with the domain lock held, never from a GC
    // finalizer.
    unsafe { lifecycle::safe_point() };
    Ok(())
}

/// The `Gclosure.Closed` exception.
pub fn closed() -> ocaml::Error {
    match ocaml::Error::named("gclosure.closed") {
        Some(e) => ocaml::Error::Caml(ocaml::CamlError::Exception(e)),
        None => ocaml::Error::Message("ocaml-gclosure is shut down"),
    }
}

/// `Invalid_argument "{func}: {what}"`.
pub fn invalid(gc: &ocaml::Runtime, func: &str, what: impl std::fmt::Display) -> ocaml::Error {
    to_ocaml(gc, GcError::invalid(func, what))
}
