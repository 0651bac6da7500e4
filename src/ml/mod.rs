//! The externals of the OCaml library `gclosure`, one file per OCaml module.
//! Each is an `#[ocaml::func]`; its OCaml `external` declaration is in
//! `ocaml-lib/*.ml` under the same name.

pub mod gclosure;
pub mod gtype;
