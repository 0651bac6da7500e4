//! The library's own closures: the `Gobject.Closure.argv` handle their
//! callback receives ([`DefaultArgv`]), their marshaller, and making them
//! (`Gobject.Closure.create`, the Rust API's `connect_closure`). The
//! closure's life itself is `core::closure`'s.

use std::ptr::NonNull;

use glib::ffi::gpointer;
use glib::gobject_ffi::{GClosure, GValue};
use glib::translate::FromGlibPtrNone;
use ocaml::sys;

use crate::core::closure::{create_raw, invoke, ArgvBuilder, Marshal};
use crate::core::invocation::Invocation;
use crate::core::registry::ClosedError;
use crate::core::root::Root;
use crate::ocaml::handles::{ArgvHandle, ClosureRef};

/// Makes a GClosure that calls the OCaml function `callback` with an
/// `argv`. Returns a new (non-floating) reference. Refused once the
/// library is no longer open (checked under the registry's lock: see
/// `Registry::insert_with`).
///
/// # Safety
/// The calling thread holds the domain lock, inside the library; `callback`
/// roots a value of type `argv -> unit`.
pub unsafe fn create(callback: Root) -> Result<ClosureRef, ClosedError> {
    // SAFETY: forwarded precondition; our own marshaller.
    let c = unsafe { create_raw(callback, Marshal::Plain(Some(marshal)))? };
    // SAFETY: `c` is a fresh closure no other thread can touch yet (its
    // registry entry has it, but only shutdown uses it there, under a domain
    // lock, which this thread holds): its floating reference becomes ours.
    unsafe { gclosure_shim_closure_adopt(c) };
    // SAFETY: `c` is non-null and we own the reference adopted above.
    Ok(unsafe { ClosureRef::from_full(NonNull::new_unchecked(c)) })
}

/// The same closure as a `glib::Closure`, for Rust code.
///
/// # Safety
/// As [`create`].
pub unsafe fn create_glib(callback: Root) -> Result<glib::Closure, ClosedError> {
    // SAFETY: forwarded precondition.
    let c = unsafe { create(callback)? };
    // SAFETY: `c` is a live closure; from_glib_none takes its own reference,
    // then `c`'s is dropped.
    Ok(unsafe { glib::Closure::from_glib_none(c.ptr()) })
}

/// The marshaller of the library's own closures. A panic never leaves it (GLib's frames
/// cannot unwind): it is reported on stderr and the invocation does nothing.
unsafe extern "C" fn marshal(
    closure: *mut GClosure,
    ret: *mut GValue,
    n: u32,
    params: *const GValue,
    hint: gpointer,
    _marshal_data: gpointer,
) {
    let r = std::panic::catch_unwind(|| {
        // SAFETY: GLib's arguments, forwarded.
        unsafe { invoke(closure, ret, n, params, hint, &DefaultArgv) }
    });
    if r.is_err() {
        eprintln!("ocaml-gclosure: internal error in a closure invocation (Rust panic); the callback was not run");
    }
}

/// The library's own argv: a `Gobject.Closure.argv` handle block, passed
/// unrooted (no allocation between its creation and the call).
pub(crate) struct DefaultArgv;

impl ArgvBuilder for DefaultArgv {
    const HOOKS: bool = false;
    #[inline(always)]
    unsafe fn build(&self, inv: &Invocation) -> Option<sys::Value> {
        // SAFETY: domain lock held, inside the library; the value goes to
        // OCaml with no allocation in between (see `invoke`).
        Some(unsafe { ArgvHandle::new_raw(inv) })
    }
}

extern "C" {
    fn gclosure_shim_closure_adopt(closure: *mut GClosure);
}
