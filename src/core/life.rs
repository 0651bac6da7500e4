//! The library's life: one state for the whole process, read by every
//! entry into the library (`lifecycle::enter`).
//!
//! ```text
//!   Open ──Gclosure.shutdown / Runtime drop──► Closed
//!     │                                          │
//!     └────────── at_exit (OCaml program) ───────┴──► Exiting
//! ```
//!
//! This file holds the state only; what each change does to threads inside
//! the library (parking, waiting) is `lifecycle`'s.

use std::sync::atomic::{AtomicU8, Ordering};

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

pub(crate) const OPEN: u8 = 0;
pub(crate) const CLOSED: u8 = 1;
pub(crate) const EXITING: u8 = 2;

/// The state, one of [`OPEN`], [`CLOSED`], [`EXITING`]; only moves forward.
pub(crate) static LIFE: AtomicU8 = AtomicU8::new(OPEN);

/// OCaml was started from Rust (`Runtime::start`): the program's end of
/// life is the `Runtime`'s drop, not OCaml's exit.
static EMBEDDED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Notes that OCaml was started from Rust (before the runtime starts).
///
/// # Safety
/// Called by `Runtime::start` only: the program's end of OCaml is then the
/// `Runtime`'s drop (OCaml's `at_exit` shuts the library down instead of
/// running the exit, and threads are not parked).
pub unsafe fn set_embedded() {
    EMBEDDED.store(true, Ordering::Release);
}

/// Whether OCaml was started from Rust (see [`set_embedded`]).
pub fn is_embedded() -> bool {
    EMBEDDED.load(Ordering::Acquire)
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
#[inline(always)]
pub fn is_open() -> bool {
    LIFE.load(Ordering::SeqCst) == OPEN
}

/// Explicit shutdown: Open → Closed. True when this call made the change.
pub fn close() -> bool {
    LIFE.compare_exchange(OPEN, CLOSED, Ordering::SeqCst, Ordering::SeqCst)
        .is_ok()
}

/// Swaps `life` to Exiting and, only if this call made the change, runs
/// `mark` (which marks the calling thread as the exiter). Returns the state
/// before. Marking first (as this crate once did) made the loser of two
/// threads calling `exit` at once an exiter too: it went back into OCaml
/// during the runtime's teardown instead of parking.
pub(crate) fn claim_exit(life: &AtomicU8, mark: impl FnOnce()) -> u8 {
    let before = life.swap(EXITING, Ordering::SeqCst);
    if before != EXITING {
        mark();
    }
    before
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
            assert_eq!(
                marked.load(Ordering::SeqCst),
                1,
                "only the thread that made the change is the exiter"
            );
            assert_eq!(life.load(Ordering::SeqCst), EXITING);
        }
    }
}
