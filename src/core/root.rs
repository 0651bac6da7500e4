//! Roots for the OCaml values the library keeps (callbacks, `` `CAML ``
//! values in GValues, a binding's argv across a call): a boxroot on the
//! main domain, a generational global root on any other.
//!
//! Why two kinds: boxroot keeps its roots in 16 KiB pools owned by the
//! domain that made them. When a domain ends, its pools are handed to the
//! next domain that scans its roots ("orphaned" and "adopted"), and are
//! only ever reused by that domain's own allocations, never freed:
//! boxroot 0.4 frees a pool only when a deletion *on the pool's own
//! domain* empties it, and never the pool a domain is filling. A domain
//! that made one root and ended therefore left a 16 KiB pool behind in
//! most cases: 119 pools allocated and 16 freed over 300 domains of
//! twenty closures each (counted with gdb on `bxr_alloc_uninitialised_pool`
//! and `bxr_free_pool`), about 4 KB of malloc in use and 7 KB of RSS per
//! domain, linearly. The runtime's generational global roots are one
//! table for the process (a skip list under a mutex): a root registered on
//! a domain that ends costs nothing once removed.
//!
//! The main domain (domain 0) lives until the program exits, so its
//! roots stay boxroots: the fast path of every single-domain program and
//! of the benchmarks. A root made on any other domain is a global root,
//! made and removed under the runtime's roots mutex with a skip-list
//! insertion each (and one more when a minor GC moves it to the old
//! list): a closure's create, connect, disconnect and release on a
//! worker domain took about 2.4 us against 1.2 us on the main one (100,000
//! of each, load average about 10; with boxroots both took about 1.2 us).
//! On OCaml 4.14 every root is a boxroot.
//!
//! A global root may only be removed with a domain lock held (otherwise
//! a minor GC could move it between the young and old lists meanwhile):
//! one dropped by a thread without the lock (GLib freeing a
//! `GclosureCaml` box) is removed at the next safe point instead.

use std::ptr::NonNull;
use std::sync::atomic::{AtomicPtr, Ordering};

use ocaml::sys::{self, Value};

use crate::core::deferred::{self, Kind, Release};

extern "C" {
    fn gclosure_shim_domain_id() -> std::ffi::c_int;
    /// boxroot's `boxroot_delete`, taking the slot's address (a C
    /// `boxroot` is that pointer).
    #[link_name = "boxroot_delete"]
    fn boxroot_delete_slot(slot: *mut Value);
    /// boxroot's `boxroot_modify`, on the slot's address (which it may
    /// change: the value can move to another pool).
    #[link_name = "boxroot_modify"]
    fn boxroot_modify_slot(slot: *mut *mut Value, v: Value) -> bool;
}

/// The tag of a global root's cell address (cells are word-aligned).
const GLOBAL: usize = 1;

/// The cell's address in a root's tagged word (either kind).
#[inline(always)]
fn cell_of(word: *mut Value) -> *mut Value {
    (word as usize & !GLOBAL) as *mut Value
}

/// One rooted OCaml value; the root goes when this is dropped.
///
/// One word, so that a registry entry stays as small as with a plain
/// boxroot: the address of a boxroot's slot, or of a box of ours that is
/// registered as a generational global root, tagged with [`GLOBAL`].
pub struct Root(NonNull<Value>);

// SAFETY: the cell is read only by threads that hold a domain lock (every
// caller of `get`), and both kinds may be dropped from any thread (boxroot
// allows it; a global root dropped without a lock is deferred).
unsafe impl Send for Root {}
// SAFETY: as above; shared access only reads the cell, under a domain lock.
unsafe impl Sync for Root {}

impl Root {
    /// A new root holding `v`, or `None` when boxroot cannot allocate.
    ///
    /// # Safety
    /// The calling thread holds a domain lock; `v` is a valid value.
    #[inline]
    pub unsafe fn new(v: Value) -> Option<Root> {
        // The only running domain is the main one (it never ends before
        // the exit): one atomic load instead of the call.
        // SAFETY: domain lock held (precondition): the domain state is readable.
        if crate::core::lock::domain_alone() || unsafe { gclosure_shim_domain_id() } == 0 {
            // SAFETY: domain lock held (precondition).
            let b = unsafe { ocaml_boxroot_sys::boxroot_create(v) }?;
            NonNull::new(ocaml_boxroot_sys::boxroot_get_ref(b) as *mut Value).map(Root)
        } else {
            let cell: &mut Value = Box::leak(Box::new(v));
            // SAFETY: domain lock held; the cell is ours, aligned, and stays
            // at this address until the root is removed (`remove_global`).
            unsafe { sys::caml_register_generational_global_root(cell) };
            NonNull::new(((cell as *mut Value as usize) | GLOBAL) as *mut Value).map(Root)
        }
    }

    /// The cell's address, untagged.
    #[inline(always)]
    fn cell(&self) -> *mut Value {
        cell_of(self.0.as_ptr())
    }

    /// The address where the rooted value is kept: stable while `self`
    /// lives (never moved by [`Root::modify`]'s callers of the C API, who
    /// never modify), read under a domain lock like [`Root::get`].
    #[inline(always)]
    pub fn cell_ptr(&self) -> *mut Value {
        self.cell()
    }

    /// The rooted value.
    ///
    /// # Safety
    /// The calling thread holds a domain lock (the GC may move the value).
    #[inline(always)]
    pub unsafe fn get(&self) -> Value {
        // SAFETY: the cell is valid while `self` lives; read under a domain
        // lock (precondition), so no collection moves the value meanwhile.
        unsafe { *self.cell() }
    }
}

impl Root {
    /// Makes the root hold `v` instead; false (nothing changed) when
    /// boxroot cannot allocate.
    ///
    /// # Safety
    /// The calling thread holds a domain lock; `v` is a valid value.
    pub unsafe fn modify(&mut self, v: Value) -> bool {
        let cell = self.cell();
        if self.0.as_ptr() as usize & GLOBAL == 0 {
            let mut slot = cell;
            // SAFETY: a boxroot's slot made by `new`; domain lock held.
            let ok = unsafe { boxroot_modify_slot(&mut slot, v) };
            if let (true, Some(s)) = (ok, NonNull::new(slot)) {
                self.0 = s;
            }
            ok
        } else {
            // SAFETY: a global root's cell made by `new`; domain lock held.
            unsafe { sys::caml_modify_generational_global_root(cell, v) };
            true
        }
    }
}

impl Root {
    /// The tagged word, leaving the root alive (see [`Root::from_raw`]).
    fn into_raw(self) -> *mut Value {
        let p = self.0.as_ptr();
        std::mem::forget(self);
        p
    }

    /// The root whose word [`Root::into_raw`] gave.
    ///
    /// # Safety
    /// `p` came from `into_raw`, and is turned back into a root once.
    unsafe fn from_raw(p: *mut Value) -> Root {
        // SAFETY: `into_raw` gave a non-null word (precondition).
        Root(unsafe { NonNull::new_unchecked(p) })
    }
}

/// A closure's root as the registry keeps it: one that other domains may
/// read without a lock while the main domain makes it hold another value
/// (a closure's first owner: `owners::add_owner`). The word is swapped,
/// never written in place, when another domain may read it
/// ([`SharedRoot::replace`]), and the root it held is kept until no reader
/// can hold its address (the registry's grace period).
pub struct SharedRoot(AtomicPtr<Value>);

// SAFETY: as for `Root`: the cell is read only under a domain lock, the
// word is swapped atomically, and a root may be dropped from any thread.
unsafe impl Send for SharedRoot {}
// SAFETY: as above.
unsafe impl Sync for SharedRoot {}

impl SharedRoot {
    /// Shares `r`.
    pub fn new(r: Root) -> SharedRoot {
        SharedRoot(AtomicPtr::new(r.into_raw()))
    }

    /// The rooted value.
    ///
    /// # Safety
    /// The calling thread holds a domain lock (as for [`Root::get`]), and
    /// the root the word names is not deleted meanwhile (a root replaced
    /// while the caller may read it is retired, not deleted).
    #[inline(always)]
    pub unsafe fn get(&self) -> Value {
        let cell = cell_of(self.0.load(Ordering::Acquire));
        // SAFETY: a live root's word (precondition); its cell is valid.
        unsafe { *cell }
    }

    /// Makes the root hold `v` in place (boxroot's `modify`, which may move
    /// the cell); false when boxroot cannot allocate.
    ///
    /// # Safety
    /// The calling thread holds a domain lock, `v` is a valid value, and
    /// no other thread may read this root meanwhile (its domain is the only
    /// one running).
    pub unsafe fn modify(&self, v: Value) -> bool {
        // SAFETY: the word is a live root's (ours); no other reader
        // (precondition) while it is taken out and put back.
        let mut r = unsafe { Root::from_raw(self.0.load(Ordering::Relaxed)) };
        // SAFETY: forwarded precondition.
        let ok = unsafe { r.modify(v) };
        self.0.store(r.into_raw(), Ordering::Release);
        ok
    }

    /// Makes the root hold `v` through a new root, returning the old one,
    /// which a reader on another domain may still be reading: the caller
    /// keeps it until no reader can (the registry's `retire_detached`).
    /// `None` (nothing changed) when boxroot cannot allocate.
    ///
    /// # Safety
    /// The calling thread holds a domain lock; `v` is a valid value; no
    /// other thread replaces or modifies this root meanwhile.
    pub unsafe fn replace(&self, v: Value) -> Option<Root> {
        // SAFETY: forwarded precondition.
        let new = unsafe { Root::new(v) }?;
        let old = self.0.swap(new.into_raw(), Ordering::AcqRel);
        // SAFETY: the word was a live root's, now out of `self`: turned
        // back into a root once, here.
        Some(unsafe { Root::from_raw(old) })
    }

    /// The root, no longer shared.
    pub fn into_root(self) -> Root {
        let p = self.0.load(Ordering::Relaxed);
        std::mem::forget(self);
        // SAFETY: the word is a live root's, taken out of `self` once.
        unsafe { Root::from_raw(p) }
    }
}

impl Drop for SharedRoot {
    fn drop(&mut self) {
        // SAFETY: the word is a live root's, dropped once with `self`.
        drop(unsafe { Root::from_raw(*self.0.get_mut()) });
    }
}

impl Drop for Root {
    fn drop(&mut self) {
        let cell = self.cell();
        if self.0.as_ptr() as usize & GLOBAL == 0 {
            // SAFETY: a boxroot's slot made by `new`, deleted once; boxroot
            // allows deleting from any thread.
            unsafe { boxroot_delete_slot(cell) };
        } else if crate::core::lock::held() {
            // SAFETY: a global root's cell made by `new`, removed once, with
            // a domain lock held.
            unsafe { remove_global(cell as glib::ffi::gpointer) };
        } else {
            // SAFETY: the release owns the cell (removed once, by it, on a
            // thread holding a domain lock: a safe point).
            deferred::push(Kind::MayRunOcaml, unsafe { Release::new(remove_global_later, cell as usize, 0) });
        }
    }
}

/// [`remove_global`], as a deferred release.
///
/// # Safety
/// As [`remove_global`].
unsafe fn remove_global_later(cell: usize, _: usize) {
    // SAFETY: forwarded precondition.
    unsafe { remove_global(cell as glib::ffi::gpointer) }
}

/// Removes a global root and frees its cell.
///
/// # Safety
/// `cell` is the cell of a global root made by [`Root::new`], not removed
/// yet; the calling thread holds a domain lock (a safe point, for a
/// deferred removal).
unsafe extern "C" fn remove_global(cell: glib::ffi::gpointer) {
    let cell = cell as *mut Value;
    // SAFETY: precondition: registered, lock held; then the box is ours.
    unsafe {
        sys::caml_remove_generational_global_root(cell);
        drop(Box::from_raw(cell));
    }
}
