//! Every closure's callback, by key: the registry's entries
//! ([`CallbackRoot`]) and the one registry ([`REGISTRY`]).
//!
//! GLib only ever sees a closure's key (its data); what the key stands
//! for lives here, in Rust-owned memory, until a safe point releases it.

use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

use glib::gobject_ffi::GClosure;

use crate::core::registry::Registry;
use crate::core::root::Root;

/// An OCaml callback rooted (`crate::core::root`; once the closure is owned by
/// objects, its record instead: `owners`), as stored in the registry, with
/// the GClosure that calls it (set right after the closure is made; null
/// before). The pointer is only used by shutdown's GLib-side invalidation,
/// while the entry is live: GLib runs the finalize notifier (and usually
/// the invalidate notifier before it), which takes the entry out of the
/// live state, then waits for a scan of shutdown in progress
/// ([`crate::core::scan::before_free`]), before it frees the closure.
pub struct CallbackRoot {
    /// The callback, rooted.
    pub root: Root,
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

/// Every closure's root, by key.
pub static REGISTRY: Registry<CallbackRoot> = Registry::new();


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

