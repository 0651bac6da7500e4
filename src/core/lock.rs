//! The OCaml domain lock, for callbacks that arrive on any thread.
//!
//! GLib may invoke a closure on a thread that does not hold the lock: a GIO
//! worker thread, a thread OCaml never saw, or an OCaml thread that runs a
//! main loop inside a blocking section. [`acquire`] makes such a thread
//! known to the runtime (once; it is unregistered when the thread exits)
//! and takes the lock; [`Acquired`]'s drop gives it back.

use crate::core::thread;

extern "C" {
    fn gclosure_shim_domain_lock_held() -> std::ffi::c_int;
    fn gclosure_shim_thread_register() -> std::ffi::c_int;
    fn gclosure_shim_acquire();
    fn gclosure_shim_release();
    fn gclosure_shim_cancel_disable() -> std::ffi::c_int;
    fn gclosure_shim_cancel_restore(old: std::ffi::c_int);
}

/// Thread cancellation disabled while this lives (restored on drop).
///
/// OCaml 5.4's exit with `OCAMLRUNPARAM=c=1` cancels (`pthread_cancel`)
/// every other domain thread that sits in a blocking section. A thread
/// that waits inside the library must not be unwound through Rust and
/// GLib frames (a forced unwind through `catch_unwind` aborts the process):
/// while it waits without its lock, cancellation is disabled, and the
/// runtime's exit goes on without it.
pub struct NoCancel(std::ffi::c_int);

impl NoCancel {
    /// Disables cancellation for the calling thread.
    pub fn new() -> NoCancel {
        // SAFETY: pthread_setcancelstate on the calling thread; no precondition.
        NoCancel(unsafe { gclosure_shim_cancel_disable() })
    }
}

impl Drop for NoCancel {
    fn drop(&mut self) {
        // SAFETY: restores the state `new` saved, on the same thread (not Send).
        unsafe { gclosure_shim_cancel_restore(self.0) }
    }
}

/// True when the calling thread holds an OCaml domain lock (so it may
/// allocate, read roots and call OCaml functions).
pub fn held() -> bool {
    // SAFETY: the shim only reads OCaml's thread-local domain-state pointer,
    // which is valid to read from any thread at any time.
    unsafe { gclosure_shim_domain_lock_held() != 0 }
}

/// True when the calling domain is the only OCaml domain running (always
/// on OCaml 4.14). Read with the domain lock held, it means no other
/// domain runs concurrently until this thread runs OCaml code or gives the
/// lock up: the rule of the runtime's own `caml_domain_alone` fast paths
/// (`caml/domain.h`).
#[inline(always)]
pub fn domain_alone() -> bool {
    #[cfg(ocaml5)]
    {
        extern "C" {
            /// The runtime's count of running domains (`caml/domain.h`).
            static caml_num_domains_running: std::sync::atomic::AtomicUsize;
        }
        // SAFETY: an exported atomic of the runtime, alive for the process;
        // read as `caml_domain_alone` reads it (acquire).
        unsafe { caml_num_domains_running.load(std::sync::atomic::Ordering::Acquire) == 1 }
    }
    #[cfg(not(ocaml5))]
    true
}

/// True when the calling thread holds a domain lock that the library did
/// not take for it: it is running OCaml code (or came from it), and
/// returning from the library goes back into OCaml.
pub fn returns_to_ocaml() -> bool {
    held() && thread::with(|t| t.taken.get()) == 0
}

/// The domain lock taken by [`acquire`]; released on drop.
pub struct Acquired {
    _not_send: std::marker::PhantomData<*mut ()>,
}

impl Drop for Acquired {
    fn drop(&mut self) {
        thread::with(|t| t.taken.set(t.taken.get() - 1));
        // SAFETY: this thread took the lock in `acquire` and still holds it.
        unsafe { gclosure_shim_release() };
    }
}

/// The domain lock given up for a while (a blocking section); taken back on
/// drop. Cancellation is disabled meanwhile ([`NoCancel`]). Visible to the
/// core only: the rest of the crate gives the lock up through
/// `lifecycle::without_lock`, the one primitive for it.
pub(in crate::core) struct Released {
    _no_cancel: NoCancel,
    _not_send: std::marker::PhantomData<*mut ()>,
}

impl Released {
    /// Gives the lock up.
    ///
    /// # Safety
    /// The calling thread holds the domain lock and holds no unrooted OCaml
    /// value across the guard's life.
    pub(in crate::core) unsafe fn new() -> Released {
        let no_cancel = NoCancel::new();
        // SAFETY: precondition.
        unsafe { gclosure_shim_release() };
        Released { _no_cancel: no_cancel, _not_send: std::marker::PhantomData }
    }
}

impl Drop for Released {
    fn drop(&mut self) {
        // SAFETY: this thread gave the lock up in `new` and is known to the runtime.
        unsafe { gclosure_shim_acquire() };
    }
}

/// Gives the domain lock up for the rest of the process (a parked thread).
///
/// # Safety
/// The calling thread holds the domain lock and never uses OCaml again.
pub unsafe fn release_for_good() {
    // SAFETY: precondition.
    unsafe { gclosure_shim_release() };
}

/// Takes the domain lock on a thread that does not hold it, registering the
/// thread with the runtime first if it is unknown.
///
/// # Safety
/// The calling thread does not hold a domain lock (check [`held`]): the
/// runtime's lock is not reentrant.
pub unsafe fn acquire() -> Acquired {
    if !thread::with(|t| t.registered.replace(true)) {
        // SAFETY: registering is allowed from any thread without the lock;
        // it answers 0 for a thread the runtime already knows.
        if unsafe { gclosure_shim_thread_register() } == 1 {
            // SAFETY: registered just now, by the library.
            unsafe { thread::unregister_at_end() };
        }
    }
    // The wait for the lock is a cancellation point.
    let _no_cancel = NoCancel::new();
    // SAFETY: the thread is known to the runtime (registered above or
    // before) and does not hold the lock (precondition).
    unsafe { gclosure_shim_acquire() };
    thread::with(|t| t.taken.set(t.taken.get() + 1));
    Acquired { _not_send: std::marker::PhantomData }
}

/// [`acquire`] for the thread that started the runtime from Rust (the Rust
/// host's main thread), which takes the lock for every call and every
/// callback: known to the runtime since it started it, and never
/// cancelled by the runtime's exit (a Rust host's end is its `Runtime`'s
/// drop, not OCaml's exit), so neither the registration check nor the
/// cancellation guard is needed (together a quarter of the cost of taking
/// and giving back the lock, in instructions: `bench/analysis.md`).
///
/// # Safety
/// As [`acquire`], and the calling thread is the Rust host's
/// (`thread::is_host`).
#[inline(always)]
pub unsafe fn acquire_host() -> Acquired {
    // SAFETY: the thread started the runtime (known to it) and does not
    // hold the lock (precondition).
    unsafe { gclosure_shim_acquire() };
    thread::with(|t| t.taken.set(t.taken.get() + 1));
    Acquired { _not_send: std::marker::PhantomData }
}
