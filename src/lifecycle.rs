//! Safe points and the ordered shutdown.
//!
//! A *safe point* is a moment when the calling thread holds the domain lock
//! and is not inside a GC finalizer: the end of every callback, the end of a
//! major GC cycle (an OCaml alarm), `Gclosure.flush`, and shutdown. There
//! the queued roots are released and the deferred GLib references dropped.
//! The start of every call into the library is a lesser one
//! ([`entry_safe_point`]): roots and closure references only, because
//! dropping an object's last reference can run OCaml code.
//!
//! [`shutdown`] runs once, in this order:
//! 1. close the registry: from now on no closure can be created;
//! 2. invalidate every live closure in the registry (its marshaller then
//!    does nothing: no invocation can reach OCaml) and, when the calling
//!    domain is the only one running, on the GLib side too
//!    (`g_closure_invalidate`: GLib disconnects its signal handlers). With
//!    other domains running, GLib's own invalidation is skipped: GLib's
//!    signal code aborts when a closure is invalidated on one thread while
//!    another thread disconnects its handler (`invalid_closure_notify:
//!    assertion failed: (handler != NULL)`, seen in `tests/shell/
//!    test_exit.sh`), and the registry's invalidation already keeps OCaml
//!    out;
//! 3. release every root and deferred reference, with the lock held;
//! 4. close the allocation gate: from now on no thread of any domain makes a
//!    runtime allocation through the library (custom blocks use the
//!    runtime's own tables, which `OCAMLRUNPARAM=c=1` frees at exit while
//!    other domains still run); allocations in flight are waited for;
//! 5. the library stays closed; the runtime may exit.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use ocaml::root::Root;

use crate::deferred;
use crate::registry::{Registry, Stats};

/// An OCaml callback rooted by a boxroot, as stored in the registry, with
/// the GClosure that calls it (set right after the closure is made; null
/// before). The pointer is only used while the entry is live: GLib runs the
/// finalize notifier (and usually the invalidate notifier before it), which
/// takes the entry out of the live state under the registry's lock, before
/// it frees the closure.
pub struct CallbackRoot(pub Root, pub std::sync::atomic::AtomicPtr<glib::gobject_ffi::GClosure>);

// SAFETY: the root's value is read only by threads holding a domain lock
// (the marshaller checks it), and boxroot allows deleting a root from any
// thread; the registry's lock orders the accesses.
unsafe impl Send for CallbackRoot {}
// SAFETY: as above; shared access only reads the root's cell under a domain lock.
unsafe impl Sync for CallbackRoot {}

/// Every closure's root, by key.
pub static REGISTRY: Registry<CallbackRoot> = Registry::new();

extern "C" {
    /// 1 when the calling domain is the only OCaml domain running.
    fn gclosure_shim_domain_alone() -> std::ffi::c_int;
}

static SHUT_DOWN: AtomicBool = AtomicBool::new(false);

/// The safe point at the start of an external: releases queued roots and
/// closure references, which run no OCaml code, and leaves objects and
/// values (whose last unref can emit signals into OCaml: a widget's
/// "destroy") for the next full [`safe_point`]. An external's arguments
/// point into OCaml blocks that any OCaml code could make the GC move
/// before the external has read them.
///
/// # Safety
/// The caller holds the domain lock and is not inside a GC finalizer.
pub unsafe fn entry_safe_point() {
    if REGISTRY.has_queued() || deferred::has_queued() {
        // SAFETY: forwarded precondition.
        unsafe { deferred::release_closures() };
        drop(REGISTRY.drain()); // boxroot_delete for each, with the lock held
    }
}

/// Releases what is queued, if anything (two atomic loads otherwise). It
/// may run OCaml code (signal handlers emitted by a disposed object), so
/// it is only called where no borrowed OCaml argument is read afterwards:
/// the end of a callback, `Gclosure.flush` (also the end of each major GC
/// cycle), the end of `Gobject.Signal.disconnect`, and shutdown.
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
    // SAFETY: reads the runtime's domain counter; the runtime is alive.
    if unsafe { gclosure_shim_domain_alone() } == 1 {
        invalidate_in_glib();
    }
    // Registry side, for any entry whose closure was not made yet.
    REGISTRY.invalidate_all();
    // SAFETY: forwarded precondition.
    unsafe { flush() };
    // SAFETY: forwarded precondition (domain lock held).
    unsafe { close_gate() };
}

/// Shutdown's GLib side (module documentation, step 2): `g_closure_invalidate`
/// on every live closure. Each is referenced under the registry's read lock
/// (its memory cannot be freed before its finalize notifier has taken it out
/// of the live state, which needs the write lock; a closure already being
/// finalized, count 0, is skipped), then invalidated and released without
/// any registry lock held (the notifiers take it).
fn invalidate_in_glib() {
    let mut closures = Vec::new();
    REGISTRY.for_each_live(|cb| {
        let c = cb.1.load(Ordering::Acquire);
        // SAFETY: the entry is live, so GLib has not finished finalizing
        // the closure: its memory is valid; try_ref refuses a count of 0.
        if !c.is_null() && unsafe { crate::closure::gclosure_shim_closure_try_ref(c) } == 1 {
            closures.push(c);
        }
    });
    for c in closures {
        // SAFETY: we hold the reference taken above; invalidation runs
        // GLib's notifiers (ours, signal handlers' removal), no OCaml code.
        unsafe {
            glib::gobject_ffi::g_closure_invalidate(c);
            glib::gobject_ffi::g_closure_unref(c);
        }
    }
}

static GATE_CLOSED: AtomicBool = AtomicBool::new(false);
static IN_GATE: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static MINE_IN_GATE: Cell<usize> = const { Cell::new(0) };
}

/// Runs `alloc`, a runtime allocation made for the library (a custom
/// block), unless shutdown has closed the gate: then `None`, and nothing
/// is allocated.
pub fn gated<R>(alloc: impl FnOnce() -> R) -> Option<R> {
    IN_GATE.fetch_add(1, Ordering::SeqCst);
    MINE_IN_GATE.with(|m| m.set(m.get() + 1));
    let r = (!GATE_CLOSED.load(Ordering::SeqCst)).then(alloc);
    MINE_IN_GATE.with(|m| m.set(m.get() - 1));
    IN_GATE.fetch_sub(1, Ordering::SeqCst);
    r
}

/// Closes the gate and waits (at most 5 s, with the domain lock released so
/// that other domains can finish a collection) until no other thread is
/// inside [`gated`].
///
/// # Safety
/// The caller holds the domain lock.
unsafe fn close_gate() {
    GATE_CLOSED.store(true, Ordering::SeqCst);
    let mine = MINE_IN_GATE.with(|m| m.get());
    if IN_GATE.load(Ordering::SeqCst) == mine {
        return;
    }
    // SAFETY: domain lock held (precondition); no OCaml value is held here.
    let _unlocked = unsafe { crate::lock::Released::new() };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while IN_GATE.load(Ordering::SeqCst) != mine && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_micros(50));
    }
}

/// Whether shutdown has started: creating closures is refused.
pub fn is_closed() -> bool {
    REGISTRY.is_closed()
}

/// The registry's counters.
pub fn stats() -> Stats {
    REGISTRY.stats()
}
