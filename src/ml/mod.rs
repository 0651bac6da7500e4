//! The externals of the OCaml library `gclosure`, one file per OCaml module.
//! Each is an `#[ocaml::func]`; its OCaml `external` declaration is in
//! `ocaml-lib/*.ml` under the same name.
//!
//! Every external that touches GLib starts with [`enter`]: it refuses work
//! after shutdown and is a safe point.
//!
//! The externals on hot paths (closures, signals) use
//! `#[ocaml::bytecode_func]`: for up to five arguments it generates the same
//! native stub as `#[ocaml::func]` minus ocaml-rs's per-call
//! `Runtime::init()`, which reads the environment (`NO_CAML_STARTUP`) on
//! every call: 880 of the 7,300 instructions of a create-connect-disconnect
//! cycle in callgrind (bench/). This crate never needs that init: the OCaml
//! program, or `Runtime::start`, starts the runtime.

pub mod closure;
pub mod gclosure;
pub mod gobject;
pub mod gtk4;
pub mod gtype;
pub mod property;
pub mod signal;
pub mod value;

use crate::errors::{to_ocaml, GcError};
use crate::lifecycle;

/// Refuses work after shutdown (raises the constant `Gclosure.Closed`,
/// which allocates nothing), then releases what is queued and runs no OCaml
/// code (`lifecycle::entry_safe_point`: the external has not read its
/// arguments yet).
pub fn enter() -> Result<(), ocaml::Error> {
    if lifecycle::is_closed() {
        return Err(closed());
    }
    // SAFETY: externals run with the domain lock held, never from a GC
    // finalizer.
    unsafe { lifecycle::entry_safe_point() };
    Ok(())
}

/// `Gclosure.Closed`, looked up once at initialisation and kept in a
/// boxroot (the constructor is an ordinary heap block that the GC moves):
/// raising it later reads no runtime table (with `OCAMLRUNPARAM=c=1`, other
/// domains may still call in after the runtime freed its tables at exit),
/// only boxroot's own memory.
static CLOSED_EXN: std::sync::atomic::AtomicPtr<std::ffi::c_void> = std::sync::atomic::AtomicPtr::new(std::ptr::null_mut());

/// Looks up and keeps the `Gclosure.Closed` exception.
///
/// # Safety
/// Domain lock held; `Gclosure` has registered the exception.
pub unsafe fn cache_exceptions() {
    // SAFETY: precondition.
    let p = unsafe { ocaml::sys::caml_named_value(c"gclosure.closed".as_ptr()) };
    if !p.is_null() {
        // SAFETY: a registered named value; domain lock held. The root is
        // never deleted: the exception lives as long as the program.
        if let Some(root) = unsafe { ocaml_boxroot_sys::boxroot_create(*p) } {
            let cell = ocaml_boxroot_sys::boxroot_get_ref(root) as *mut std::ffi::c_void;
            CLOSED_EXN.store(cell, std::sync::atomic::Ordering::Release);
        }
    }
}

/// The `Gclosure.Closed` exception; raising it allocates nothing.
pub fn closed() -> ocaml::Error {
    let cell = CLOSED_EXN.load(std::sync::atomic::Ordering::Acquire) as *const ocaml::sys::Value;
    if cell.is_null() {
        return ocaml::Error::Message("ocaml-gclosure is shut down");
    }
    // SAFETY: `cell` is a live boxroot's cell (never deleted); callers hold
    // the domain lock, and the value is raised before any allocation.
    let e = unsafe { *cell };
    ocaml::Error::Caml(ocaml::CamlError::Exception(ocaml::Value::Raw(e)))
}

/// `Invalid_argument "{func}: {what}"`.
pub fn invalid(gc: &ocaml::Runtime, func: &str, what: impl std::fmt::Display) -> ocaml::Error {
    to_ocaml(gc, GcError::invalid(func, what))
}
