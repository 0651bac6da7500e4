//! Safe points: where queued roots are released and deferred GLib
//! references dropped.
//!
//! A *safe point* is a moment when the calling thread holds the domain lock,
//! is inside the library (`lifecycle::enter`) and is not inside a GC
//! finalizer: the end of every callback, the end of a major GC cycle (an
//! OCaml alarm calls `Gclosure.flush`), `Gclosure.flush`, and shutdown. A
//! full safe point also disposes the GTK 4 windows destroyed since the
//! last one (`gtk::toplevels`, through `hooks`: this module knows nothing of GTK). The
//! start of every external is a lesser one ([`at_entry`]): roots and closure
//! references only, because dropping an object's last reference can run
//! OCaml code.

use crate::core::callbacks::REGISTRY;
use crate::core::deferred;
use crate::core::hooks;

/// The safe point at the start of an external: releases queued roots and
/// closure references, which run no OCaml code, and leaves objects and
/// values (whose last unref can emit signals into OCaml: a widget's
/// "destroy") for the next full [`safe_point`].
///
/// # Safety
/// The caller holds the domain lock and is not inside a GC finalizer.
pub unsafe fn at_entry() {
    if REGISTRY.has_queued() || deferred::has_queued_no_ocaml() {
        // SAFETY: forwarded precondition.
        unsafe { deferred::release_no_ocaml() };
        // SAFETY: domain lock held (precondition): no unlocked registry read
        // runs. Each root is deleted with the domain lock held (its slots
        // in its owners' tables freed first: `owners::release_root`).
        unsafe { REGISTRY.drain_with(|p| hooks::owners_release_root(p)) };
    }
}

/// Releases what is queued, if anything (two atomic loads otherwise). It
/// may run OCaml code (signal handlers emitted by a disposed object): the
/// end of a callback, `Gclosure.flush`, the end of `Gobject.Signal.disconnect`,
/// and shutdown.
///
/// # Safety
/// The caller holds the domain lock and is not inside a GC finalizer.
pub unsafe fn safe_point() {
    // SAFETY: forwarded precondition.
    unsafe { hooks::owners_maintain() };
    if REGISTRY.has_queued() || deferred::has_queued() || hooks::windows_queued() {
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
    // SAFETY: forwarded precondition.
    unsafe { hooks::owners_maintain() };
    loop {
        // Destroyed windows first: their dispose queues more releases.
        // (Those queued for another thread's safe point stay queued.)
        // SAFETY: forwarded precondition.
        let windows = unsafe { hooks::windows_dispose() };
        // SAFETY: forwarded precondition.
        let refs = unsafe { deferred::release_all() };
        // SAFETY: as in `at_entry`.
        let n = unsafe { REGISTRY.drain_with(|p| hooks::owners_release_root(p)) };
        // Ownership moves the releases above queued (main domain only).
        // SAFETY: forwarded precondition.
        let moved = unsafe { hooks::owners_maintain() };
        if windows == 0 && refs == 0 && n == 0 && moved == 0 && !REGISTRY.has_queued() && !deferred::has_queued() {
            break;
        }
    }
}
