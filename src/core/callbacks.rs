//! Every closure's callback, by key: the registry's entries
//! ([`CallbackRoot`]) and the one registry ([`REGISTRY`]).
//!
//! GLib only ever sees a closure's key (its data); what the key stands
//! for lives here, in Rust-owned memory, until a safe point releases it.

use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

use glib::gobject_ffi::GClosure;

use crate::core::grace::ALL_READY;
use crate::core::lifecycle;
use crate::core::lock;
use crate::core::registry::{Readers, Reclaim, Registry};
use crate::core::root::SharedRoot;
use crate::core::token::Domain;

/// An OCaml callback rooted (`crate::core::root`; once the closure is owned by
/// objects, its record instead: `owners`), as stored in the registry, with
/// the GClosure that calls it (set right after the closure is made; null
/// before). The pointer is only used by shutdown's GLib-side invalidation,
/// while the entry is live: GLib runs the finalize notifier (and usually
/// the invalidate notifier before it), which takes the entry out of the
/// live state, then waits for a scan of shutdown in progress
/// ([`crate::core::scan::before_free`]), before it frees the closure.
pub struct CallbackRoot {
    /// The callback, rooted (shared: other domains read it without the
    /// registry's lock while the main domain may replace it).
    pub root: SharedRoot,
    /// Its GClosure (for shutdown's GLib-side invalidation).
    pub closure: AtomicPtr<GClosure>,
    /// The objects it was connected to through the library, for its
    /// ownership when the program drops its `g_closure` value
    /// ([`Connected`]). Written and read under the domain lock.
    pub connected: Connected,
}

// SAFETY: the root's value is read only by threads holding a domain lock
// (the marshaller checks it), and a root may be dropped from any
// thread; the registry's lock orders the accesses.
unsafe impl Send for CallbackRoot {}
// SAFETY: as above; shared access only reads the root's cell under a domain lock.
unsafe impl Sync for CallbackRoot {}

/// Who may read [`REGISTRY`] without its lock while the calling thread
/// writes it: threads of other domains, when its domain is not the only
/// one running (read with the domain lock held, as `lock::domain_alone`
/// requires: no domain starts meanwhile).
#[inline(always)]
pub fn readers() -> Readers {
    if lock::domain_alone() {
        Readers::OwnDomain
    } else {
        Readers::AnyDomain
    }
}

/// Every closure's root, by key.
pub static REGISTRY: Registry<CallbackRoot> = Registry::new();

extern "C" {
    fn gclosure_shim_minor_collections() -> usize;
}

/// The registry's grace-period epoch (`core::grace`): the runtime's count
/// of minor collections (0 on OCaml 4.14, where one domain runs and
/// nothing is ever retired).
#[inline]
pub fn epoch() -> u64 {
    // SAFETY: an atomic load of a runtime global, from any thread.
    unsafe { gclosure_shim_minor_collections() as u64 }
}

/// The epoch as the calling thread's domain sees it: everything retired
/// is ready when it is the only domain running (no other can read).
#[inline]
fn epoch_here() -> u64 {
    if lock::domain_alone() {
        ALL_READY
    } else {
        epoch()
    }
}

/// Whether [`drain`] would release something now: a key is queued (one
/// atomic load), or something retired has passed its grace period.
#[inline(always)]
pub fn has_work() -> bool {
    REGISTRY.has_work(epoch_here)
}

/// Releases the registry's queued and retired roots that may go (all of
/// them once the library has left Open, when no new entry is made),
/// handing each to `release`; returns how many.
#[inline(always)]
pub fn drain(_d: Domain<'_>, release: impl FnMut(CallbackRoot)) -> usize {
    let how = if lifecycle::is_open() { Reclaim::Ready } else { Reclaim::All };
    // SAFETY: domain lock held (the token), so no unlocked read of this
    // domain runs, and the readers of other domains are those `readers()`
    // names.
    unsafe { REGISTRY.drain_with(readers(), epoch, how, release) }
}

/// Keeps a callback's root that `root` replaced while other domains may
/// read it, until its grace period has passed (then a drain releases it
/// as it does an entry's).
pub fn retire_replaced(root: crate::core::root::Root) {
    let p = CallbackRoot { root: SharedRoot::new(root), closure: AtomicPtr::new(std::ptr::null_mut()), connected: Connected::default() };
    // The epoch is read after the replacement (`core::grace`).
    REGISTRY.retire_detached(epoch(), p);
}


/// The objects a closure was connected to through the library
/// (`Gobject.Signal.connect_by_name` on the main domain), by address: none
/// (0), one (its address), or a boxed list (its address, tagged 1). Read
/// and written with the domain lock held, by the main domain.
#[derive(Default)]
pub struct Connected(AtomicUsize);

impl Connected {
    /// Adds `obj` (once). A list that reaches 64, 128, ... addresses is
    /// first pruned by `prune` (which keeps its last address, `obj`).
    pub fn push(&self, obj: usize, prune: impl FnOnce(&mut Vec<usize>)) {
        let cur = self.0.load(Ordering::Relaxed);
        if cur == 0 {
            self.0.store(obj, Ordering::Relaxed);
        } else if cur & 1 == 0 {
            if cur != obj {
                let v = Box::new(vec![cur, obj]);
                self.0.store(Box::into_raw(v) as usize | 1, Ordering::Relaxed);
            }
        } else {
            // SAFETY: a tagged box made above, owned by `self`.
            let v = unsafe { &mut *((cur & !1) as *mut Vec<usize>) };
            if !v.contains(&obj) {
                v.push(obj);
                // A closure the program keeps and connects to object after
                // object: the addresses of objects gone (no longer in the
                // table) go, each time the list doubles.
                if v.len() >= 64 && v.len().is_power_of_two() {
                    prune(v);
                }
            }
        }
    }

    /// The addresses, leaving none.
    pub fn take(&self) -> Vec<usize> {
        let cur = self.0.swap(0, Ordering::Relaxed);
        if cur == 0 {
            Vec::new()
        } else if cur & 1 == 0 {
            vec![cur]
        } else {
            // SAFETY: a tagged box made by `push`, taken once (swapped out).
            *unsafe { Box::from_raw((cur & !1) as *mut Vec<usize>) }
        }
    }

    /// Whether it holds no address.
    pub fn is_empty(&self) -> bool {
        self.0.load(Ordering::Relaxed) == 0
    }
}

impl Drop for Connected {
    fn drop(&mut self) {
        let cur = *self.0.get_mut();
        if cur & 1 == 1 {
            // SAFETY: a tagged box made by `push`, owned by `self`.
            drop(unsafe { Box::from_raw((cur & !1) as *mut Vec<usize>) });
        }
    }
}

