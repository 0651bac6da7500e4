//! Two pieces of the C API (`include/gclosure.h`, section "rooted cells
//! and locked calls") for a binding's C code that keeps OCaml values in
//! GLib's hands or is called by GLib on any thread (lablgtk3's
//! `ml_global_root_new` and its log handler, issue 24):
//!
//! - a **rooted cell**: a `value *` whose root is one of the library's
//!   [`Root`]s (a boxroot on the main domain, a generational global root on
//!   others), never a `caml_register_global_root` scanned by every minor
//!   GC; any thread (a GLib destroy notify, a GC finalizer) may hand it
//!   back, and the root goes at the next safe point;
//! - a **locked call**: a binding's C function run with the domain lock,
//!   from any thread, by the marshaller's rules (a thread the runtime never
//!   saw is registered; once the exit has begun an OCaml thread parks and
//!   a GLib thread is refused).
//!
//! Kept apart from `capi.rs` (closures, deferred releases, lifecycle) so
//! that each part of the C API reads on its own.

use std::collections::HashMap;
use std::ffi::c_int;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;

use glib::ffi::gpointer;
use ocaml::sys;

use crate::ocaml::boundary::{self, Val};
use crate::ocaml::release::{self as deferred, Deferred};
use crate::core::lifecycle::{self, Accept};
use crate::core::root::Root;
use crate::core::safepoint;
use crate::core::token::Domain;

/// The live cells, by the address handed to C (the root's own cell).
static CELLS: Mutex<Option<HashMap<usize, Root>>> = Mutex::new(None);

fn cells() -> std::sync::MutexGuard<'static, Option<HashMap<usize, Root>>> {
    CELLS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Number of live cells (for the tests, through `ocgc_cell_count`).
fn count() -> usize {
    cells().as_ref().map_or(0, |m| m.len())
}

/// `ocgc_cell_new` (header).
///
/// # Safety
/// - the calling thread holds its domain lock, from an OCaml external (not
///   inside a GC finalizer), and holds no C resource that a raise would
///   leak (this may raise);
/// - `v` is a valid OCaml value (registered with the GC by the caller, or
///   not moved since it was read).
#[no_mangle]
pub unsafe extern "C" fn ocgc_cell_new(v: Val) -> *mut Val {
    let Ok(inside) = lifecycle::enter(Accept::OpenOnly) else {
        // SAFETY: domain lock held; nothing owned here.
        unsafe { boundary::raise_closed() }
    };
    let made = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: domain lock held, not a finalizer (precondition), inside
        // the library (`inside`).
        safepoint::at_entry(unsafe { Domain::assume(&inside) });
        // SAFETY: domain lock held; `v` valid (precondition) and not moved
        // since: the entry safe point releases roots and closure
        // references only, which allocates nothing in the OCaml heap and
        // runs no OCaml code.
        let root = unsafe { Root::new(v) }?;
        let p = root.cell_ptr();
        cells().get_or_insert_with(HashMap::new).insert(p as usize, root);
        Some(p)
    }));
    drop(inside);
    match made {
        Ok(Some(p)) => p,
        // SAFETY: domain lock held; every Rust value was dropped.
        Ok(None) => unsafe { fail(c"ocgc_cell_new: cannot root the value (out of memory)") },
        // SAFETY: as above.
        Err(_) => unsafe { fail(c"ocgc_cell_new: internal error (Rust panic)") },
    }
}

/// Raises `Failure msg`.
///
/// # Safety
/// Domain lock held, called from an OCaml external's C frame, with nothing
/// left to drop in the caller (the exception unwinds through it).
unsafe fn fail(msg: &'static std::ffi::CStr) -> ! {
    // SAFETY: precondition.
    unsafe { sys::caml_failwith(msg.as_ptr()) };
    unreachable!()
}

/// Drops the cell's root: run by the deferred queue at a safe point, a
/// domain lock held. An address that is not a live cell is ignored.
unsafe extern "C" fn release_cell(p: gpointer) {
    let root = cells().as_mut().and_then(|m| m.remove(&(p as usize)));
    drop(root); // outside the table's lock
}

/// `ocgc_cell_release` (header): only a push.
///
/// # Safety
/// - `cell` is NULL (ignored) or a cell returned by [`ocgc_cell_new`] and
///   not handed back yet. It is handed back once: the caller neither reads
///   it nor releases it again afterwards (a second release could drop a
///   later cell that reused the address).
///
/// Any thread, with or without a domain lock, inside a GC finalizer or a
/// GLib destroy notify too.
#[no_mangle]
pub unsafe extern "C" fn ocgc_cell_release(cell: *mut Val) {
    if !cell.is_null() {
        // SAFETY: the caller hands the cell over (the function's contract, gclosure.h).
        unsafe { deferred::push(Deferred::Notify(release_cell, cell as gpointer)) };
    }
}

/// `ocgc_cell_count` (header). Safe: no argument, only a Rust lock; any
/// thread.
#[no_mangle]
pub extern "C" fn ocgc_cell_count() -> usize {
    count()
}

/// `ocgc_run_locked` (header).
///
/// # Safety
/// - any thread, with or without a domain lock, but not inside a GC
///   finalizer (the call may take the lock and run OCaml code);
/// - `f` is NULL (returns 0) or a C function that may allocate and call
///   OCaml (`caml_callback*_exn`; the lock is held for it) and neither
///   raises, nor unwinds, nor calls `ocgc_shutdown`;
/// - `data` is what `f` expects, valid for the call.
#[no_mangle]
pub unsafe extern "C" fn ocgc_run_locked(f: Option<unsafe extern "C" fn(gpointer)>, data: gpointer) -> c_int {
    let Some(f) = f else { return 0 };
    // The marshaller's rules (closure::invoke): Closed refuses; Exiting
    // parks a thread that would go back to OCaml, refuses the others.
    let Ok(inside) = lifecycle::enter(Accept::OpenOnly) else { return 0 };
    // A thread without the lock (a GLib worker, a foreign thread, a loop
    // polling in a blocking section) is registered if need be and takes it.
    let _lock = lifecycle::lock_for_call();
    if !lifecycle::is_open() {
        return 0; // shut down while this thread waited for the lock
    }
    {
        // The binding's code runs OCaml code: as a callback.
        let _in_ocaml = lifecycle::suspend_for_callback();
        // SAFETY: domain lock held; the header's contract for `f`.
        unsafe { f(data) };
    }
    if lifecycle::is_open() {
        // SAFETY: domain lock held (taken above if it was not), inside the
        // library; not a finalizer (the header's contract).
        safepoint::safe_point(unsafe { Domain::assume(&inside) });
    }
    1
}
