//! # ocaml-gclosure
//!
//! GLib closures around OCaml callbacks that cannot crash, hang or leak, at
//! any moment of a program's life, its exit included, on OCaml 5.
//!
//! The crate has two faces:
//! * the OCaml library `gclosure` (modules `Gobject`, `Gclosure`, `Gtk4`),
//!   whose externals are the `ml_*` functions of this crate, linked into OCaml
//!   programs as a static archive by dune;
//! * a Rust API for gtk4-rs programs that embed the OCaml runtime.

pub mod errors;
pub mod gtype;
pub mod ml;
