//! The shutdown's GLib-side invalidation, and what a closure's finalize
//! notifier waits for meanwhile: the scan must never touch a closure GLib
//! has freed ([`before_free`] says why it cannot).

use std::sync::atomic::Ordering;
use std::sync::RwLock;

use crate::core::callbacks::REGISTRY;
use crate::core::lifecycle;

extern "C" {
    /// A reference on `closure` unless its count is 0 (being finalized).
    fn gclosure_shim_closure_try_ref(closure: *mut glib::gobject_ffi::GClosure) -> std::ffi::c_int;
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
/// shutdown thread. `tests/ocaml/test_shutdown_race.ml` opens it by
/// numbers: C threads drop the last references of 20,000 closures while
/// the main domain shuts down, in child processes whose freed memory glibc
/// fills; with this function made a no-op, 8 of 480 shutdowns crashed
/// (29 of 30 with the scan slowed), and none in 1,800 as it is.
#[inline(always)]
pub fn before_free() {
    if !lifecycle::is_open() {
        drop(SCAN.read().unwrap_or_else(|e| e.into_inner()));
    }
}

/// The shutdown's GLib side (`ocaml::shutdown`, step 2): `g_closure_invalidate` on every live closure. Each
/// is referenced during the scan (see [`before_free`] for why its memory is
/// valid then; a closure already being finalized, count 0, is skipped),
/// then invalidated and released after it, with no lock held (the
/// notifiers run on this thread and take what they need).
pub fn invalidate_in_glib() {
    if lifecycle::is_open() {
        // The argument of `before_free` holds only once the library has
        // left Open: called earlier, this does nothing.
        return;
    }
    let mut closures = Vec::new();
    {
        let _scan = SCAN.write().unwrap_or_else(|e| e.into_inner());
        REGISTRY.for_each_live(|cb| {
            let c = cb.closure.load(Ordering::Acquire);
            // SAFETY: the entry is live in the sequentially consistent order
            // after the library left Open, so GLib has not freed the closure
            // and will not before the scan ends (`before_free`); try_ref
            // refuses a count of 0.
            if !c.is_null() && unsafe { gclosure_shim_closure_try_ref(c) } == 1 {
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
