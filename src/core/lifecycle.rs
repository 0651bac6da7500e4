//! The library's life: one state, read by every entry into the library.
//!
//! ```text
//!   Open ──Gclosure.shutdown / Runtime drop──► Closed
//!     │                                          │
//!     └────────── at_exit (OCaml program) ───────┴──► Exiting
//! ```
//!
//! * **Open**: work is done.
//! * **Closed**: an explicit shutdown ran and the program goes on. Externals
//!   raise `Gclosure.Closed` (or refuse with `Err(Closed)` in Rust), and
//!   closures do nothing when invoked.
//! * **Exiting**: an OCaml program's `at_exit` has begun the shutdown; the
//!   runtime is about to be torn down (with `OCAMLRUNPARAM=c=1` its memory is
//!   freed while other domains still run). A thread of another domain or
//!   systhread that enters the library then *parks*: it gives up its domain
//!   lock and waits for the process to end. It is never handed an exception:
//!   a domain that ends during the runtime's teardown crashes OCaml 5
//!   (ocaml/ocaml#14594). The thread that runs the exit (the *exiter*) is
//!   refused as in Closed; a thread the runtime does not own (a GLib worker)
//!   is refused too, and goes back to GLib without touching OCaml.
//!
//! Every entry (an external, the marshaller, the Rust API) first [`enter`]s,
//! before any runtime allocation or root. The entered threads are counted,
//! and the exit waits until none but the exiter is inside ([`begin_exit`]);
//! a thread leaves the count while it runs OCaml code or waits without its
//! domain lock ([`suspend`]), and re-checks the state when it comes back.
//! So once the exit has begun, no thread allocates through the library, and
//! none returns into OCaml from it.

use std::cell::Cell;
use std::sync::atomic::{compiler_fence, fence, AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

use crate::core::lock;

/// Where the library is in its life (module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Life {
    /// Work is done.
    Open,
    /// Shut down explicitly; the program goes on. Entries are refused.
    Closed,
    /// The program exits. Entries from other threads park.
    Exiting,
}

const OPEN: u8 = 0;
const CLOSED: u8 = 1;
const EXITING: u8 = 2;

static LIFE: AtomicU8 = AtomicU8::new(OPEN);

thread_local! {
    /// Library frames of this thread that are not suspended.
    static DEPTH: Cell<usize> = const { Cell::new(0) };
    /// This thread runs the exit.
    static EXITER: Cell<bool> = const { Cell::new(false) };
    /// OCaml callbacks the library invoked that run on this thread now.
    static CALLBACKS: Cell<usize> = const { Cell::new(0) };
}

/// The state now.
pub fn life() -> Life {
    match LIFE.load(Ordering::SeqCst) {
        OPEN => Life::Open,
        CLOSED => Life::Closed,
        _ => Life::Exiting,
    }
}

/// Whether closures may be created and invoked.
pub fn is_open() -> bool {
    LIFE.load(Ordering::SeqCst) == OPEN
}

/// Why [`enter`] refused: the library is closed (or exiting, for this thread).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused;

/// What an entry accepts besides the Open state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// Only Open (creating, connecting, emitting...).
    OpenOnly,
    /// Open or Closed (statistics, flush, shutdown itself): such calls keep
    /// working after an explicit shutdown. Exiting still parks.
    AnyButExit,
}

/// This thread inside the library; leaving happens on drop.
#[must_use]
pub struct Inside {
    _not_send: std::marker::PhantomData<*mut ()>,
}

#[inline]
fn count_in() {
    DEPTH.with(|d| {
        if d.get() == 0 {
            presence::set(true);
        }
        d.set(d.get() + 1);
    });
}

#[inline]
fn count_out() -> usize {
    DEPTH.with(|d| {
        let left = d.get() - 1;
        d.set(left);
        if left == 0 {
            presence::set(false);
        }
        left
    })
}

fn is_exiter() -> bool {
    EXITER.with(|e| e.get())
}

/// Parks the calling thread if the exit has begun and the thread would
/// otherwise go back to OCaml code (it holds a domain lock that the library
/// did not take for it).
#[inline]
fn park_if_exiting() {
    if LIFE.load(Ordering::SeqCst) == EXITING && !is_exiter() && lock::returns_to_ocaml() {
        park();
    }
}

/// Enters the library: counts the thread in, then reads the state (in this
/// order: see [`begin_exit`]). Open: `Ok`. Closed: `Err` (or `Ok` for
/// [`Accept::AnyButExit`]). Exiting: parks a thread that would go back to
/// OCaml and is not the exiter; `Err` for others.
#[inline(always)]
pub fn enter(accept: Accept) -> Result<Inside, Refused> {
    count_in();
    let inside = Inside { _not_send: std::marker::PhantomData };
    match LIFE.load(Ordering::SeqCst) {
        OPEN => Ok(inside),
        CLOSED if accept == Accept::AnyButExit => Ok(inside),
        CLOSED => Err(Refused),
        _ => {
            park_if_exiting(); // leaves the count
            Err(Refused) // `inside` leaves it otherwise
        }
    }
}

impl Drop for Inside {
    #[inline]
    fn drop(&mut self) {
        if count_out() == 0 {
            park_if_exiting();
        }
    }
}

/// This thread's library frames set aside while it runs OCaml code or
/// waits without its domain lock; restored on drop, which parks the thread
/// if the exit began meanwhile (it must not go back into OCaml).
#[must_use]
pub struct Suspended {
    depth: usize,
    callback: bool,
    _not_send: std::marker::PhantomData<*mut ()>,
}

/// Sets this thread's library frames aside while it waits without its
/// domain lock (see [`Suspended`]).
#[inline]
pub fn suspend() -> Suspended {
    let depth = DEPTH.with(|d| d.replace(0));
    if depth > 0 {
        presence::set(false);
    }
    Suspended { depth, callback: false, _not_send: std::marker::PhantomData }
}

/// Sets this thread's library frames aside while it runs an OCaml callback
/// the library invoked. The exit waits a little for such callbacks to
/// return ([`begin_exit`]): OCaml 5.4's exit with `c=1` ends a domain that
/// runs OCaml code with `pthread_exit`, whose forced unwind must not cross
/// the library's frames; back from its callback, the thread parks instead.
#[inline(always)]
pub fn suspend_for_callback() -> Suspended {
    let depth = DEPTH.with(|d| d.replace(0));
    CALLBACKS.with(|c| c.set(c.get() + 1));
    presence::set(false);
    Suspended { depth, callback: true, _not_send: std::marker::PhantomData }
}

impl Drop for Suspended {
    #[inline(always)]
    fn drop(&mut self) {
        if self.callback {
            CALLBACKS.with(|c| c.set(c.get() - 1));
        }
        if self.depth > 0 {
            presence::set(true);
            DEPTH.with(|d| d.set(self.depth));
        } else if self.callback {
            presence::set(false);
        }
        park_if_exiting();
    }
}

/// The domain lock for a thread inside the library that does not hold it
/// (`None` when it does). The wait is not counted as inside: the lock may
/// be held by the exiting thread, which waits for the count. The caller
/// checks the state again once it has the lock.
///
/// The thread that started the runtime from Rust (`Runtime::start`) takes
/// it on every call and every callback (it holds it only inside calls), so
/// it has a shorter path, [`lock::acquire_host`]: its wait need not leave
/// the count, because the exit never runs in a Rust host (OCaml's `at_exit`
/// there is an explicit shutdown, `Gclosure.at_exit`, made by this same
/// thread when its `Runtime` drops).
#[inline(always)]
pub fn lock_for_call() -> Option<lock::Acquired> {
    if lock::held() {
        return None;
    }
    if crate::embed::is_runtime_thread() {
        return Some(lock::acquire_host());
    }
    let _waiting = suspend();
    Some(lock::acquire())
}

/// Waits for the end of the process, the domain lock given up (so that the
/// exiting domain can stop the world for its last collections). Pending
/// OCaml signal handlers are not run: none may raise here.
pub fn park() -> ! {
    // Neither inside nor in a callback any more, however deep: the exit
    // waits for those marks, and this thread never comes back.
    DEPTH.with(|d| d.set(0));
    presence::set_state(0);
    // Never cancelled (OCaml 5.4's c=1 exit cancels domain threads in a
    // blocking section): the process's end takes this thread.
    std::mem::forget(lock::NoCancel::new());
    if lock::held() {
        // SAFETY: this thread holds its domain lock and keeps no OCaml value
        // (it never runs OCaml code again).
        unsafe { lock::release_for_good() };
    }
    loop {
        std::thread::sleep(std::time::Duration::from_secs(3600));
    }
}

/// Explicit shutdown: Open → Closed. True when this call made the change.
pub fn close() -> bool {
    LIFE.compare_exchange(OPEN, CLOSED, Ordering::SeqCst, Ordering::SeqCst).is_ok()
}

/// How long the exit waits for threads inside the library. They run
/// bounded Rust and GLib code (OCaml callbacks and lock waits are
/// suspended), so this is only a guard against a GLib call that never
/// returns.
const EXIT_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// How long the exit waits for OCaml callbacks in flight on other threads
/// to return (and their threads to park). User code may run for any time;
/// past this, the runtime's exit goes on with them.
const CALLBACK_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// The exit: Open or Closed → Exiting, by the calling thread (the exiter),
/// which must hold its domain lock and be inside the library. Returns the
/// state it left (`None` if the exit had begun already), once every other
/// thread has left the library: from then on none allocates through it.
///
/// The Dekker pair: the exiter stores `Exiting` then reads who is inside;
/// an entrant marks itself inside then reads the state, with a full
/// barrier between store and load on both sides ([`presence`]). Either the
/// exiter sees the entrant and waits, or the entrant sees `Exiting` and
/// parks.
pub fn begin_exit() -> Option<Life> {
    let before = claim_exit(&LIFE, || EXITER.with(|e| e.set(true)));
    if before == EXITING {
        // Another thread won the swap and runs the exit: this one is not
        // the exiter, so it parks when it leaves the library.
        return None;
    }
    presence::barrier();
    let me = presence::mine();
    if presence::others(presence::INSIDE | presence::IN_CALLBACK, me) > 0 {
        // Give up the lock while waiting: a thread inside may need a
        // stop-the-world collection, or the lock of this domain.
        let _out = suspend(); // the exiter's resume never parks
        // SAFETY: the exiter holds its domain lock (precondition) and keeps
        // no unrooted OCaml value across the wait.
        let _unlocked = unsafe { lock::Released::new() };
        let t0 = std::time::Instant::now();
        loop {
            let inside = presence::others(presence::INSIDE, me);
            let callbacks = presence::others(presence::IN_CALLBACK, me);
            if (inside == 0 || t0.elapsed() > EXIT_WAIT) && (callbacks == 0 || t0.elapsed() > CALLBACK_WAIT) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_micros(100));
        }
    }
    Some(if before == OPEN { Life::Open } else { Life::Closed })
}

/// Swaps `life` to Exiting and, only if this call made the change, runs
/// `mark` (which marks the calling thread as the exiter). Returns the state
/// before. Marking first (as this crate once did) made the loser of two
/// threads calling `exit` at once an exiter too: it went back into OCaml
/// during the runtime's teardown instead of parking.
fn claim_exit(life: &AtomicU8, mark: impl FnOnce()) -> u8 {
    let before = life.swap(EXITING, Ordering::SeqCst);
    if before != EXITING {
        mark();
    }
    before
}

/// Which threads are inside the library, for the exit to wait on.
///
/// Entering is on every call's path, so it must be cheap: each thread
/// publishes a flag of its own with a plain store, and the store → load
/// ordering that the Dekker pair of [`begin_exit`] needs is paid by the
/// exit instead, with `membarrier` (Linux's asymmetric fence: every running
/// thread of the process executes a full barrier), once per process. Where
/// `membarrier` is not available, entering uses a full fence itself.
pub mod presence {
    use super::*;

    /// The thread is inside the library.
    pub const INSIDE: u8 = 1;
    /// The thread runs an OCaml callback the library invoked.
    pub const IN_CALLBACK: u8 = 2;

    /// Every thread's state, while the thread lives.
    static THREADS: Mutex<Vec<Arc<AtomicU8>>> = Mutex::new(Vec::new());
    /// `membarrier` is registered: entries need only a compiler fence.
    static ASYMMETRIC: AtomicBool = AtomicBool::new(false);

    /// Unregisters a thread's state when the thread ends.
    struct Registration(Arc<AtomicU8>);

    impl Drop for Registration {
        fn drop(&mut self) {
            FLAG.with(|f| f.set(std::ptr::null()));
            let mut all = THREADS.lock().unwrap_or_else(|e| e.into_inner());
            all.retain(|f| !Arc::ptr_eq(f, &self.0));
        }
    }

    thread_local! {
        /// This thread's state (null until its first entry): a plain
        /// thread-local read on every entry.
        static FLAG: std::cell::Cell<*const AtomicU8> = const { std::cell::Cell::new(std::ptr::null()) };
        static REGISTRATION: std::cell::RefCell<Option<Registration>> = const { std::cell::RefCell::new(None) };
    }

    /// This thread's state, registered on first use (`None` while the
    /// thread's thread-locals are being destroyed).
    #[cold]
    fn register() -> Option<*const AtomicU8> {
        let f = Arc::new(AtomicU8::new(0));
        let p = Arc::as_ptr(&f);
        REGISTRATION
            .try_with(|r| {
                THREADS.lock().unwrap_or_else(|e| e.into_inner()).push(f.clone());
                *r.borrow_mut() = Some(Registration(f));
            })
            .ok()?;
        FLAG.with(|c| c.set(p));
        Some(p)
    }

    /// This thread's state cell, if it can have one.
    #[inline]
    fn cell() -> Option<*const AtomicU8> {
        let p = FLAG.try_with(|f| f.get()).unwrap_or(std::ptr::null());
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
        let cb = if CALLBACKS.with(|c| c.get()) > 0 { IN_CALLBACK } else { 0 };
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
        // Registration (an Arc also held in THREADS) until the thread ends.
        unsafe { (*p).store(state, if state != 0 { Ordering::Relaxed } else { Ordering::Release }) };
        if state != 0 {
            if ASYMMETRIC.load(Ordering::Relaxed) {
                compiler_fence(Ordering::SeqCst);
            } else {
                fence(Ordering::SeqCst);
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
        all.iter().filter(|f| !std::ptr::eq(Arc::as_ptr(f), me)).count()
    }

    /// How many threads other than `me` have one of the `bits` set now.
    pub fn others(bits: u8, me: *const AtomicU8) -> usize {
        let all = THREADS.lock().unwrap_or_else(|e| e.into_inner());
        all.iter().filter(|f| !std::ptr::eq(Arc::as_ptr(f), me) && f.load(Ordering::Acquire) & bits != 0).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Barrier;

    /// Threads calling the exit at the same moment: exactly one is marked
    /// as the exiter, however the swaps interleave.
    #[test]
    fn only_the_winner_of_simultaneous_exits_is_the_exiter() {
        const THREADS: usize = 4;
        for _ in 0..500 {
            let life = AtomicU8::new(OPEN);
            let marked = AtomicUsize::new(0);
            let winners = AtomicUsize::new(0);
            let start = Barrier::new(THREADS);
            std::thread::scope(|s| {
                for _ in 0..THREADS {
                    s.spawn(|| {
                        start.wait();
                        if claim_exit(&life, || {
                            marked.fetch_add(1, Ordering::SeqCst);
                        }) != EXITING
                        {
                            winners.fetch_add(1, Ordering::SeqCst);
                        }
                    });
                }
            });
            assert_eq!(winners.load(Ordering::SeqCst), 1);
            assert_eq!(marked.load(Ordering::SeqCst), 1, "only the thread that made the change is the exiter");
            assert_eq!(life.load(Ordering::SeqCst), EXITING);
        }
    }
}
