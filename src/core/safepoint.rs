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

use crate::core::callbacks;
use crate::core::deferred;
use crate::core::hooks;
use crate::core::token::Domain;

/// The safe point at the start of an external: releases queued roots and
/// closure references, which run no OCaml code, and leaves objects and
/// values (whose last unref can emit signals into OCaml: a widget's
/// "destroy") for the next full [`safe_point`].
#[inline(always)]
pub fn at_entry(d: Domain<'_>) {
    if callbacks::has_work() || deferred::has_queued_no_ocaml() {
        deferred::release_no_ocaml(d);
        // Each root is deleted with the domain lock held (its slots in its
        // owners' tables freed first: `owners::release_root`).
        callbacks::drain(d, |p| hooks::owners_release_root(d, p));
    }
}

/// Releases what is queued, if anything (a few atomic loads otherwise).
/// It may run OCaml code (signal handlers emitted by a disposed object):
/// the end of a callback, `Gclosure.flush`, the end of
/// `Gobject.Signal.disconnect`, and shutdown.
#[inline(always)]
pub fn safe_point(d: Domain<'_>) {
    hooks::owners_maintain(d);
    if callbacks::has_work() || deferred::has_queued() || hooks::windows_queued() {
        flush(d);
    }
}

/// Releases every queued root and drops every deferred GLib reference,
/// until nothing is left (a release can queue more, e.g. an object's
/// dispose dropping its signal handlers' closures).
pub fn flush(d: Domain<'_>) {
    hooks::owners_maintain(d);
    loop {
        // Destroyed windows first: their dispose queues more releases.
        // (Those queued for another thread's safe point stay queued.)
        let windows = hooks::windows_dispose(d);
        let refs = deferred::release_all(d);
        let n = callbacks::drain(d, |p| hooks::owners_release_root(d, p));
        // Ownership moves the releases above queued (main domain only).
        let moved = hooks::owners_maintain(d);
        if windows == 0 && refs == 0 && n == 0 && moved == 0 && !callbacks::has_work() && !deferred::has_queued() {
            break;
        }
    }
}
