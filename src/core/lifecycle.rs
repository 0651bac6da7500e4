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

use std::sync::atomic::Ordering;

use crate::core::life::{CLOSED, EXITING, LIFE, OPEN};
use crate::core::lock;
use crate::core::thread::{self, presence};
use crate::core::token::Domain;
pub use crate::core::token::Inside;

pub use crate::core::life::{close, is_open, life, Life};

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


#[inline]
fn count_in() {
    thread::with(|t| {
        let d = &t.depth;
        if d.get() == 0 {
            presence::set(true);
        }
        d.set(d.get() + 1);
    });
}

#[inline]
fn count_out() -> usize {
    thread::with(|t| {
        let d = &t.depth;
        let left = d.get() - 1;
        d.set(left);
        if left == 0 {
            presence::set(false);
        }
        left
    })
}

fn is_exiter() -> bool {
    thread::with(|t| t.exiter.get())
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
    let depth = thread::with(|t| t.depth.replace(0));
    if depth > 0 {
        presence::set(false);
    }
    Suspended { depth, callback: false, _not_send: std::marker::PhantomData }
}

/// Runs `f` outside the library with the domain lock given up (a blocking
/// section), then takes the lock back: the one way the library waits
/// without the lock (a main loop, `Runtime::run_unlocked`, the exit's wait
/// for other threads). Meanwhile this thread is not counted inside (the
/// exit does not wait for it) and cannot be cancelled (`lock::NoCancel`);
/// coming back parks it if the exit began (unless it is the exiter).
///
/// # Safety
/// The calling thread holds its domain lock, holds no OCaml value that is
/// not rooted across `f`, and uses no `Domain` token inside `f`.
#[inline]
pub unsafe fn without_lock<R>(f: impl FnOnce() -> R) -> R {
    let _out = suspend();
    // SAFETY: precondition (lock held, no unrooted value across the guard).
    let _unlocked = unsafe { lock::Released::new() };
    f()
}

/// Sets this thread's library frames aside while it runs an OCaml callback
/// the library invoked. The exit waits a little for such callbacks to
/// return ([`begin_exit`]): OCaml 5.4's exit with `c=1` ends a domain that
/// runs OCaml code with `pthread_exit`, whose forced unwind must not cross
/// the library's frames; back from its callback, the thread parks instead.
#[inline(always)]
pub fn suspend_for_callback() -> Suspended {
    let depth = thread::with(|t| t.depth.replace(0));
    thread::with(|t| t.callbacks.set(t.callbacks.get() + 1));
    presence::set(false);
    Suspended { depth, callback: true, _not_send: std::marker::PhantomData }
}

impl Drop for Suspended {
    #[inline(always)]
    fn drop(&mut self) {
        if self.callback {
            thread::with(|t| t.callbacks.set(t.callbacks.get() - 1));
        }
        if self.depth > 0 {
            presence::set(true);
            thread::with(|t| t.depth.set(self.depth));
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
    if thread::is_host() {
        // SAFETY: not held (checked above); the Rust host's thread.
        return Some(unsafe { lock::acquire_host() });
    }
    let _waiting = suspend();
    // SAFETY: not held (checked above).
    Some(unsafe { lock::acquire() })
}

/// Waits for the end of the process, the domain lock given up (so that the
/// exiting domain can stop the world for its last collections). Pending
/// OCaml signal handlers are not run: none may raise here.
pub fn park() -> ! {
    // Neither inside nor in a callback any more, however deep: the exit
    // waits for those marks, and this thread never comes back.
    thread::with(|t| t.depth.set(0));
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
/// which holds its domain lock inside the library (the token). Returns the
/// state it left (`None` if the exit had begun already), once every other
/// thread has left the library: from then on none allocates through it.
///
/// The Dekker pair: the exiter stores `Exiting` then reads who is inside;
/// an entrant marks itself inside then reads the state, with a full
/// barrier between store and load on both sides ([`presence`]). Either the
/// exiter sees the entrant and waits, or the entrant sees `Exiting` and
/// parks.
pub fn begin_exit(_: Domain<'_>) -> Option<Life> {
    let before = crate::core::life::claim_exit(&LIFE, || thread::with(|t| t.exiter.set(true)));
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
        // The exiter's resume never parks.
        // SAFETY: the exiter holds its domain lock (the token) and keeps no
        // unrooted OCaml value across the wait, which uses no token.
        unsafe {
            without_lock(|| {
                let t0 = std::time::Instant::now();
                loop {
                    let inside = presence::others(presence::INSIDE, me);
                    let callbacks = presence::others(presence::IN_CALLBACK, me);
                    if (inside == 0 || t0.elapsed() > EXIT_WAIT) && (callbacks == 0 || t0.elapsed() > CALLBACK_WAIT) {
                        break;
                    }
                    std::thread::sleep(std::time::Duration::from_micros(100));
                }
            })
        }
    }
    Some(if before == OPEN { Life::Open } else { Life::Closed })
}

