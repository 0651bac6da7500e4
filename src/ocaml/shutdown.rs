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

use crate::core::callbacks::REGISTRY;
use crate::core::lifecycle::{self, Life};
use crate::core::safepoint;
use crate::core::token::Domain;

/// Explicit shutdown (`Gclosure.shutdown`, dropping the Rust `Runtime`):
/// Open → Closed, then steps 2 and 3. Idempotent.
///
/// # Safety
/// The runtime has not been shut down (the token says the rest: domain
/// lock held, inside the library, not in a GC finalizer).
pub unsafe fn shutdown(d: Domain<'_>) {
    if lifecycle::close() {
        // SAFETY: forwarded precondition.
        unsafe { release_everything(d) };
    }
}

/// The exit (OCaml's `at_exit`): → Exiting, then steps 2 and 3 unless an
/// explicit shutdown did them already. Other threads entering the library
/// from now on park.
///
/// # Safety
/// As [`shutdown`].
pub unsafe fn exit(d: Domain<'_>) {
    if lifecycle::begin_exit(d) == Some(Life::Open) {
        // SAFETY: forwarded precondition.
        unsafe { release_everything(d) };
    }
}

/// Steps 2 and 3.
///
/// # Safety
/// As [`shutdown`].
unsafe fn release_everything(d: Domain<'_>) {
    // No other domain, no other live thread that entered the library, and
    // no thread without a domain lock that ever invalidated one of our
    // closures (a GLib worker dropping an object's handlers never enters
    // the library, so presence does not know it).
    let alone = crate::core::lock::domain_alone()
        && crate::core::thread::presence::others_known(crate::core::thread::presence::mine()) == 0
        && !crate::core::closure::foreign_notifiers_seen();
    if alone {
        crate::core::scan::invalidate_in_glib();
    }
    // Registry side, for any entry whose closure was not made yet.
    REGISTRY.invalidate_all();
    // The owners' roots, while every owned object is still alive (their
    // wrappers' references are among the deferred releases below).
    // SAFETY: forwarded precondition; every owned object is alive (their
    // references are released by the flush below).
    unsafe { crate::ocaml::owners::release_all() };
    safepoint::flush(d);
    // OCaml values GLib still holds in GclosureCaml boxes (a property, a
    // GValue of C code): their roots go now, while the runtime lives.
    // SAFETY: the runtime lives (precondition), domain lock held outside a
    // finalizer (the token); the library has left Open.
    unsafe { crate::ocaml::caml_boxed::release_all() };
}

