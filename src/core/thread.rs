//! The calling thread's part in the library's life: one record per thread
//! ([`ThreadState`]), and what other threads may see of it ([`presence`]).
//!
//! Which combinations exist, for a thread:
//!
//! | state | `depth` | `callbacks` | presence |
//! | --- | --- | --- | --- |
//! | outside the library | 0 | 0 | 0 |
//! | inside (a call, an invocation, a notifier) | > 0 | any | `INSIDE` |
//! | running an OCaml callback the library invoked | 0 | > 0 | `IN_CALLBACK` |
//! | waiting for a domain lock (`lifecycle::suspend`) | 0 | any | `IN_CALLBACK` or 0 |
//! | parked by the exit (never returns) | 0 | any | 0 |
//!
//! and, orthogonally: the exiter (`exiter`, one thread per process), the
//! Rust host's thread (`host`, the one that called `Runtime::start`),
//! domain locks the library took for it (`taken`), and whether the
//! library registered it with the OCaml runtime (`registered`), which its
//! end undoes.
//!
//! Every field is a plain `Cell` (the record has no destructor), so reading
//! it is a thread-local access like any `const` thread-local. What must
//! happen when the thread ends (unregistering it from the runtime, dropping
//! its presence cell) is [`End`]'s, a second thread-local made on first
//! need.

use std::cell::{Cell, RefCell};
use std::sync::atomic::{compiler_fence, fence, AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

#[cfg(not(test))]
use crate::core::life::{self, Life};

/// One thread's state (module documentation).
pub struct ThreadState {
    /// Library frames of this thread that are not suspended.
    pub depth: Cell<usize>,
    /// OCaml callbacks the library invoked that run on this thread now.
    pub callbacks: Cell<usize>,
    /// `lock::Acquired` guards alive on this thread.
    pub taken: Cell<u32>,
    /// This thread runs the exit.
    pub exiter: Cell<bool>,
    /// This thread called `Runtime::start` (the Rust host's thread).
    pub host: Cell<bool>,
    /// The library has asked the runtime to know this thread (once).
    pub registered: Cell<bool>,
    /// This thread's presence cell (null until its first entry).
    presence: Cell<*const AtomicU8>,
}

thread_local! {
    static STATE: ThreadState = const {
        ThreadState {
            depth: Cell::new(0),
            callbacks: Cell::new(0),
            taken: Cell::new(0),
            exiter: Cell::new(false),
            host: Cell::new(false),
            registered: Cell::new(false),
            presence: Cell::new(std::ptr::null()),
        }
    };
    static END: RefCell<End> = const { RefCell::new(End { unregister: false, presence: None }) };
}

/// The calling thread's state.
#[inline(always)]
pub fn with<R>(f: impl FnOnce(&ThreadState) -> R) -> R {
    STATE.with(f)
}

/// Whether the calling thread is the Rust host's (see [`ThreadState::host`]).
#[inline(always)]
pub fn is_host() -> bool {
    with(|s| s.host.get())
}

/// Marks the calling thread as the Rust host's (`Runtime::start`).
///
/// # Safety
/// The calling thread started the runtime: the runtime knows it, and its
/// end is the `Runtime`'s drop (`lock::acquire_host` relies on both).
pub unsafe fn set_host() {
    with(|s| s.host.set(true));
}

#[cfg(not(test))]
extern "C" {
    fn gclosure_shim_thread_unregister() -> std::ffi::c_int;
}

/// What the thread's end undoes.
pub struct End {
    /// The library registered this thread with the runtime (`lock::acquire`).
    unregister: bool,
    /// This thread's presence cell, also in [`presence`]'s table.
    presence: Option<Arc<AtomicU8>>,
}

impl Drop for End {
    fn drop(&mut self) {
        if let Some(cell) = self.presence.take() {
            let _ = STATE.try_with(|s| s.presence.set(std::ptr::null()));
            let mut all = presence::THREADS.lock().unwrap_or_else(|e| e.into_inner());
            all.retain(|f| !Arc::ptr_eq(f, &cell));
        }
        // After an explicit shutdown (Closed) the runtime goes on: the
        // thread's descriptor and stack are given back as when Open. Only
        // during the exit is the runtime left alone.
        // (The crate's unit tests link no OCaml runtime and register no
        // thread with it.)
        #[cfg(not(test))]
        if self.unregister && life::life() != Life::Exiting {
            // SAFETY: this thread was registered by `lock::acquire` and does
            // not hold the lock (every `Acquired` has been dropped by now).
            unsafe { gclosure_shim_thread_unregister() };
        }
    }
}

/// Notes that the library registered the calling thread with the runtime:
/// its end unregisters it.
///
/// # Safety
/// The library has just registered the calling thread (`lock::acquire`).
pub unsafe fn unregister_at_end() {
    END.with(|e| e.borrow_mut().unregister = true);
}

/// Which threads are inside the library, for the exit to wait on.
///
/// Entering is on every call's path, so it must be cheap: each thread
/// publishes a flag of its own with a plain store, and the store → load
/// ordering that the Dekker pair of `lifecycle::begin_exit` needs is paid
/// by the exit instead, with `membarrier` (Linux's asymmetric fence: every
/// running thread of the process executes a full barrier), once per
/// process. Where `membarrier` is not available, entering uses a full
/// fence itself.
pub mod presence {
    use super::*;

    /// The thread is inside the library.
    pub const INSIDE: u8 = 1;
    /// The thread runs an OCaml callback the library invoked.
    pub const IN_CALLBACK: u8 = 2;
    /// The thread reads the registry without its lock
    /// (`Registry::with_live_fenced`): a writer waits for it.
    pub const READING: u8 = 4;

    /// Every thread's state, while the thread lives.
    pub(super) static THREADS: Mutex<Vec<Arc<AtomicU8>>> = Mutex::new(Vec::new());
    /// `membarrier` is registered: entries need only a compiler fence.
    static ASYMMETRIC: AtomicBool = AtomicBool::new(false);

    /// This thread's state, registered on first use (`None` while the
    /// thread's thread-locals are being destroyed).
    #[cold]
    fn register() -> Option<*const AtomicU8> {
        let f = Arc::new(AtomicU8::new(0));
        let p = Arc::as_ptr(&f);
        END.try_with(|e| {
            THREADS
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(f.clone());
            e.borrow_mut().presence = Some(f);
        })
        .ok()?;
        STATE.try_with(|s| s.presence.set(p)).ok()?;
        Some(p)
    }

    /// This thread's state cell, if it can have one.
    #[inline]
    fn cell() -> Option<*const AtomicU8> {
        let p = STATE
            .try_with(|s| s.presence.get())
            .unwrap_or(std::ptr::null());
        if p.is_null() {
            register()
        } else {
            Some(p)
        }
    }

    /// This thread's state cell, for [`others`] to skip.
    pub fn mine() -> *const AtomicU8 {
        cell().unwrap_or(std::ptr::null())
    }

    extern "C" {
        fn syscall(num: std::ffi::c_long, ...) -> std::ffi::c_long;
    }
    const SYS_MEMBARRIER: std::ffi::c_long = 324; // x86_64
    const CMD_PRIVATE_EXPEDITED: std::ffi::c_int = 8;
    const CMD_REGISTER_PRIVATE_EXPEDITED: std::ffi::c_int = 16;

    /// Registers the process for `membarrier` (at the library's start).
    pub fn init() {
        if cfg!(target_arch = "x86_64") {
            // SAFETY: the membarrier system call with a command and flags 0;
            // it only changes the process's barrier registration.
            let ok = unsafe { syscall(SYS_MEMBARRIER, CMD_REGISTER_PRIVATE_EXPEDITED, 0) } == 0;
            ASYMMETRIC.store(ok, Ordering::SeqCst);
        }
    }

    /// Marks the calling thread inside (true) or out; it is also marked
    /// as running a callback while one runs on it (however nested).
    #[inline]
    pub fn set(inside: bool) {
        let cb = if with(|s| s.callbacks.get()) > 0 {
            IN_CALLBACK
        } else {
            0
        };
        set_state(if inside { INSIDE } else { 0 } | cb);
    }

    /// Sets the calling thread's state (only this thread writes it).
    /// Entering is followed by a barrier: a compiler fence when
    /// `membarrier` pays the rest, a full fence otherwise. A thread whose
    /// thread-locals are gone (it is exiting) is not tracked.
    #[inline]
    pub fn set_state(state: u8) {
        let Some(p) = cell() else { return };
        // SAFETY: `p` is this thread's registered state, kept alive by its
        // `End` (an Arc also held in THREADS) until the thread ends.
        unsafe {
            (*p).store(
                state,
                if state != 0 {
                    Ordering::Relaxed
                } else {
                    Ordering::Release
                },
            )
        };
        if state != 0 {
            if ASYMMETRIC.load(Ordering::Relaxed) {
                compiler_fence(Ordering::SeqCst);
            } else {
                fence(Ordering::SeqCst);
            }
        }
    }

    /// Marks the calling thread as reading (the reader's side of the
    /// registry's pair, as entering is the entry's side of the exit's):
    /// a plain store, then a compiler fence when `membarrier` pays the
    /// rest, a full fence otherwise. `None` when the thread cannot be
    /// tracked (its thread-locals are gone): it must not read then.
    #[inline(always)]
    pub fn begin_read() -> Option<Reading> {
        let p = cell()?;
        // SAFETY: as in `set_state`; only this thread writes its cell.
        unsafe { (*p).store((*p).load(Ordering::Relaxed) | READING, Ordering::Relaxed) };
        if ASYMMETRIC.load(Ordering::Relaxed) {
            compiler_fence(Ordering::SeqCst);
        } else {
            fence(Ordering::SeqCst);
        }
        Some(Reading(p))
    }

    /// A read begun by [`begin_read`], on this thread's cell (not `Send`:
    /// it ends on the thread that began it).
    pub struct Reading(*const AtomicU8);

    impl Reading {
        /// Ends the read: the reads before it happen before a writer's
        /// change that waited for it.
        #[inline(always)]
        pub fn end(self) {
            let p = self.0;
            // SAFETY: this thread's cell (made by `begin_read` on it), which
            // lives as long as the thread; only this thread writes it.
            unsafe { (*p).store((*p).load(Ordering::Relaxed) & !READING, Ordering::Release) };
        }
    }

    /// The writer's side: after its flag is set, waits until no other
    /// thread is between [`begin_read`] and [`Reading::end`] (a reader's
    /// window is a few loads: no allocation, no lock, no OCaml code).
    pub fn wait_for_readers() {
        barrier();
        let me = mine();
        let mut spins = 0u32;
        while others(READING, me) > 0 {
            spins += 1;
            if spins < 64 {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
    }

    /// The exit's side of the pair: after it, every entry that read the
    /// state before the exit changed it is visible.
    pub fn barrier() {
        if ASYMMETRIC.load(Ordering::Relaxed) {
            // SAFETY: as in `init`; the process is registered.
            let r = unsafe { syscall(SYS_MEMBARRIER, CMD_PRIVATE_EXPEDITED, 0) };
            if r == 0 {
                return;
            }
        }
        fence(Ordering::SeqCst);
    }

    /// How many live threads other than `me` have ever entered the library
    /// (a thread's record goes when the thread ends). Such a thread may be
    /// inside a GLib emission of one of our closures right now.
    pub fn others_known(me: *const AtomicU8) -> usize {
        let all = THREADS.lock().unwrap_or_else(|e| e.into_inner());
        all.iter()
            .filter(|f| !std::ptr::eq(Arc::as_ptr(f), me))
            .count()
    }

    /// How many threads other than `me` have one of the `bits` set now.
    pub fn others(bits: u8, me: *const AtomicU8) -> usize {
        let all = THREADS.lock().unwrap_or_else(|e| e.into_inner());
        all.iter()
            .filter(|f| !std::ptr::eq(Arc::as_ptr(f), me) && f.load(Ordering::Acquire) & bits != 0)
            .count()
    }
}
