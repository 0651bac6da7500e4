//! # ocaml-gclosure
//!
//! GLib closures around OCaml callbacks that cannot crash, hang or leak, at
//! any moment of a program's life, its exit included, on OCaml 5.
//!
//! The crate has two faces:
//! * the OCaml library `gclosure` (modules `Gobject`, `Gclosure`, `Gtk4`),
//!   whose externals are the `ml_*` functions of `src/ml/`, linked into OCaml
//!   programs as a static archive by dune;
//! * a Rust API for gtk4-rs programs that embed the OCaml runtime.
//!
//! The public Rust API is [`Runtime`] and what a gtk4-rs program needs
//! with it ([`connect_closure`], [`stats`], the lock guard [`Locked`]);
//! everything else is internal.
//! The life of a closure reads top to bottom in `src/closure.rs` (create,
//! invoke, invalidate), `src/registry.rs` (where roots live and their state
//! machine), `src/safepoint.rs` (release) and `src/shutdown.rs`. The
//! library's own life (open, closed, exiting) is `src/lifecycle.rs`; every
//! entry from OCaml goes through `src/boundary.rs`.
//!
//! ## What safe Rust cannot reach
//!
//! Every item with a precondition the compiler cannot check is private
//! (these were public once; each example must fail to compile):
//!
//! Queueing a raw GLib pointer for a deferred unref:
//! ```compile_fail,E0603
//! ocaml_gclosure::deferred::push(ocaml_gclosure::deferred::Deferred::Object(std::ptr::null_mut()));
//! ```
//! Draining the deferred queue from any thread (it may run OCaml code):
//! ```compile_fail,E0603
//! // SAFETY: none; this must not compile (release_all is private).
//! unsafe { ocaml_gclosure::deferred::release_all() };
//! ```
//! Reading the registry of roots directly:
//! ```compile_fail,E0603
//! let _ = ocaml_gclosure::closure::REGISTRY.stats();
//! ```
//! A [`Runtime`] stays on the thread that started OCaml:
//! ```compile_fail,E0277
//! fn needs_send<T: Send>(_: T) {}
//! needs_send(ocaml_gclosure::Runtime::start().unwrap());
//! ```

#![warn(missing_docs)]

// ocaml-sys and ocaml-boxroot-sys compile C against one OCaml's headers in
// their build scripts, which cargo reruns only when OCAMLOPT,
// OCAML_WHERE_PATH or OPAM_SWITCH_PREFIX change, not when PATH names another
// OCaml. Their objects linked with another OCaml's runtime crash (a domain's
// state differs between 5.3 and 5.4), so a build that would mix two OCamls
// stops here, with what to do.
const _: () = {
    const fn same(a: &str, b: &str) -> bool {
        let (a, b) = (a.as_bytes(), b.as_bytes());
        if a.len() != b.len() {
            return false;
        }
        let mut i = 0;
        while i < a.len() {
            if a[i] != b[i] {
                return false;
            }
            i += 1;
        }
        true
    }
    assert!(
        same(ocaml_sys::PATH, env!("OCAML_GCLOSURE_OCAML_WHERE")),
        "ocaml-sys and ocaml-boxroot-sys were built for another OCaml than this build uses \
         (cargo reruns their build scripts only when OCAMLOPT, OCAML_WHERE_PATH or OPAM_SWITCH_PREFIX change): \
         run `cargo clean -p ocaml-sys -p ocaml-boxroot-sys`, or export OCAML_WHERE_PATH=\"$(ocamlopt -where)\""
    );
};

mod capi;
mod core;
pub mod embed;
mod gtk;
#[cfg(feature = "gtk4")]
mod gtk4;
mod ocaml;

pub use embed::{connect_closure, stats, Callback, Error, Locked, Runtime, Stats};
