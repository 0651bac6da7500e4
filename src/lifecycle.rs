//! Safe points and the ordered shutdown.
//!
//! A *safe point* is a moment when the calling thread holds the domain lock
//! and is not inside a GC finalizer: the start of every call into the
//! library, the end of every callback, the end of a major GC cycle (an
//! OCaml alarm), `Gclosure.flush`, and shutdown. There the queued roots are
//! released and the deferred GLib references dropped.
//!
//! [`shutdown`] runs once, in this order:
//! 1. close the registry: from now on no closure can be created;
//! 2. invalidate every live closure: no invocation can reach OCaml;
//! 3. release every root and deferred reference, with the lock held;
//! 4. the library stays closed; the runtime may exit.

use std::sync::atomic::{AtomicBool, Ordering};

use ocaml::root::Root;

use crate::deferred;
use crate::registry::{Registry, Stats};

/// An OCaml callback rooted by a boxroot, as stored in the registry.
pub struct CallbackRoot(pub Root);

// SAFETY: the root's value is read only by threads holding a domain lock
// (the marshaller checks it), and boxroot allows deleting a root from any
// thread; the registry's lock orders the accesses.
unsafe impl Send for CallbackRoot {}
// SAFETY: as above; shared access only reads the root's cell under a domain lock.
unsafe impl Sync for CallbackRoot {}

/// Every closure's root, by key.
pub static REGISTRY: Registry<CallbackRoot> = Registry::new();

static SHUT_DOWN: AtomicBool = AtomicBool::new(false);

/// Releases what is queued, if anything (two atomic loads otherwise).
///
/// # Safety
/// The caller holds the domain lock and is not inside a GC finalizer.
pub unsafe fn safe_point() {
    if REGISTRY.has_queued() || deferred::has_queued() {
        // SAFETY: forwarded precondition.
        unsafe { flush() };
    }
}

/// Releases every queued root and drops every deferred GLib reference,
/// until nothing is left (a release can queue more, e.g. an object's
/// dispose dropping its signal handlers' closures).
///
/// # Safety
/// The caller holds the domain lock and is not inside a GC finalizer.
pub unsafe fn flush() {
    loop {
        // SAFETY: forwarded precondition.
        let refs = unsafe { deferred::release_all() };
        let roots = REGISTRY.drain();
        let n = roots.len();
        drop(roots); // boxroot_delete for each, with the lock held
        if refs == 0 && n == 0 && !REGISTRY.has_queued() && !deferred::has_queued() {
            break;
        }
    }
}

/// The ordered shutdown (module documentation). Idempotent: only the first
/// call does anything.
///
/// # Safety
/// The caller holds the domain lock, is not inside a GC finalizer, and the
/// OCaml runtime has not been shut down yet.
pub unsafe fn shutdown() {
    if SHUT_DOWN.swap(true, Ordering::AcqRel) {
        return;
    }
    REGISTRY.close();
    REGISTRY.invalidate_all();
    // SAFETY: forwarded precondition.
    unsafe { flush() };
}

/// Whether shutdown has started: creating closures is refused.
pub fn is_closed() -> bool {
    REGISTRY.is_closed()
}

/// The registry's counters.
pub fn stats() -> Stats {
    REGISTRY.stats()
}
