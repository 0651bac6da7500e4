//! The externals of the OCaml library `gclosure`, one file per OCaml module.
//! Each is declared with `externals!` (`src/boundary.rs`) and runs through
//! the one boundary (`src/boundary.rs`); its OCaml `external` declaration
//! is in `ocaml-lib/*.ml` under the same name.

pub mod closure;
pub mod gclosure;
pub mod gobject;
pub mod gtype;
pub mod owners;
pub mod property;
pub mod signal;
pub mod value;
