//! Releases that wait for a safe point.
//!
//! OCaml's GC finalizers of the library's custom blocks (objects, closures,
//! values) and a binding's finalizers (the C API) only [`push`] here: no
//! OCaml runtime call and no GLib call from inside the GC. The safe point
//! (`safepoint`) runs them later, from a thread that holds the domain lock,
//! where dispose handlers and signal emissions are harmless.
//!
//! A release is typed by its function ([`Release`]): the queue knows
//! nothing of what it drops. What dropping an object involves (its owner
//! entry, GTK's thread for a widget) is the object release's own business
//! (`ocaml::release`). The queue only knows one thing about a release:
//! whether it may run OCaml code ([`Kind`]), because the safe point at the
//! start of an external runs only those that cannot.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::core::spare::Spare;
use crate::core::token::Domain;

/// Whether running a release may run OCaml code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// It never runs OCaml code (a closure's reference: its notifiers are
    /// the registry's), so the lesser safe point at the start of an
    /// external may run it.
    NoOcaml,
    /// It may (an object's last unref runs dispose, which emits signals
    /// into OCaml): full safe points only.
    MayRunOcaml,
}

/// One deferred release: `run(a, b)`, once.
pub struct Release {
    run: unsafe fn(usize, usize),
    a: usize,
    b: usize,
}

impl Release {
    /// The release `run(a, b)`.
    ///
    /// # Safety
    /// Calling `run(a, b)` once, later, on any thread that holds the domain
    /// lock, inside the library and not in a GC finalizer, is sound: the
    /// release owns what `a` and `b` name until then. For a release pushed
    /// as [`Kind::NoOcaml`], `run` runs no OCaml code.
    pub unsafe fn new(run: unsafe fn(usize, usize), a: usize, b: usize) -> Release {
        Release { run, a, b }
    }
}

// SAFETY: a release owns what it names (`Release::new`'s contract), and
// may run on any thread that holds the domain lock.
unsafe impl Send for Release {}

struct Queue {
    items: Mutex<Vec<Release>>,
    queued: AtomicUsize,
    /// The buffer, kept between bursts (see `spare`).
    spare: Spare<Release>,
}

impl Queue {
    const fn new() -> Queue {
        Queue { items: Mutex::new(Vec::new()), queued: AtomicUsize::new(0), spare: Spare::new() }
    }

    fn push(&self, r: Release) {
        let mut q = self.items.lock().unwrap_or_else(|e| e.into_inner());
        q.push(r);
        self.queued.store(q.len(), Ordering::Release);
    }

    #[inline(always)]
    fn has_queued(&self) -> bool {
        self.queued.load(Ordering::Acquire) > 0
    }

    /// Runs every release queued now; returns how many.
    ///
    /// # Safety
    /// Domain lock held, inside the library, not in a GC finalizer.
    unsafe fn run_all(&self) -> usize {
        // The queue's contents, leaving it the spare buffer (empty) for the
        // pushes that follow.
        let mut batch = self.spare.take();
        {
            let mut q = self.items.lock().unwrap_or_else(|e| e.into_inner());
            self.queued.store(0, Ordering::Release);
            std::mem::swap(&mut *q, &mut batch);
        }
        let n = batch.len();
        for r in batch.drain(..) {
            // SAFETY: `Release::new`'s contract; domain lock held, inside
            // the library, not in a finalizer (precondition); run once.
            unsafe { (r.run)(r.a, r.b) };
        }
        self.spare.keep(batch);
        n
    }
}

static NO_OCAML: Queue = Queue::new();
static MAY_RUN_OCAML: Queue = Queue::new();

/// Queues a release. Safe inside a GC finalizer: takes a short Rust lock
/// that no holder keeps while calling OCaml or GLib, and allocates only
/// with Rust's allocator.
pub fn push(kind: Kind, r: Release) {
    match kind {
        Kind::NoOcaml => NO_OCAML.push(r),
        Kind::MayRunOcaml => MAY_RUN_OCAML.push(r),
    }
}

/// Whether a release waits (two atomic loads).
#[inline(always)]
pub fn has_queued() -> bool {
    NO_OCAML.has_queued() || MAY_RUN_OCAML.has_queued()
}

/// Whether a release that runs no OCaml code waits (one atomic load).
#[inline(always)]
pub fn has_queued_no_ocaml() -> bool {
    NO_OCAML.has_queued()
}

/// Runs the queued releases that run no OCaml code only; the others stay
/// queued for [`release_all`]. Returns how many ran.
pub fn release_no_ocaml(_: Domain<'_>) -> usize {
    // SAFETY: the token.
    unsafe { NO_OCAML.run_all() }
}

/// Runs every queued release (one can run GLib dispose code that emits
/// signals into OCaml); returns how many.
pub fn release_all(_: Domain<'_>) -> usize {
    // SAFETY: the token.
    unsafe { NO_OCAML.run_all() + MAY_RUN_OCAML.run_all() }
}
