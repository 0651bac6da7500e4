//! # ocaml-gclosure
//!
//! GLib closures around OCaml callbacks that cannot crash, hang or leak, at
//! any moment of a program's life, its exit included, on OCaml 5.
//!
//! The crate has two faces:
//! * the OCaml library `gclosure` (modules `Gobject`, `Gclosure`, `Gtk4`),
//!   whose externals are the `ml_*` functions of [`ml`], linked into OCaml
//!   programs as a static archive by dune;
//! * a Rust API for gtk4-rs programs that embed the OCaml runtime.
//!
//! The life of a closure reads top to bottom in [`closure`] (create,
//! invoke, invalidate), [`registry`] (where roots live and their state
//! machine), [`safepoint`] (release) and [`shutdown`]. The library's own
//! life (open, closed, exiting) is [`lifecycle`]; every entry from OCaml
//! goes through [`boundary`].

#![warn(missing_docs)]

pub mod boundary;
pub mod caml_boxed;
pub mod closure;
pub mod deferred;
pub mod embed;
pub mod errors;
pub mod gtype;
pub mod gvalue;
pub mod handles;
pub mod invocation;
pub mod lifecycle;
pub mod lock;
pub mod ml;
pub mod registry;
pub mod safepoint;
pub mod shutdown;
pub mod signals;

pub use embed::{connect_closure, stats, Callback, Error, Runtime, Stats};
