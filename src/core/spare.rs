//! Buffers kept between bursts.
//!
//! The release queues (the registry's invalidated keys, the deferred
//! closure references) fill in bursts: a GC cycle finds thousands of dead
//! handles at once, and the next safe point empties the queue. Taking the
//! queue's `Vec` and freeing it after each burst makes the next burst grow a
//! new one from nothing, by doublings: a dozen reallocations of a megabyte
//! or less, each of which also makes glibc merge its free lists
//! (`malloc_consolidate`), so the many small GLib allocations that follow
//! (closures, notifier arrays) leave the fast path. bench/analysis.md has
//! the profile. A [`Spare`] keeps one emptied buffer for the next burst,
//! up to [`KEPT`] elements.

use std::sync::Mutex;

/// The largest capacity (in elements) a spare buffer keeps; a larger one
/// is shrunk to this before it is kept. 131,072 pointers are 1 MiB.
pub const KEPT: usize = 1 << 17;

/// One emptied buffer waiting for the next burst (see the module
/// documentation). Safe from any thread: a short lock, held only to move
/// a `Vec` in or out.
pub struct Spare<T> {
    buffer: Mutex<Vec<T>>,
}

impl<T> Default for Spare<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Spare<T> {
    /// No buffer kept yet.
    pub const fn new() -> Self {
        Spare { buffer: Mutex::new(Vec::new()) }
    }

    /// The kept buffer (empty, with its capacity), or a new empty one.
    pub fn take(&self) -> Vec<T> {
        std::mem::take(&mut *self.buffer.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Keeps `v`'s allocation for the next [`take`](Self::take), unless a
    /// larger one is kept already. `v` must be empty: its elements are
    /// the caller's to release first (they would be dropped here).
    pub fn keep(&self, mut v: Vec<T>) {
        debug_assert!(v.is_empty(), "a spare buffer is kept empty");
        v.clear();
        if v.capacity() > KEPT {
            v.shrink_to(KEPT);
        }
        let mut kept = self.buffer.lock().unwrap_or_else(|e| e.into_inner());
        if kept.capacity() < v.capacity() {
            *kept = v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_larger_buffer_up_to_the_cap() {
        let s: Spare<u64> = Spare::new();
        assert_eq!(s.take().capacity(), 0);
        s.keep(Vec::with_capacity(100));
        s.keep(Vec::with_capacity(10));
        let v = s.take();
        assert!(v.capacity() >= 100 && v.is_empty());
        assert_eq!(s.take().capacity(), 0, "taken once");
        s.keep(Vec::with_capacity(KEPT * 4));
        assert!(s.take().capacity() <= KEPT + KEPT / 8, "shrunk to the cap");
    }
}
