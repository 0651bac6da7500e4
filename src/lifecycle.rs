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
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

use crate::lock;

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
/// Threads inside the library now (each counted once, however deep).
static INSIDE: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Library frames of this thread that are not suspended.
    static DEPTH: Cell<usize> = const { Cell::new(0) };
    /// This thread runs the exit.
    static EXITER: Cell<bool> = const { Cell::new(false) };
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

fn count_in() {
    DEPTH.with(|d| {
        if d.get() == 0 {
            INSIDE.fetch_add(1, Ordering::SeqCst);
        }
        d.set(d.get() + 1);
    });
}

fn count_out() -> usize {
    DEPTH.with(|d| {
        let left = d.get() - 1;
        d.set(left);
        if left == 0 {
            INSIDE.fetch_sub(1, Ordering::SeqCst);
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
fn park_if_exiting() {
    if LIFE.load(Ordering::SeqCst) == EXITING && !is_exiter() && lock::returns_to_ocaml() {
        park();
    }
}

/// Enters the library: counts the thread in, then reads the state (in this
/// order: see [`begin_exit`]). Open: `Ok`. Closed: `Err` (or `Ok` for
/// [`Accept::AnyButExit`]). Exiting: parks a thread that would go back to
/// OCaml and is not the exiter; `Err` for others.
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
    _not_send: std::marker::PhantomData<*mut ()>,
}

/// Sets this thread's library frames aside (see [`Suspended`]).
pub fn suspend() -> Suspended {
    let depth = DEPTH.with(|d| d.replace(0));
    if depth > 0 {
        INSIDE.fetch_sub(1, Ordering::SeqCst);
    }
    Suspended { depth, _not_send: std::marker::PhantomData }
}

impl Drop for Suspended {
    fn drop(&mut self) {
        if self.depth > 0 {
            INSIDE.fetch_add(1, Ordering::SeqCst);
            DEPTH.with(|d| d.set(self.depth));
        }
        park_if_exiting();
    }
}

/// The domain lock for a thread inside the library that does not hold it
/// (`None` when it does). The wait is not counted as inside: the lock may
/// be held by the exiting thread, which waits for the count. The caller
/// checks the state again once it has the lock.
pub fn lock_for_call() -> Option<lock::Acquired> {
    if lock::held() {
        return None;
    }
    let _waiting = suspend();
    Some(lock::acquire())
}

/// Waits for the end of the process, the domain lock given up (so that the
/// exiting domain can stop the world for its last collections). Pending
/// OCaml signal handlers are not run: none may raise here.
pub fn park() -> ! {
    // Out of the count, however deep this thread is inside: the exit waits
    // for the count, and this thread never comes back.
    if DEPTH.with(|d| d.replace(0)) > 0 {
        INSIDE.fetch_sub(1, Ordering::SeqCst);
    }
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

/// The exit: Open or Closed → Exiting, by the calling thread (the exiter),
/// which must hold its domain lock and be inside the library. Returns the
/// state it left (`None` if the exit had begun already), once every other
/// thread has left the library: from then on none allocates through it.
///
/// The Dekker pair: the exiter stores `Exiting` then reads the count; an
/// entrant adds itself to the count then reads the state (both SeqCst).
/// Either the exiter sees the entrant and waits, or the entrant sees
/// `Exiting` and parks.
pub fn begin_exit() -> Option<Life> {
    EXITER.with(|e| e.set(true));
    let before = LIFE.swap(EXITING, Ordering::SeqCst);
    if before == EXITING {
        return None;
    }
    let mine = DEPTH.with(|d| (d.get() > 0) as usize);
    if INSIDE.load(Ordering::SeqCst) > mine {
        // Give up the lock while waiting: a thread inside may need a
        // stop-the-world collection, or the lock of this domain.
        let _out = suspend(); // the exiter's resume never parks
        // SAFETY: the exiter holds its domain lock (precondition) and keeps
        // no unrooted OCaml value across the wait.
        let _unlocked = unsafe { lock::Released::new() };
        let deadline = std::time::Instant::now() + EXIT_WAIT;
        while INSIDE.load(Ordering::SeqCst) > 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_micros(100));
        }
    }
    Some(if before == OPEN { Life::Open } else { Life::Closed })
}
