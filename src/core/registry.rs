//! The registry: where every closure's OCaml root lives.
//!
//! GLib only ever sees a [`Key`]; the payload (in the library, the callback's
//! `ocaml::root::Root`) lives here, in Rust-owned memory, until a safe point
//! releases it. Each entry follows one state machine:
//!
//! ```text
//!   insert ──► Live ──invalidate──► Invalidated ──drain──► Released (removed)
//! ```
//!
//! * [`Registry::invalidate`] is what GLib's notifiers call: it only flips the
//!   state and queues the key, so it is safe from any thread and inside a GC
//!   finalizer (no OCaml runtime call, no GLib call).
//! * [`Registry::drain`] hands the queued payloads back to the caller, who
//!   drops them at a safe point with the domain lock held.
//! * Every transition is idempotent: invalidating twice, or a key that is
//!   stale, does nothing.
//!
//! The registry is generic over the payload so that its state machine and
//! its races can be tested without an OCaml runtime.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Mutex, RwLock};

use crate::core::spare::Spare;

/// A closure's identity as GLib sees it: slot index in the low 32 bits,
/// the slot's generation in the high 32 bits. Never 0, so it fits in a
/// non-null `gpointer`. A key whose slot has been reused is stale: every
/// operation on it does nothing.
pub type Key = u64;

/// Where an entry is in its life (stored as a `u8` in each slot).
#[cfg(test)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Invocations call the payload.
    Live,
    /// Invocations do nothing; the payload waits in the queue.
    Invalidated,
    /// The payload has been handed back by [`Registry::drain`]; the slot is free.
    Released,
}

/// Counters of a registry, read together. `created = live + pending_release + released`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Entries that are live.
    pub live: usize,
    /// Entries invalidated whose payload has not been drained yet.
    pub pending_release: usize,
    /// Payloads drained since the start.
    pub released: usize,
    /// Entries invalidated since the start.
    pub invalidated: usize,
    /// Entries inserted since the start.
    pub created: usize,
}

/// Why [`Registry::insert`] refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClosedError;

struct Slot<P> {
    /// Written only under the write lock.
    generation: u32,
    /// A [`State`] as `u8`: changed under the write lock, or by the
    /// compare-and-swap of [`Registry::invalidate`] (under the read lock) or
    /// [`Registry::invalidate_unlocked`].
    state: AtomicU8,
    /// Written only under the write lock.
    payload: Option<P>,
}

const LIVE: u8 = 0;
const INVALIDATED: u8 = 1;
const RELEASED: u8 = 2;

#[cfg(test)]
fn state_of(s: u8) -> State {
    match s {
        LIVE => State::Live,
        INVALIDATED => State::Invalidated,
        _ => State::Released,
    }
}

/// The slots and the list of free ones: their *structure* (a slot pushed,
/// a payload stored or taken, a generation bumped) changes only under the
/// write lock.
struct Slots<P> {
    slots: Vec<Slot<P>>,
    free: Vec<u32>,
    /// Entries inserted, payloads drained, since the start (the other
    /// counters follow from these and [`Queue::invalidated`]).
    created: usize,
    released: usize,
}

/// The release queue and the invalidation count, under their own mutex
/// (taken after the slots' lock, never before).
struct Queue {
    /// Invalidated keys waiting for [`Registry::drain_with`].
    keys: Vec<Key>,
    /// Entries invalidated since the start.
    invalidated: usize,
}

/// A table of entries keyed by [`Key`]; see the module documentation.
///
/// Locking: `lock` guards `slots` (readers: [`with_live`](Self::with_live),
/// [`invalidate`](Self::invalidate), [`for_each_live`](Self::for_each_live);
/// writers: [`insert_with`](Self::insert_with), [`drain_with`](Self::drain_with)),
/// then `queue` guards the queue and the invalidation count. Two more
/// readers take no slots' lock: [`with_live_unlocked`](Self::with_live_unlocked)
/// and [`invalidate_unlocked`](Self::invalidate_unlocked), for the thread
/// that holds the only running domain's lock, which relies on the callers
/// of the two writers holding a domain lock (their precondition).
pub struct Registry<P> {
    lock: RwLock<()>,
    slots: UnsafeCell<Slots<P>>,
    queue: Mutex<Queue>,
    /// Length of the queue, readable without the lock (the safe-point check).
    queued: AtomicUsize,
    /// The buffers [`drain_with`](Self::drain_with) uses, kept between bursts.
    out: Spare<P>,
    keys: Spare<Key>,
}

// SAFETY: `slots` is reached only as the locking rules above allow: shared
// references under `lock` (read) or by `with_live_unlocked` (whose callers
// exclude the writers), a unique one under `lock` (write). Payloads are
// moved in and out by whichever thread writes, and read from any: they
// must be Send and Sync, as in a `RwLock<Vec<P>>`.
unsafe impl<P: Send + Sync> Sync for Registry<P> {}
// SAFETY: as above; moving the registry moves its payloads.
unsafe impl<P: Send> Send for Registry<P> {}

// Keys travel through GLib as a `gpointer`: they need 64 bits.
#[cfg(not(target_pointer_width = "64"))]
compile_error!("ocaml-gclosure needs a 64-bit target: registry keys (slot and generation) are stored in a gpointer");

/// The last generation a slot may reach before it is retired.
const MAX_GENERATION: u32 = u32::MAX;

fn split(key: Key) -> (usize, u32) {
    ((key & 0xffff_ffff) as usize - 1, (key >> 32) as u32)
}

fn join(index: usize, generation: u32) -> Key {
    ((generation as u64) << 32) | (index as u64 + 1)
}

impl<P> Default for Registry<P> {
    fn default() -> Self {
        Self::new()
    }
}

impl<P> Registry<P> {
    /// An empty, open registry.
    pub const fn new() -> Self {
        Registry {
            lock: RwLock::new(()),
            slots: UnsafeCell::new(Slots { slots: Vec::new(), free: Vec::new(), created: 0, released: 0 }),
            queue: Mutex::new(Queue { keys: Vec::new(), invalidated: 0 }),
            queued: AtomicUsize::new(0),
            out: Spare::new(),
            keys: Spare::new(),
        }
    }

    /// The slots, shared, for the life of the read guard `_g`.
    fn read<'a>(&'a self, _g: &'a std::sync::RwLockReadGuard<'a, ()>) -> &'a Slots<P> {
        // SAFETY: the read lock is held: no writer holds a unique reference.
        unsafe { self.shared() }
    }

    /// The slots, shared.
    ///
    /// # Safety
    /// No writer ([`insert_with`](Self::insert_with),
    /// [`drain_with`](Self::drain_with)) runs while the reference lives.
    #[inline(always)]
    unsafe fn shared(&self) -> &Slots<P> {
        // SAFETY: precondition: nobody holds a unique reference meanwhile.
        unsafe { &*self.slots.get() }
    }

    fn read_lock(&self) -> std::sync::RwLockReadGuard<'_, ()> {
        self.lock.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write_lock(&self) -> std::sync::RwLockWriteGuard<'_, ()> {
        self.lock.write().unwrap_or_else(|e| e.into_inner())
    }

    fn queue(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stores a live entry and returns its key, or refuses when `make`
    /// answers `None`.
    ///
    /// `make` runs under the registry's write lock, which
    /// [`invalidate_all`](Self::invalidate_all)'s read lock waits for: the
    /// library's shutdown changes its state first, then invalidates every
    /// entry, so a `make` that checks the state either refuses or makes an
    /// entry that the shutdown will see. No payload escapes the shutdown's
    /// release.
    ///
    /// # Safety
    /// No [`with_live_unlocked`](Self::with_live_unlocked) runs meanwhile
    /// (in the library: the caller holds a domain lock).
    pub unsafe fn insert_with(&self, make: impl FnOnce() -> Option<P>) -> Result<Key, ClosedError> {
        let _w = self.write_lock();
        // SAFETY: write lock held, and no unlocked reader (precondition).
        let s = unsafe { &mut *self.slots.get() };
        let payload = Some(make().ok_or(ClosedError)?);
        let key = if let Some(index) = s.free.pop() {
            let slot = &mut s.slots[index as usize];
            slot.payload = payload;
            slot.state.store(LIVE, Ordering::Release);
            join(index as usize, slot.generation)
        } else {
            let index = s.slots.len();
            assert!(index < u32::MAX as usize, "registry full");
            s.slots.push(Slot { generation: 0, state: AtomicU8::new(LIVE), payload });
            join(index, 0)
        };
        s.created += 1;
        Ok(key)
    }

    /// [`insert_with`](Self::insert_with) for a payload already made.
    #[cfg(test)]
    pub fn insert(&self, payload: P) -> Result<Key, ClosedError> {
        // SAFETY: the tests make no unlocked read meanwhile.
        unsafe { self.insert_with(|| Some(payload)) }
    }

    /// Runs `f` on the payload of a live entry, under the registry's read
    /// lock (so `f` must be short and must not call back into the registry).
    /// `None` for a stale key or an entry that is not live.
    pub fn with_live<R>(&self, key: Key, f: impl FnOnce(&P) -> R) -> Option<R> {
        let g = self.read_lock();
        Self::live_in(self.read(&g), key, f)
    }

    /// [`with_live`](Self::with_live) without the lock: no atomic
    /// read-modify-write, the marshaller's path when one domain runs.
    ///
    /// # Safety
    /// Neither [`insert_with`](Self::insert_with) nor
    /// [`drain_with`](Self::drain_with) runs meanwhile: in the library, the
    /// caller holds the domain lock of the only domain running, and those
    /// two run only under a domain lock. ([`invalidate`](Self::invalidate)
    /// may: it changes a state atomically and nothing else of the slots.)
    pub unsafe fn with_live_unlocked<R>(&self, key: Key, f: impl FnOnce(&P) -> R) -> Option<R> {
        // SAFETY: no writer runs (precondition); the other readers share.
        Self::live_in(unsafe { self.shared() }, key, f)
    }

    /// Runs `f` on the payload of a live entry, mutably, under the write
    /// lock (`f` must be short, must not call back into the registry, and
    /// must not allocate in the OCaml heap).
    ///
    /// # Safety
    /// As [`insert_with`](Self::insert_with): no unlocked read meanwhile
    /// (the caller holds a domain lock).
    pub unsafe fn with_live_mut<R>(&self, key: Key, f: impl FnOnce(&mut P) -> R) -> Option<R> {
        let _w = self.write_lock();
        // SAFETY: write lock held, and no unlocked reader (precondition).
        let s = unsafe { &mut *self.slots.get() };
        let (index, generation) = split(key);
        let slot = s.slots.get_mut(index)?;
        if slot.generation != generation || slot.state.load(Ordering::Acquire) != LIVE {
            return None;
        }
        slot.payload.as_mut().map(f)
    }

    #[inline(always)]
    fn live_in<R>(s: &Slots<P>, key: Key, f: impl FnOnce(&P) -> R) -> Option<R> {
        let (index, generation) = split(key);
        let slot = s.slots.get(index)?;
        if slot.generation != generation || slot.state.load(Ordering::Acquire) != LIVE {
            return None;
        }
        slot.payload.as_ref().map(f)
    }

    /// The state of `key`'s entry; `Released` for a stale key.
    #[cfg(test)]
    pub fn state(&self, key: Key) -> State {
        let (index, generation) = split(key);
        let g = self.read_lock();
        match self.read(&g).slots.get(index) {
            Some(slot) if slot.generation == generation => state_of(slot.state.load(Ordering::Acquire)),
            _ => State::Released,
        }
    }

    /// Live → Invalidated, and queues the key for release. Does nothing for
    /// an entry already invalidated or released. Safe from any thread; makes
    /// no OCaml or GLib call. Returns whether this call did the transition.
    pub fn invalidate(&self, key: Key) -> bool {
        let g = self.read_lock();
        self.invalidate_in(self.read(&g), key)
    }

    /// [`invalidate`](Self::invalidate) without the slots' lock (the
    /// queue's mutex is still taken): a GLib notifier's path on the thread
    /// that holds the only running domain's lock.
    ///
    /// # Safety
    /// As [`with_live_unlocked`](Self::with_live_unlocked): neither
    /// [`insert_with`](Self::insert_with) nor [`drain_with`](Self::drain_with)
    /// runs meanwhile.
    pub unsafe fn invalidate_unlocked(&self, key: Key) -> bool {
        // SAFETY: no writer runs (precondition); the other readers share.
        self.invalidate_in(unsafe { self.shared() }, key)
    }

    #[inline(always)]
    fn invalidate_in(&self, s: &Slots<P>, key: Key) -> bool {
        let (index, generation) = split(key);
        match s.slots.get(index) {
            Some(slot)
                // SeqCst: shutdown's scan relies on it (`shutdown::before_free`).
                if slot.generation == generation
                    && slot.state.compare_exchange(LIVE, INVALIDATED, Ordering::SeqCst, Ordering::Acquire).is_ok() => {}
            _ => return false,
        }
        let mut q = self.queue();
        q.invalidated += 1;
        q.keys.push(key);
        self.queued.store(q.keys.len(), Ordering::Release);
        true
    }

    /// Whether some payload waits for [`drain_with`](Self::drain_with) (one atomic load).
    pub fn has_queued(&self) -> bool {
        self.queued.load(Ordering::Acquire) > 0
    }

    /// Takes every queued entry out: Invalidated → Released, the slot freed
    /// for reuse with a new generation. Returns the payloads for the caller
    /// to drop at a safe point (the registry's locks are not held then).
    #[cfg(test)]
    pub fn drain(&self) -> Vec<P> {
        let mut out = Vec::new();
        // SAFETY: the tests make no unlocked read meanwhile.
        unsafe { self.drain_with(|p| out.push(p)) };
        out
    }

    /// Takes every queued entry out (Invalidated → Released, the slot freed
    /// for reuse with a new generation), and hands each payload to
    /// `release` once the registry's locks are released; returns how many.
    /// Its buffers are kept for the next burst (see `spare`), so a drain in
    /// steady state allocates nothing.
    ///
    /// # Safety
    /// As [`insert_with`](Self::insert_with): no unlocked read meanwhile.
    pub unsafe fn drain_with(&self, mut release: impl FnMut(P)) -> usize {
        if !self.has_queued() {
            return 0;
        }
        let mut out = self.out.take();
        let mut keys = self.keys.take();
        {
            let _w = self.write_lock();
            // SAFETY: write lock held, and no unlocked reader (precondition).
            let Slots { slots, free, released: released_total, .. } = unsafe { &mut *self.slots.get() };
            {
                let mut q = self.queue();
                std::mem::swap(&mut q.keys, &mut keys);
                self.queued.store(0, Ordering::Release);
            }
            out.reserve(keys.len());
            let mut released = 0;
            for key in keys.drain(..) {
                let (index, generation) = split(key);
                let slot = &mut slots[index];
                if slot.generation != generation || slot.state.load(Ordering::Acquire) != INVALIDATED {
                    continue;
                }
                slot.state.store(RELEASED, Ordering::Release);
                if let Some(p) = slot.payload.take() {
                    out.push(p);
                }
                released += 1;
                // A slot whose generation would wrap is retired, never reused:
                // a stale key of its first life must not match a later one.
                if slot.generation < MAX_GENERATION {
                    slot.generation += 1;
                    free.push(index as u32);
                }
            }
            *released_total += released;
        }
        self.keys.keep(keys);
        let n = out.len();
        for p in out.drain(..) {
            release(p);
        }
        self.out.keep(out);
        n
    }

    /// Runs `f` on the payload of every live entry, under the read lock. An
    /// entry may be invalidated meanwhile (its payload stays until a drain,
    /// which waits for the lock). `f` must be short and must not call back
    /// into the registry. The states are read in the sequentially
    /// consistent order, as [`invalidate`](Self::invalidate) writes them
    /// (what `shutdown::before_free` relies on).
    pub fn for_each_live(&self, mut f: impl FnMut(&P)) {
        let g = self.read_lock();
        for slot in self.read(&g).slots.iter().filter(|slot| slot.state.load(Ordering::SeqCst) == LIVE) {
            if let Some(p) = &slot.payload {
                f(p);
            }
        }
    }

    /// Invalidates every live entry (see [`invalidate`](Self::invalidate)),
    /// returning their keys. Shutdown's first step.
    pub fn invalidate_all(&self) -> Vec<Key> {
        let keys: Vec<Key> = {
            let g = self.read_lock();
            self.read(&g)
                .slots
                .iter()
                .enumerate()
                .filter(|(_, slot)| slot.state.load(Ordering::Acquire) == LIVE)
                .map(|(i, slot)| join(i, slot.generation))
                .collect()
        };
        keys.into_iter().filter(|&k| self.invalidate(k)).collect()
    }

    /// The counters, read together.
    pub fn stats(&self) -> Stats {
        let g = self.read_lock();
        let s = self.read(&g);
        let invalidated = self.queue().invalidated;
        Stats {
            live: s.created - invalidated,
            pending_release: invalidated - s.released,
            released: s.released,
            invalidated,
            created: s.created,
        }
    }
}

#[cfg(test)]
impl<P> Registry<P> {
    /// Sets the generation of slot `index` (tests of the wraparound).
    fn set_generation(&self, index: usize, generation: u32) {
        let _w = self.write_lock();
        // SAFETY: write lock held; the tests make no unlocked read.
        unsafe { (&mut (*self.slots.get()).slots)[index].generation = generation };
    }
}


#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;

    /// A payload that counts its drops, standing in for an OCaml root.
    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn life_of_one_entry() {
        let r = Registry::new();
        let k = r.insert(7).unwrap();
        assert_eq!(r.state(k), State::Live);
        assert_eq!(r.with_live(k, |p| *p), Some(7));
        assert!(r.invalidate(k));
        assert_eq!(r.state(k), State::Invalidated);
        assert_eq!(r.with_live(k, |p| *p), None, "an invalidated entry is not invoked");
        assert!(!r.invalidate(k), "invalidate is idempotent");
        assert!(r.has_queued());
        assert_eq!(r.drain(), vec![7]);
        assert_eq!(r.state(k), State::Released);
        assert!(!r.invalidate(k), "a released key is stale");
        assert_eq!(r.drain(), Vec::<i32>::new(), "drain is idempotent");
        let s = r.stats();
        assert_eq!((s.created, s.live, s.pending_release, s.released, s.invalidated), (1, 0, 0, 1, 1));
    }

    #[test]
    fn reused_slot_does_not_answer_to_stale_key() {
        let r = Registry::new();
        let k1 = r.insert("a").unwrap();
        r.invalidate(k1);
        r.drain();
        let k2 = r.insert("b").unwrap();
        assert_ne!(k1, k2);
        assert_eq!(split(k1).0, split(k2).0, "the slot is reused");
        assert_eq!(r.with_live(k1, |p| *p), None);
        assert!(!r.invalidate(k1), "a stale key cannot invalidate the new entry");
        assert_eq!(r.with_live(k2, |p| *p), Some("b"));
    }

    #[test]
    fn refused_insert_and_invalidate_all_releases_everything() {
        let drops = Arc::new(AtomicUsize::new(0));
        let r = Registry::new();
        let keys: Vec<_> = (0..10).map(|_| r.insert(Counted(drops.clone())).unwrap()).collect();
        r.invalidate(keys[3]);
        assert_eq!(r.invalidate_all().len(), 9);
        // SAFETY: no unlocked read in this test.
        let refused = unsafe { r.insert_with(|| None::<Counted>) };
        assert_eq!(refused.err(), Some(ClosedError), "make refused: no entry");
        drop(r.drain());
        assert_eq!(drops.load(Ordering::SeqCst), 10, "10 drained");
        let s = r.stats();
        assert_eq!((s.live, s.pending_release, s.released, s.created), (0, 0, 10, 10));
    }

    #[test]
    fn a_slot_is_retired_before_its_generation_wraps() {
        let r = Registry::new();
        let k = r.insert(1).unwrap();
        let (index, _) = split(k);
        r.set_generation(index, MAX_GENERATION - 1);
        let k1 = join(index, MAX_GENERATION - 1);
        assert!(r.invalidate(k1));
        drop(r.drain());
        let k2 = r.insert(2).unwrap();
        assert_eq!(k2, join(index, MAX_GENERATION), "reused once more, at the last generation");
        assert!(r.invalidate(k2));
        drop(r.drain());
        let k3 = r.insert(3).unwrap();
        assert_ne!(split(k3).0, index, "the slot is retired, not reused with a wrapped generation");
        // A stale key of the slot's first life (generation 0) matches nothing.
        assert!(!r.invalidate(join(index, 0)));
        assert!(!r.invalidate(k2));
        assert_eq!(r.state(k3), State::Live);
    }

    #[test]
    fn invalidate_and_drain_race_from_many_threads() {
        const THREADS: usize = 8;
        const PER: usize = 2_000;
        let drops = Arc::new(AtomicUsize::new(0));
        let r = Arc::new(Registry::new());
        let keys: Arc<Vec<Key>> =
            Arc::new((0..THREADS * PER).map(|_| r.insert(Counted(drops.clone())).unwrap()).collect());
        let wins = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let (r, keys, wins) = (r.clone(), keys.clone(), wins.clone());
                std::thread::spawn(move || {
                    // Every thread invalidates every key (in its own order),
                    // drains now and then, and creates new entries meanwhile.
                    for i in 0..keys.len() {
                        let k = keys[(i * (t + 1) * 7919) % keys.len()];
                        if r.invalidate(k) {
                            wins.fetch_add(1, Ordering::SeqCst);
                        }
                        if i % 97 == 0 {
                            drop(r.drain());
                        }
                        if i % 13 == 0 {
                            let k2 = r.insert(Counted(Arc::new(AtomicUsize::new(0)))).unwrap();
                            assert!(r.invalidate(k2));
                        }
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        drop(r.drain());
        assert_eq!(wins.load(Ordering::SeqCst), THREADS * PER, "each key invalidated exactly once");
        assert_eq!(drops.load(Ordering::SeqCst), THREADS * PER, "each payload released exactly once");
        let s = r.stats();
        assert_eq!(s.live, 0);
        assert_eq!(s.pending_release, 0);
        assert_eq!(s.released, s.created);
    }

    #[test]
    fn with_live_races_with_invalidate() {
        let r = Arc::new(Registry::new());
        let keys: Vec<Key> = (0..10_000).map(|i| r.insert(i).unwrap()).collect();
        let reader = {
            let (r, keys) = (r.clone(), keys.clone());
            std::thread::spawn(move || {
                let mut seen = 0usize;
                for _ in 0..5 {
                    for (i, &k) in keys.iter().enumerate() {
                        if let Some(v) = r.with_live(k, |p| *p) {
                            assert_eq!(v, i, "a live key answers with its own payload");
                            seen += 1;
                        }
                    }
                }
                seen
            })
        };
        for &k in &keys {
            r.invalidate(k);
            if k % 50 == 0 {
                r.drain();
            }
        }
        r.drain();
        reader.join().unwrap();
        assert_eq!(r.stats().released, 10_000);
    }

    #[test]
    fn unlocked_reads_race_only_with_invalidate() {
        // The library's rule: one thread (the only domain's lock holder)
        // inserts, drains and reads without the lock; other threads (GLib's)
        // only invalidate.
        let r = Arc::new(Registry::new());
        let keys: Vec<Key> = (0..20_000).map(|i| r.insert(i).unwrap()).collect();
        let invalidator = {
            let (r, keys) = (r.clone(), keys.clone());
            std::thread::spawn(move || keys.iter().filter(|&&k| r.invalidate(k)).count())
        };
        let mut seen = 0usize;
        for round in 0..20 {
            for (i, &k) in keys.iter().enumerate() {
                // SAFETY: this thread is the only one that inserts or drains.
                if let Some(v) = unsafe { r.with_live_unlocked(k, |p| *p) } {
                    assert_eq!(v, i, "a live key answers with its own payload");
                    seen += 1;
                }
            }
            drop(r.drain());
            let k = r.insert(usize::MAX - round).unwrap();
            // SAFETY: as above.
            assert_eq!(unsafe { r.with_live_unlocked(k, |p| *p) }, Some(usize::MAX - round));
        }
        assert_eq!(invalidator.join().unwrap(), 20_000, "each key invalidated once, by the other thread");
        drop(r.drain());
        let s = r.stats();
        assert_eq!((s.live, s.pending_release, s.released), (20, 0, 20_000));
        // How many reads found their entry still live depends on timing.
        let _ = seen;
    }
}
