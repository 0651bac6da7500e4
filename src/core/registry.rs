//! The registry: where every closure's OCaml root lives.
//!
//! GLib only ever sees a [`Key`]; the payload (in the library, the callback's
//! `ocaml::root::Root`) lives here, in Rust-owned memory, until a safe point
//! releases it. Each entry follows one state machine:
//!
//! ```text
//!   insert ──► Live ──invalidate──► Invalidated ──drain──► Released (removed)
//!                                          │                    ▲
//!                                          └─drain─► retired ───┘ (grace period)
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
//! While other domains may read without the lock ([`Readers::AnyDomain`]),
//! a drain does not take a payload out of its slot: it *retires* the slot
//! (`core::grace`), which stays Invalidated, its payload in place, until
//! the grace period has passed; a later drain then releases it. So a
//! reader never needs to be waited for, but when the slots' vector grows,
//! when too many slots are retired ([`RETIRED_LIMIT`]), and in the drains
//! after the library's shutdown, which take everything at once.
//!
//! The registry is generic over the payload so that its state machine and
//! its races can be tested without an OCaml runtime.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Mutex, RwLock};

use crate::core::grace::{Grace, ALL_READY};
use crate::core::spare::Spare;
use crate::core::thread::presence;

/// Who may read the slots without their lock while a writer changes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readers {
    /// Only threads of the writer's own domain, which cannot read while
    /// the writer holds the domain lock (the only running domain: the
    /// unlocked reads of [`Registry::with_live_unlocked`]).
    OwnDomain,
    /// Threads of other running domains too
    /// ([`Registry::with_live_fenced`]): a drain retires what it takes out
    /// (`core::grace`), and the rare writer that moves the slots waits for
    /// them.
    AnyDomain,
}

/// How many retired slots and detached payloads (together) make a drain
/// release them at once, waiting for fenced readers (a `membarrier` and a
/// spin, 4 to 9 us here) instead of for the grace period: a program whose
/// domains run for long without a minor collection still has its roots
/// back, 1,024 at most, at a cost under 10 ns a closure.
pub const RETIRED_LIMIT: usize = 1024;

/// When a drain releases what the grace period still keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reclaim {
    /// Only what its grace period let go, or everything past
    /// [`RETIRED_LIMIT`].
    Ready,
    /// Everything, waiting for fenced readers (the library's shutdown,
    /// once no new entry can be made).
    All,
}

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
    /// Written only under the write lock (atomic: fenced readers read it
    /// without the lock).
    generation: AtomicU32,
    /// A [`State`] as `u8`: changed under the write lock, or by the
    /// compare-and-swap of [`Registry::invalidate`] (under the read lock) or
    /// [`Registry::invalidate_unlocked`].
    state: AtomicU8,
    /// Written only under the write lock, and then only while no reader
    /// can match this slot's key (a free slot being reused, or with fenced
    /// readers excluded): fenced readers read it without the lock.
    payload: UnsafeCell<Option<P>>,
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

/// A writer's exclusion of fenced readers; its drop lets them in again
/// (Release: its change happens before their reads).
struct Excluded<'a>(&'a AtomicBool);

impl Drop for Excluded<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
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
    /// A writer is changing the slots for [`Readers::AnyDomain`]: fenced
    /// readers take the lock instead (see [`Registry::with_live_fenced`]).
    writing: AtomicBool,
    slots: UnsafeCell<Slots<P>>,
    queue: Mutex<Queue>,
    /// Length of the queue, readable without the lock (the safe-point check).
    queued: AtomicUsize,
    /// The slots' buffer and how many of its slots are initialised, as
    /// fenced readers see them: published under the write lock, the base
    /// changing only with fenced readers excluded (the vector grows).
    base: AtomicPtr<Slot<P>>,
    published: AtomicUsize,
    /// Slots drained while other domains may read them: Invalidated, their
    /// payloads in place, until their grace period has passed.
    retired: Grace<Key>,
    /// Payloads' parts taken out of live slots while other domains may read
    /// them ([`retire_detached`](Self::retire_detached)), until the same.
    detached: Grace<P>,
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
            writing: AtomicBool::new(false),
            base: AtomicPtr::new(std::ptr::null_mut()),
            published: AtomicUsize::new(0),
            slots: UnsafeCell::new(Slots { slots: Vec::new(), free: Vec::new(), created: 0, released: 0 }),
            queue: Mutex::new(Queue { keys: Vec::new(), invalidated: 0 }),
            queued: AtomicUsize::new(0),
            retired: Grace::new(),
            detached: Grace::new(),
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

    /// Keeps fenced readers out while a writer (holding the write lock)
    /// changes the slots, for [`Readers::AnyDomain`]: the writer's flag,
    /// then a wait for the readers already inside their window. Dropped
    /// before the write lock.
    fn exclude(&self, readers: Readers) -> Option<Excluded<'_>> {
        if readers == Readers::OwnDomain {
            return None;
        }
        self.writing.store(true, Ordering::SeqCst);
        presence::wait_for_readers();
        Some(Excluded(&self.writing))
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
    pub unsafe fn insert_with(&self, readers: Readers, make: impl FnOnce() -> Option<P>) -> Result<Key, ClosedError> {
        let _w = self.write_lock();
        // SAFETY: write lock held, and no unlocked reader (precondition).
        let s = unsafe { &mut *self.slots.get() };
        let payload = make().ok_or(ClosedError)?;
        // Fenced readers are excluded only when the vector moves (it grows:
        // a logarithmic number of times). Reusing a free slot needs no
        // exclusion: no live key names it (its generation moved on when it
        // was drained), so no reader reads its payload; a new slot past the
        // published length is read by nobody until it is published.
        let key = if let Some(index) = s.free.pop() {
            let slot = &s.slots[index as usize];
            // SAFETY: write lock held; no reader reads this payload (above).
            unsafe { *slot.payload.get() = Some(payload) };
            slot.state.store(LIVE, Ordering::Release);
            join(index as usize, slot.generation.load(Ordering::Relaxed))
        } else {
            let index = s.slots.len();
            assert!(index < u32::MAX as usize, "registry full");
            let _x = (s.slots.len() == s.slots.capacity()).then(|| self.exclude(readers));
            s.slots.push(Slot { generation: AtomicU32::new(0), state: AtomicU8::new(LIVE), payload: UnsafeCell::new(Some(payload)) });
            self.base.store(s.slots.as_mut_ptr(), Ordering::Release);
            self.published.store(s.slots.len(), Ordering::Release);
            join(index, 0)
        };
        s.created += 1;
        Ok(key)
    }

    /// [`insert_with`](Self::insert_with) for a payload already made.
    #[cfg(test)]
    pub fn insert(&self, payload: P) -> Result<Key, ClosedError> {
        // SAFETY: the tests' unlocked reads are fenced ones.
        unsafe { self.insert_with(Readers::AnyDomain, || Some(payload)) }
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

    /// Keeps `p`, a part of a live entry's payload that was just replaced
    /// while other domains may read it (in the library: the callback's
    /// root, when a closure gets its first owner), until its grace period
    /// has passed; a later drain then hands it to its `release` as it does
    /// a drained payload. `epoch` is read after the replacement.
    pub fn retire_detached(&self, epoch: u64, p: P) {
        self.detached.retire(epoch, p);
    }

    /// [`with_live`](Self::with_live) without the lock, for a thread of
    /// one of several running domains (the marshaller's path then). No
    /// atomic read-modify-write on the path: the registry's read lock cost
    /// about 10 ns a call (bench/analysis.md).
    ///
    /// Two things keep what it reads in place. A drain does not take a
    /// payload out but retires its slot until a grace period has passed
    /// (`core::grace`: two minor collections, each of which stops every
    /// domain at a poll point, which this read has none of). The rare
    /// writer that moves the slots (the vector grows) or releases retired
    /// slots early sets its flag and waits for readers
    /// (`presence::wait_for_readers`, whose `membarrier` makes the pair a
    /// Dekker one, as for the exit): the thread marks itself reading
    /// (`presence::begin_read`, a plain store and a compiler fence) and
    /// takes the lock instead when it finds a writer's flag.
    ///
    /// # Safety
    /// The caller holds a domain lock, and every writer that may run
    /// meanwhile passes [`Readers::AnyDomain`] (in the library: a writer
    /// whose domain is not alone). `f` is short: it allocates nothing in
    /// the OCaml heap, takes no lock, runs no OCaml code and calls nothing
    /// of the runtime that may poll (the grace period counts on it).
    #[inline(always)]
    pub unsafe fn with_live_fenced<R>(&self, key: Key, f: impl FnOnce(&P) -> R) -> Option<R> {
        let Some(reading) = presence::begin_read() else { return self.with_live(key, f) };
        if self.writing.load(Ordering::Acquire) {
            reading.end();
            return self.with_live(key, f);
        }
        // No writer moves the slots or changes a payload a live key names
        // until `Reading::end`: one that starts after the check above waits for
        // this thread's mark (the Dekker pair), and one that finished
        // released its flag (Release) after its change, which the Acquire
        // load above sees. Only the buffer's base and the published length
        // are read (never the vector, which an insert may be pushing to).
        let (index, generation) = split(key);
        let r = if index < self.published.load(Ordering::Acquire) {
            // SAFETY: `index` is below the published length of the buffer
            // at `base`, which does not move meanwhile (above).
            let slot = unsafe { &*self.base.load(Ordering::Acquire).add(index) };
            Self::live_slot(slot, generation, f)
        } else {
            None
        };
        reading.end();
        r
    }

    /// `f` on the payload of `slot` if it is live at `generation`.
    #[inline(always)]
    fn live_slot<R>(slot: &Slot<P>, generation: u32, f: impl FnOnce(&P) -> R) -> Option<R> {
        if slot.generation.load(Ordering::Relaxed) != generation || slot.state.load(Ordering::Acquire) != LIVE {
            return None;
        }
        // A live slot's payload is taken out only under the write lock, and
        // then only when no reader can be reading it: its domain alone, a
        // grace period passed, or fenced readers excluded (`drain_with`); a
        // free slot's is written only while no live key names it
        // (`insert_with`).
        // SAFETY: so no writer changes this payload while it is read (above).
        unsafe { (*slot.payload.get()).as_ref() }.map(f)
    }

    #[inline(always)]
    fn live_in<R>(s: &Slots<P>, key: Key, f: impl FnOnce(&P) -> R) -> Option<R> {
        let (index, generation) = split(key);
        let slot = s.slots.get(index)?;
        Self::live_slot(slot, generation, f)
    }

    /// The state of `key`'s entry; `Released` for a stale key.
    #[cfg(test)]
    pub fn state(&self, key: Key) -> State {
        let (index, generation) = split(key);
        let g = self.read_lock();
        match self.read(&g).slots.get(index) {
            Some(slot) if slot.generation.load(Ordering::Relaxed) == generation => state_of(slot.state.load(Ordering::Acquire)),
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
                if slot.generation.load(Ordering::Relaxed) == generation
                    && slot.state.compare_exchange(LIVE, INVALIDATED, Ordering::SeqCst, Ordering::Acquire).is_ok() => {}
            _ => return false,
        }
        let mut q = self.queue();
        q.invalidated += 1;
        q.keys.push(key);
        self.queued.store(q.keys.len(), Ordering::Release);
        true
    }

    /// Whether a [`drain_with`](Self::drain_with) now would release
    /// something: a key is queued (one atomic load), or something retired
    /// is ready at the epoch `epoch()` returns (called only when something
    /// is retired).
    #[inline(always)]
    pub fn has_work(&self, epoch: impl FnOnce() -> u64) -> bool {
        if self.queued.load(Ordering::Acquire) > 0 {
            return true;
        }
        let at = self.retired.ready_at().min(self.detached.ready_at());
        at != u64::MAX && at <= epoch()
    }

    /// Whether some key waits for [`drain_with`](Self::drain_with), or
    /// something retired waits for its grace period (tests).
    #[cfg(test)]
    pub fn has_queued(&self) -> bool {
        self.queued.load(Ordering::Acquire) > 0 || !self.retired.is_empty() || !self.detached.is_empty()
    }

    /// Takes every queued entry out, and everything retired, as a drain
    /// with no other domain reading (tests). Returns the payloads.
    #[cfg(test)]
    pub fn drain(&self) -> Vec<P> {
        let mut out = Vec::new();
        // SAFETY: the tests' unlocked reads are fenced ones.
        unsafe { self.drain_with(Readers::AnyDomain, || 0, Reclaim::All, |p| out.push(p)) };
        out
    }

    /// Takes every queued entry out, and hands each payload to `release`
    /// once the registry's locks are released; returns how many payloads.
    /// Its buffers are kept for the next burst (see `spare`), so a drain in
    /// steady state allocates nothing.
    ///
    /// With [`Readers::OwnDomain`], a drained entry is released at once
    /// (Invalidated → Released, the slot freed for reuse with a new
    /// generation), and so is everything retired by earlier drains. With
    /// [`Readers::AnyDomain`], it is retired (module documentation), and
    /// what the grace period lets go at the epoch `epoch()` returns (read
    /// after the queue is taken) is released; everything is, after a wait
    /// for fenced readers, with [`Reclaim::All`] or once more than
    /// [`RETIRED_LIMIT`] are retired.
    ///
    /// # Safety
    /// As [`insert_with`](Self::insert_with): no unlocked read meanwhile.
    pub unsafe fn drain_with(&self, readers: Readers, epoch: impl Fn() -> u64, how: Reclaim, mut release: impl FnMut(P)) -> usize {
        let epoch_now = || if readers == Readers::OwnDomain { ALL_READY } else { epoch() };
        if how == Reclaim::Ready && !self.has_work(epoch_now) {
            return 0;
        }
        let mut out = self.out.take();
        let mut keys = self.keys.take();
        {
            let _w = self.write_lock();
            // SAFETY: write lock held, and no unlocked reader (precondition).
            let s = unsafe { &mut *self.slots.get() };
            {
                let mut q = self.queue();
                std::mem::swap(&mut q.keys, &mut keys);
                self.queued.store(0, Ordering::Release);
            }
            out.reserve(keys.len());
            let mut released = 0;
            // Read after the queue was taken: after every invalidation of
            // the keys retired below (`core::grace`).
            let now = epoch_now();
            for key in keys.drain(..) {
                let (index, generation) = split(key);
                let slot = &s.slots[index];
                if slot.generation.load(Ordering::Relaxed) != generation || slot.state.load(Ordering::Acquire) != INVALIDATED {
                    continue;
                }
                if readers == Readers::OwnDomain {
                    released += Self::release_slot(s, index, &mut out);
                } else {
                    // Stays Invalidated, its payload in place: a fenced
                    // reader that found it live may be reading it still.
                    self.retired.retire(now, key);
                }
            }
            if !self.retired.is_empty() || !self.detached.is_empty() {
                let early = readers == Readers::AnyDomain
                    && (how == Reclaim::All || self.retired.len() + self.detached.len() > RETIRED_LIMIT);
                // Early: every reader that may still read them is waited for.
                let (_x, upto) = if early { (self.exclude(readers), ALL_READY) } else { (None, now) };
                self.retired.take_ready(upto, |key| released += Self::release_slot(s, split(key).0, &mut out));
                self.detached.take_ready(upto, |p| out.push(p));
            }
            s.released += released;
        }
        self.keys.keep(keys);
        let n = out.len();
        for p in out.drain(..) {
            release(p);
        }
        self.out.keep(out);
        n
    }

    /// Invalidated → Released for slot `index`: its payload into `out`, the
    /// slot freed for reuse with a new generation. Returns 1 (released).
    /// Only a writer that no reader can race: no reader of this slot's key
    /// is in its window (own domain alone, grace period passed, or readers
    /// excluded).
    #[inline(always)]
    fn release_slot(s: &mut Slots<P>, index: usize, out: &mut Vec<P>) -> usize {
        let slot = &mut s.slots[index];
        slot.state.store(RELEASED, Ordering::Release);
        if let Some(p) = slot.payload.get_mut().take() {
            out.push(p);
        }
        // A slot whose generation would wrap is retired, never reused:
        // a stale key of its first life must not match a later one.
        let g = slot.generation.load(Ordering::Relaxed);
        if g < MAX_GENERATION {
            slot.generation.store(g + 1, Ordering::Relaxed);
            s.free.push(index as u32);
        }
        1
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
            // SAFETY: read lock held: no writer changes a payload.
            if let Some(p) = unsafe { &*slot.payload.get() } {
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
                .map(|(i, slot)| join(i, slot.generation.load(Ordering::Relaxed)))
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
        unsafe { (&mut (*self.slots.get()).slots)[index].generation.store(generation, Ordering::Relaxed) };
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
        let refused = unsafe { r.insert_with(Readers::AnyDomain, || None::<Counted>) };
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

    /// A payload whose value is checked by readers and poisoned on drop:
    /// a reader that saw a dropped (or freed and reused) payload would
    /// read the poison or garbage.
    struct Checked(Box<u64>);
    impl Drop for Checked {
        fn drop(&mut self) {
            *self.0 = 0xdead_dead_dead_dead;
        }
    }

    /// A reader of the fenced-read tests: until `stop`, reads every key of
    /// a snapshot of `keys` without the lock, checks that each live one
    /// answers with its own payload, counts it in `reads`, and calls `poll`
    /// after each read and each pass (the only moments it is outside a
    /// read).
    fn read_fenced_until(
        r: &Registry<Checked>,
        keys: &std::sync::RwLock<Vec<(Key, u64)>>,
        stop: &AtomicBool,
        reads: &AtomicUsize,
        poll: impl Fn(),
    ) {
        while !stop.load(Ordering::Relaxed) {
            let snapshot: Vec<(Key, u64)> = keys.read().unwrap().clone();
            for (k, want) in snapshot {
                // SAFETY: every writer of these tests passes AnyDomain; the
                // closure only reads.
                if let Some(v) = unsafe { r.with_live_fenced(k, |p| *p.0) } {
                    assert_eq!(v, want, "a live key answers with its own payload");
                    reads.fetch_add(1, Ordering::Relaxed);
                }
                poll();
            }
            poll();
        }
    }

    /// The marshaller's path with several domains: threads reading without
    /// the lock (`with_live_fenced`) while others insert (growing the
    /// slots' vector, which moves it), invalidate and drain (dropping the
    /// payloads), each writer for `Readers::AnyDomain`. Every payload read
    /// is the one its key was made with.
    #[test]
    fn fenced_reads_race_with_inserts_and_drains() {
        const READERS: usize = 3;
        const ROUNDS: usize = 300;
        let r = Arc::new(Registry::<Checked>::new());
        let keys = Arc::new(std::sync::RwLock::new(Vec::<(Key, u64)>::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let reads = Arc::new(AtomicUsize::new(0));
        let readers: Vec<_> = (0..READERS)
            .map(|_| {
                let (r, keys, stop, reads) = (r.clone(), keys.clone(), stop.clone(), reads.clone());
                std::thread::spawn(move || read_fenced_until(&r, &keys, &stop, &reads, || {}))
            })
            .collect();
        let mut next = 1u64;
        // ROUNDS rounds, and on until the readers have read (a busy
        // machine may start them late).
        let mut round = 0;
        while round < ROUNDS || (reads.load(Ordering::Relaxed) == 0 && round < 100 * ROUNDS) {
            round += 1;
            let mut made = Vec::new();
            for _ in 0..200 + round % ROUNDS {
                let v = next * 7919;
                next += 1;
                made.push((r.insert(Checked(Box::new(v))).unwrap(), v));
            }
            *keys.write().unwrap() = made.clone();
            for (k, _) in made.iter().step_by(2) {
                r.invalidate(*k);
            }
            drop(r.drain()); // poisoned and freed here, readers running
            if round % 3 == 0 {
                for (k, _) in made.iter() {
                    r.invalidate(*k);
                }
                drop(r.drain());
            }
        }
        stop.store(true, Ordering::Relaxed);
        for t in readers {
            t.join().unwrap();
        }
        assert!(reads.load(Ordering::Relaxed) > 0, "the readers read live entries");
    }

    /// The marshaller's path with several domains, as the library runs it:
    /// threads reading without the lock (`with_live_fenced`) while another
    /// inserts, invalidates and drains with `Reclaim::Ready`, so that what
    /// it drains is retired and released only after the grace period. The
    /// epoch is a stand-in for the runtime's minor collections: a
    /// "collection" first counts itself (as the runtime's leader setup
    /// does), then waits until every reader has passed a poll point, which
    /// readers have only between two reads. Payloads are poisoned when
    /// released: every payload read is the one its key was made with.
    #[test]
    fn fenced_reads_race_with_retiring_drains() {
        use std::sync::atomic::AtomicU64;
        const READERS: usize = 3;
        const ROUNDS: usize = 400;
        let r = Arc::new(Registry::<Checked>::new());
        let keys = Arc::new(std::sync::RwLock::new(Vec::<(Key, u64)>::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let polls: Arc<Vec<AtomicU64>> = Arc::new((0..READERS).map(|_| AtomicU64::new(0)).collect());
        let epoch = Arc::new(AtomicU64::new(0));
        let reads = Arc::new(AtomicUsize::new(0));
        let readers: Vec<_> = (0..READERS)
            .map(|i| {
                let (r, keys, stop, polls, reads) = (r.clone(), keys.clone(), stop.clone(), polls.clone(), reads.clone());
                std::thread::spawn(move || {
                    // A reader that panics stops the "collections" waiting.
                    struct Gone<'a>(&'a AtomicU64);
                    impl Drop for Gone<'_> {
                        fn drop(&mut self) {
                            self.0.store(u64::MAX, Ordering::SeqCst);
                        }
                    }
                    let _gone = Gone(&polls[i]);
                    read_fenced_until(&r, &keys, &stop, &reads, || {
                        polls[i].fetch_add(1, Ordering::SeqCst);
                    });
                })
            })
            .collect();
        let collect = || {
            epoch.fetch_add(1, Ordering::SeqCst);
            let seen: Vec<u64> = polls.iter().map(|p| p.load(Ordering::SeqCst)).collect();
            for (p, s) in polls.iter().zip(seen) {
                while p.load(Ordering::SeqCst) == s && s != u64::MAX {
                    std::thread::yield_now();
                }
            }
        };
        let mut next = 1u64;
        let mut released = 0;
        // ROUNDS rounds, and on until the readers have read and a drain
        // has released (a busy machine may start the readers late).
        let mut round = 0;
        while round < ROUNDS || ((reads.load(Ordering::Relaxed) == 0 || released == 0) && round < 100 * ROUNDS) {
            round += 1;
            let mut made = Vec::new();
            for _ in 0..100 + round % 50 {
                let v = next * 7919;
                next += 1;
                made.push((r.insert(Checked(Box::new(v))).unwrap(), v));
            }
            let mut all = keys.read().unwrap().clone();
            all.extend(made.iter().copied());
            for (k, _) in all.iter().skip(round % 2).step_by(2) {
                r.invalidate(*k);
            }
            // SAFETY: every unlocked read is a fenced one.
            released += unsafe { r.drain_with(Readers::AnyDomain, || epoch.load(Ordering::SeqCst), Reclaim::Ready, drop) };
            all.retain(|&(k, _)| r.state(k) == State::Live);
            all.truncate(2_000);
            *keys.write().unwrap() = all;
            if round % 3 == 0 {
                collect();
            }
        }
        stop.store(true, Ordering::Relaxed);
        for t in readers {
            t.join().unwrap();
        }
        assert!(reads.load(Ordering::Relaxed) > 0, "the readers read live entries");
        assert!(released > 0, "drains released retired entries after their grace period");
        drop(r.drain());
        let s = r.stats();
        assert_eq!(s.pending_release, 0);
    }

}
