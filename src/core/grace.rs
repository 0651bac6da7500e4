//! Things taken out of the registry's reach that a reader on another
//! domain may still be reading: kept until a grace period has passed.
//!
//! When several domains run, the marshaller reads a closure's root without
//! the registry's lock (`Registry::with_live_fenced`). A drain that took
//! the root out of its slot and deleted it at once could delete it under a
//! reader's feet; one that waited for every reader (a `membarrier` and a
//! spin) made `test_domains` twice as slow (bench/analysis.md). So a root
//! taken out is *retired* here, stamped with an epoch, and deleted only
//! once the epoch has moved on by [`GRACE`].
//!
//! The epoch is the runtime's count of minor collections
//! (`gclosure_shim_minor_collections`). Why two of them are enough: every
//! minor collection of OCaml 5 is a stop-the-world section that every
//! running domain enters, each from a poll point of the thread that holds
//! its lock, and a section starts only after the one before has ended. A
//! reader's window (from reading the slot's state to reading the root's
//! cell) holds its domain's lock and has no poll point. The stamp is read
//! after the retirement; the count's next increment is the setup of a
//! section that every domain then enters; the increment after it is made
//! only once that section has ended. So when the count has moved on by
//! two, every domain has been stopped at a poll point after the retirement:
//! a window that began before it has ended, and one that began after it
//! finds the slot not live (or the new root).
//!
//! Nothing here runs OCaml code or takes the registry's lock: the caller
//! decides when an entry is ready and what to do with it.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// How far the epoch must move on after a retirement before the retired
/// thing may go (module documentation).
pub const GRACE: u64 = 2;

/// "Nothing retired" in [`Grace`]'s ready mark; also an epoch never
/// reached, so a caller that needs everything ready passes [`ALL_READY`].
const NOTHING: u64 = u64::MAX;

/// An epoch at which everything retired is ready: what the caller passes
/// when no other domain runs (no reader can be in a window).
pub const ALL_READY: u64 = u64::MAX - 1;

/// Retired things of type `T`, oldest first, each with the epoch at
/// which it may go.
pub struct Grace<T> {
    list: Mutex<VecDeque<(u64, T)>>,
    /// The epoch at which the oldest may go; [`NOTHING`] when empty.
    /// Readable without the mutex (the safe points' check).
    ready_at: AtomicU64,
}

impl<T> Default for Grace<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Grace<T> {
    /// An empty list.
    pub const fn new() -> Self {
        Grace { list: Mutex::new(VecDeque::new()), ready_at: AtomicU64::new(NOTHING) }
    }

    fn list(&self) -> std::sync::MutexGuard<'_, VecDeque<(u64, T)>> {
        self.list.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keeps `t` until the epoch reaches `epoch + GRACE`. `epoch` is read
    /// after `t` was made unreachable to new readers.
    pub fn retire(&self, epoch: u64, t: T) {
        let at = epoch.saturating_add(GRACE).min(ALL_READY);
        let mut l = self.list();
        if l.is_empty() {
            self.ready_at.store(at, Ordering::Release);
        }
        l.push_back((at, t));
    }

    /// Whether something may go at epoch `now` (one atomic load).
    #[cfg(test)]
    pub fn ready(&self, now: u64) -> bool {
        self.ready_at.load(Ordering::Acquire) <= now
    }

    /// The epoch at which the oldest may go; `u64::MAX` when nothing is
    /// retired.
    #[inline(always)]
    pub fn ready_at(&self) -> u64 {
        self.ready_at.load(Ordering::Acquire)
    }

    /// Whether nothing is retired.
    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.ready_at.load(Ordering::Acquire) == NOTHING
    }

    /// How many things are retired.
    pub fn len(&self) -> usize {
        self.list().len()
    }

    /// Hands `out` every thing that may go at epoch `now` ([`ALL_READY`]:
    /// all of them); returns how many.
    pub fn take_ready(&self, now: u64, mut out: impl FnMut(T)) -> usize {
        let mut n = 0;
        let mut l = self.list();
        while l.front().is_some_and(|&(at, _)| at <= now) {
            if let Some((_, t)) = l.pop_front() {
                out(t);
                n += 1;
            }
        }
        self.ready_at.store(l.front().map_or(NOTHING, |&(at, _)| at), Ordering::Release);
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn things_go_once_the_epoch_has_moved_on_by_the_grace() {
        let g = Grace::new();
        assert!(g.is_empty() && !g.ready(ALL_READY), "nothing retired: nothing ready, even for ALL_READY");
        g.retire(10, "a");
        g.retire(11, "b");
        assert!(!g.ready(11) && g.ready(12));
        let mut got = Vec::new();
        assert_eq!(g.take_ready(12, |t| got.push(t)), 1);
        assert_eq!(got, ["a"]);
        assert!(!g.ready(12) && g.ready(13), "the next one's mark");
        assert_eq!(g.take_ready(ALL_READY, |t| got.push(t)), 1);
        assert_eq!(got, ["a", "b"]);
        assert!(g.is_empty());
        assert_eq!(g.len(), 0, "the list is empty too");
    }

    #[test]
    fn an_epoch_near_the_end_saturates() {
        let g = Grace::new();
        g.retire(u64::MAX - 1, 1);
        assert!(g.ready(ALL_READY) && !g.is_empty());
    }
}
