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
        (self.0.as_ptr() as usize & !GLOBAL) as *mut Value
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
