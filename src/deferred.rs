//! GLib references whose release waits for a safe point.
//!
//! OCaml's GC finalizers of this crate's custom blocks (objects, closures,
//! values) only [`push`] here: no OCaml runtime call and no GLib call from
//! inside the GC. [`release_all`] drops the references later, from a thread
//! that holds the domain lock (see `lifecycle`), where dispose handlers and
//! signal emissions are harmless.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use glib::gobject_ffi::GValue;
use glib::gobject_ffi::{GClosure, GObject};

/// One reference to drop.
pub enum Deferred {
    /// A `g_object_unref`.
    Object(*mut GObject),
    /// A `g_closure_unref`.
    Closure(*mut GClosure),
    /// A GValue made by `Gobject.Value.create`: unset and freed.
    Value(Box<GValue>),
}

// SAFETY: each variant owns one reference (or the value itself); GLib's
// reference counts are atomic, so the release may happen on another thread.
unsafe impl Send for Deferred {}

static QUEUE: Mutex<Vec<Deferred>> = Mutex::new(Vec::new());
static QUEUED: AtomicUsize = AtomicUsize::new(0);

/// Queues a release. Safe inside a GC finalizer: takes a short Rust lock
/// that no holder keeps while calling OCaml or GLib, and allocates only
/// with Rust's allocator.
pub fn push(d: Deferred) {
    let mut q = QUEUE.lock().unwrap_or_else(|e| e.into_inner());
    q.push(d);
    QUEUED.store(q.len(), Ordering::Release);
}

/// Whether a release waits (one atomic load).
pub fn has_queued() -> bool {
    QUEUED.load(Ordering::Acquire) > 0
}

/// Drops the queued closure references only, which never run OCaml code
/// (a closure's notifiers are the registry's); objects and values stay
/// queued for [`release_all`]. Returns how many were dropped.
///
/// # Safety
/// The caller holds the domain lock and is not inside a GC finalizer.
pub unsafe fn release_closures() -> usize {
    let closures: Vec<*mut GClosure> = {
        let mut q = QUEUE.lock().unwrap_or_else(|e| e.into_inner());
        let mut closures = Vec::new();
        q.retain(|d| match d {
            Deferred::Closure(c) => {
                closures.push(*c);
                false
            }
            _ => true,
        });
        QUEUED.store(q.len(), Ordering::Release);
        closures
    };
    for &c in &closures {
        // SAFETY: each was a `Deferred::Closure`, which owns this reference.
        unsafe { glib::gobject_ffi::g_closure_unref(c) };
    }
    closures.len()
}

/// Drops every queued reference; returns how many.
///
/// # Safety
/// The caller holds the domain lock and is not inside a GC finalizer:
/// dropping a reference can run GLib dispose code that emits signals into
/// OCaml.
pub unsafe fn release_all() -> usize {
    let items = {
        let mut q = QUEUE.lock().unwrap_or_else(|e| e.into_inner());
        QUEUED.store(0, Ordering::Release);
        std::mem::take(&mut *q)
    };
    let n = items.len();
    for d in items {
        match d {
            // SAFETY: the variant owns this reference (pushed by its handle's finalizer).
            Deferred::Object(o) => unsafe { glib::gobject_ffi::g_object_unref(o as *mut _) },
            // SAFETY: as above, for a closure reference.
            Deferred::Closure(c) => unsafe { glib::gobject_ffi::g_closure_unref(c) },
            Deferred::Value(mut v) => {
                // SAFETY: the box holds an initialised GValue owned by nobody else.
                unsafe { glib::gobject_ffi::g_value_unset(&mut *v) }
            }
        }
    }
    n
}
