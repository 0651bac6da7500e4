//! # ocaml-gclosure
//!
//! GLib closures around OCaml callbacks that cannot crash, hang or leak, at
//! any moment of a program's life, its exit included, on OCaml 5.
//!
//! The crate has two faces:
//! * the OCaml library `gclosure` (modules `Gobject`, `Gclosure`, `Gtk4`),
//!   whose externals are the `ml_*` functions of `src/ocaml/ml/` and
//!   `src/gtk4/`, linked into OCaml programs as a static archive by dune,
//!   and the C API for bindings (`include/gclosure.h`, `src/capi/`);
//! * a Rust API for gtk4-rs programs that embed the OCaml runtime.
//!
//! The public Rust API is [`Runtime`] and what a gtk4-rs program needs
//! with it ([`connect_closure`], [`stats`], the lock guard [`Locked`]);
//! everything else is internal.
//!
//! `src/` has one folder per layer, each using only those before it:
//! `core/` (a closure's life: `life.rs`, `lifecycle.rs`, `thread.rs`,
//! `lock.rs`, `token.rs`, `registry.rs`, `callbacks.rs`, `closure.rs`,
//! `deferred.rs`, `safepoint.rs`, `scan.rs`), `gtk/` (GLib's types and
//! GTK), `ocaml/` (the boundary, handles, externals), then `gtk4/`,
//! `capi/` and `embed/`. `docs/design.md` walks one closure's life through
//! them in order, lists the types that carry the rules (the `Domain`
//! token above all), and says what stays `unsafe fn`.
//!
//! ## What safe Rust cannot reach
//!
//! Every item with a precondition the compiler cannot check is private
//! (these were public once; each example must fail to compile):
//!
//! Queueing a raw GLib pointer for a deferred unref:
//! ```compile_fail,E0603
//! ocaml_gclosure::ocaml::release::push(ocaml_gclosure::ocaml::release::Deferred::Object(std::ptr::null_mut()));
//! ```
//! Draining the deferred queue from any thread (it may run OCaml code):
//! ```compile_fail,E0603
//! // SAFETY: none; this must not compile (the core is private).
//! unsafe { ocaml_gclosure::core::safepoint::flush(std::mem::zeroed()) };
//! ```
//! Reading the registry of roots directly:
//! ```compile_fail,E0603
//! let _ = ocaml_gclosure::core::callbacks::REGISTRY.stats();
//! ```
//! A [`Runtime`] stays on the thread that started OCaml:
//! ```compile_fail,E0277
//! fn needs_send<T: Send>(_: T) {}
//! needs_send(ocaml_gclosure::Runtime::start().unwrap());
//! ```

#![warn(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

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
