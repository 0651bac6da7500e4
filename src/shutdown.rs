//! The ordered shutdown: what happens when the library's life leaves the
//! Open state (`lifecycle`), once.
//!
//! 1. the state changes first (`lifecycle::close`, or `lifecycle::begin_exit`,
//!    which also waits until no other thread is inside the library): from
//!    now on no closure is created and no invocation reaches OCaml;
//! 2. every live closure is invalidated in the registry and, when the
//!    calling thread is the only one that can be using our closures (its
//!    domain is the only one running, and no other live thread has ever
//!    entered the library), on the GLib side too (`g_closure_invalidate`:
//!    GLib disconnects its signal handlers). Otherwise GLib's own
//!    invalidation is skipped, and the registry's invalidation alone keeps
//!    OCaml out (the handlers stay connected and do nothing). GLib is not
//!    safe against a closure invalidated on one thread while another
//!    thread disconnects its handler (`invalid_closure_notify: assertion
//!    failed: (handler != NULL)`) or invokes it: a Rust thread emitting
//!    while the `Runtime` dropped crashed in `g_closure_invoke` through a
//!    NULL marshaller in 6 of 300 runs of tests/rust_end_of_life.rs;
//! 3. every root and deferred reference is released, with the lock held,
//!    and so are the roots of the OCaml values GLib still holds
//!    (`GclosureCaml` boxes).

use std::sync::atomic::Ordering;
use std::sync::RwLock;

use crate::closure::REGISTRY;
use crate::lifecycle::{self, Life};
use crate::safepoint;

/// Explicit shutdown (`Gclosure.shutdown`, dropping the Rust `Runtime`):
/// Open → Closed, then steps 2 and 3. Idempotent.
///
/// # Safety
/// The caller holds the domain lock, is inside the library, is not inside
/// a GC finalizer, and the runtime has not been shut down.
pub unsafe fn shutdown() {
    if lifecycle::close() {
        // SAFETY: forwarded precondition.
        unsafe { release_everything() };
    }
}

/// The exit (OCaml's `at_exit`): → Exiting, then steps 2 and 3 unless an
/// explicit shutdown did them already. Other threads entering the library
/// from now on park.
///
/// # Safety
/// As [`shutdown`].
pub unsafe fn exit() {
    if lifecycle::begin_exit() == Some(Life::Open) {
        // SAFETY: forwarded precondition.
        unsafe { release_everything() };
    }
}

/// Steps 2 and 3.
///
/// # Safety
/// As [`shutdown`].
unsafe fn release_everything() {
    // No other domain, no other live thread that entered the library, and
    // no thread without a domain lock that ever invalidated one of our
    // closures (a GLib worker dropping an object's handlers never enters
    // the library, so presence does not know it).
    let alone = crate::lock::domain_alone()
        && lifecycle::presence::others_known(lifecycle::presence::mine()) == 0
        && !crate::closure::foreign_notifiers_seen();
    if alone {
        invalidate_in_glib();
    }
    // Registry side, for any entry whose closure was not made yet.
    REGISTRY.invalidate_all();
    // The owners' roots, while every owned object is still alive (their
    // wrappers' references are among the deferred releases below).
    // SAFETY: forwarded precondition.
    unsafe { crate::owners::release_all() };
    // SAFETY: forwarded precondition.
    unsafe { safepoint::flush() };
    // OCaml values GLib still holds in GclosureCaml boxes (a property, a
    // GValue of C code): their roots go now, while the runtime lives.
    // SAFETY: forwarded precondition (lock, runtime alive); the library has left Open.
    unsafe { crate::caml_boxed::release_all() };
}

/// Held for writing by [`invalidate_in_glib`]'s scan; a finalize notifier
/// that sees the library no longer open takes it for reading before GLib
/// frees its closure ([`before_free`]).
static SCAN: RwLock<()> = RwLock::new(());

/// Called by every closure's finalize notifier, after its registry entry
/// left the live state (there, or before in the invalidate notifier) and
/// before GLib frees the closure: once the library is no longer open, it
/// waits for a scan of [`invalidate_in_glib`] in progress. Open, it is one
/// load.
///
/// Why the scan never touches a freed closure. The scan reads an entry's
/// state, then takes a reference on its closure; a GLib thread doing the
/// closure's last unref can run both notifiers and free the closure in
/// between (the invalidation is a compare-and-swap, under the registry's
/// read lock only, which the scan holds too: nothing orders them). With
/// the entry's compare-and-swap (`Registry::invalidate`), the scan's state
/// loads (`for_each_live`), the library's state change (`lifecycle`) and
/// the load below all sequentially consistent, either
/// * this load sees Open: it comes before the shutdown's state change in
///   the single order of those operations, and so does the entry's
///   compare-and-swap (made before it, on this thread or on the thread
///   whose invalidation this finalization follows), so the scan, which
///   runs after the state change, reads the entry as invalidated and skips
///   it; or
/// * it sees the library closed or exiting: this thread waits here, and
///   GLib frees nothing, until the scan has ended; a closure the scan
///   reads as live meanwhile is still allocated, with a count of 0, which
///   `try_ref` refuses.
///
/// The race has a window of a few instructions between two reads of the
/// shutdown thread, which no test can open on demand: this argument is the
/// evidence (the unit test of the registry races invalidations with the
/// unlocked reads).
#[inline(always)]
pub fn before_free() {
    if !lifecycle::is_open() {
        drop(SCAN.read().unwrap_or_else(|e| e.into_inner()));
    }
}

/// Step 2's GLib side: `g_closure_invalidate` on every live closure. Each
/// is referenced during the scan (see [`before_free`] for why its memory is
/// valid then; a closure already being finalized, count 0, is skipped),
/// then invalidated and released after it, with no lock held (the
/// notifiers run on this thread and take what they need).
fn invalidate_in_glib() {
    let mut closures = Vec::new();
    {
        let _scan = SCAN.write().unwrap_or_else(|e| e.into_inner());
        REGISTRY.for_each_live(|cb| {
            let c = cb.closure.load(Ordering::Acquire);
            // SAFETY: the entry is live in the sequentially consistent order
            // after the library left Open, so GLib has not freed the closure
            // and will not before the scan ends (`before_free`); try_ref
            // refuses a count of 0.
            if !c.is_null() && unsafe { crate::closure::gclosure_shim_closure_try_ref(c) } == 1 {
                closures.push(c);
            }
        });
    }
    for c in closures {
        // SAFETY: we hold the reference taken above; invalidation runs
        // GLib's notifiers (ours, signal handlers' removal), no OCaml code.
        unsafe {
            glib::gobject_ffi::g_closure_invalidate(c);
            glib::gobject_ffi::g_closure_unref(c);
        }
    }
}
