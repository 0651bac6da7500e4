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

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::RwLock;

use crate::spare::{self, Spare};

/// A closure's identity as GLib sees it: slot index in the low 32 bits,
/// the slot's generation in the high 32 bits. Never 0, so it fits in a
/// non-null `gpointer`. A key whose slot has been reused is stale: every
/// operation on it does nothing.
pub type Key = u64;

/// Where an entry is in its life.
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
    generation: u32,
    state: State,
    payload: Option<P>,
}

struct Slots<P> {
    slots: Vec<Slot<P>>,
    free: Vec<u32>,
    /// Invalidated keys waiting for [`Registry::drain`] (under the same
    /// lock as the states: one lock per transition).
    queue: Vec<Key>,
    stats: Stats,
}

/// A table of entries keyed by [`Key`]; see the module documentation.
pub struct Registry<P> {
    inner: RwLock<Slots<P>>,
    /// Length of the queue, readable without the lock (the safe-point check).
    queued: AtomicUsize,
    /// The buffer [`drain_with`](Self::drain_with) hands payloads back in,
    /// kept between bursts.
    out: Spare<P>,
}

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
            inner: RwLock::new(Slots { slots: Vec::new(), free: Vec::new(), queue: Vec::new(), stats: zero_stats() }),
            queued: AtomicUsize::new(0),
            out: Spare::new(),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Slots<P>> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Slots<P>> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Stores a live entry and returns its key, or refuses when `make`
    /// answers `None`.
    ///
    /// `make` runs under the registry's write lock, which
    /// [`invalidate_all`](Self::invalidate_all) also takes: the library's
    /// shutdown changes its state first, then invalidates every entry, so a
    /// `make` that checks the state either refuses or makes an entry that
    /// the shutdown will see. No payload escapes the shutdown's release.
    pub fn insert_with(&self, make: impl FnOnce() -> Option<P>) -> Result<Key, ClosedError> {
        let mut s = self.write();
        let payload = Some(make().ok_or(ClosedError)?);
        s.stats.created += 1;
        s.stats.live += 1;
        if let Some(index) = s.free.pop() {
            let slot = &mut s.slots[index as usize];
            slot.state = State::Live;
            slot.payload = payload;
            Ok(join(index as usize, slot.generation))
        } else {
            let index = s.slots.len();
            assert!(index < u32::MAX as usize, "registry full");
            s.slots.push(Slot { generation: 0, state: State::Live, payload });
            Ok(join(index, 0))
        }
    }

    /// [`insert_with`](Self::insert_with) for a payload already made.
    #[cfg(test)]
    pub fn insert(&self, payload: P) -> Result<Key, ClosedError> {
        self.insert_with(|| Some(payload))
    }

    /// Runs `f` on the payload of a live entry, under the registry's read
    /// lock (so `f` must be short and must not call back into the registry).
    /// `None` for a stale key or an entry that is not live.
    pub fn with_live<R>(&self, key: Key, f: impl FnOnce(&P) -> R) -> Option<R> {
        let (index, generation) = split(key);
        let s = self.read();
        let slot = s.slots.get(index)?;
        if slot.generation != generation || slot.state != State::Live {
            return None;
        }
        slot.payload.as_ref().map(f)
    }

    /// The state of `key`'s entry; `Released` for a stale key.
    #[cfg(test)]
    pub fn state(&self, key: Key) -> State {
        let (index, generation) = split(key);
        let s = self.read();
        match s.slots.get(index) {
            Some(slot) if slot.generation == generation => slot.state,
            _ => State::Released,
        }
    }

    /// Live → Invalidated, and queues the key for release. Does nothing for
    /// an entry already invalidated or released. Safe from any thread; makes
    /// no OCaml or GLib call. Returns whether this call did the transition.
    pub fn invalidate(&self, key: Key) -> bool {
        let (index, generation) = split(key);
        let mut guard = self.write();
        let s = &mut *guard;
        match s.slots.get_mut(index) {
            Some(slot) if slot.generation == generation && slot.state == State::Live => {
                slot.state = State::Invalidated;
            }
            _ => return false,
        }
        s.stats.live -= 1;
        s.stats.pending_release += 1;
        s.stats.invalidated += 1;
        s.queue.push(key);
        self.queued.store(s.queue.len(), Ordering::Release);
        true
    }

    /// Whether some payload waits for [`drain`](Self::drain) (one atomic load).
    pub fn has_queued(&self) -> bool {
        self.queued.load(Ordering::Acquire) > 0
    }

    /// Takes every queued entry out: Invalidated → Released, the slot freed
    /// for reuse with a new generation. Returns the payloads for the caller
    /// to drop at a safe point (the registry's locks are not held then).
    #[cfg(test)]
    pub fn drain(&self) -> Vec<P> {
        let mut out = Vec::new();
        self.drain_with(|p| out.push(p));
        out
    }

    /// [`drain`](Self::drain), handing each payload to `release` once the
    /// registry's lock is released; returns how many. Its buffers (the
    /// queue and the payloads' list) are kept for the next burst (see
    /// `spare`), so a drain in steady state allocates nothing.
    pub fn drain_with(&self, mut release: impl FnMut(P)) -> usize {
        if !self.has_queued() {
            return 0;
        }
        let mut out = self.out.take();
        {
            let mut guard = self.write();
            let Slots { slots, free, queue, stats } = &mut *guard;
            self.queued.store(0, Ordering::Release);
            out.reserve(queue.len());
            for key in queue.drain(..) {
                let (index, generation) = split(key);
                let slot = &mut slots[index];
                if slot.generation != generation || slot.state != State::Invalidated {
                    continue;
                }
                slot.state = State::Released;
                if let Some(p) = slot.payload.take() {
                    out.push(p);
                }
                stats.pending_release -= 1;
                stats.released += 1;
                // A slot whose generation would wrap is retired, never reused:
                // a stale key of its first life must not match a later one.
                if slot.generation < MAX_GENERATION {
                    slot.generation += 1;
                    free.push(index as u32);
                }
            }
            if queue.capacity() > spare::KEPT {
                queue.shrink_to(spare::KEPT);
            }
        }
        let n = out.len();
        for p in out.drain(..) {
            release(p);
        }
        self.out.keep(out);
        n
    }

    /// Runs `f` on the payload of every live entry, under the read lock (so
    /// no entry can leave the live state meanwhile: [`invalidate`](Self::invalidate)
    /// waits). `f` must be short and must not call back into the registry.
    pub fn for_each_live(&self, mut f: impl FnMut(&P)) {
        let s = self.read();
        for slot in s.slots.iter().filter(|slot| slot.state == State::Live) {
            if let Some(p) = &slot.payload {
                f(p);
            }
        }
    }

    /// Invalidates every live entry (see [`invalidate`](Self::invalidate)),
    /// returning their keys. Shutdown's first step.
    pub fn invalidate_all(&self) -> Vec<Key> {
        let keys: Vec<Key> = {
            let s = self.read();
            s.slots
                .iter()
                .enumerate()
                .filter(|(_, slot)| slot.state == State::Live)
                .map(|(i, slot)| join(i, slot.generation))
                .collect()
        };
        keys.into_iter().filter(|&k| self.invalidate(k)).collect()
    }

    /// The counters, read together.
    pub fn stats(&self) -> Stats {
        self.read().stats
    }
}

#[cfg(test)]
impl<P> Registry<P> {
    /// Sets the generation of slot `index` (tests of the wraparound).
    fn set_generation(&self, index: usize, generation: u32) {
        self.write().slots[index].generation = generation;
    }
}

const fn zero_stats() -> Stats {
    Stats { live: 0, pending_release: 0, released: 0, invalidated: 0, created: 0 }
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
        assert_eq!(r.insert_with(|| None::<Counted>).err(), Some(ClosedError), "make refused: no entry");
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
}
