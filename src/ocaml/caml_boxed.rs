//! `GclosureCaml`: a boxed GType whose values are OCaml values, so that
//! `` `CAML v `` fits in a GValue.
//!
//! The boxed pointer is a cell of ours holding a root (`crate::core::root`):
//! copying makes a new cell and root (with the domain lock, taken if the
//! copying thread lacks it), freeing deletes both (allowed without the
//! lock: a global root dropped so is removed at the next safe point).
//! GLib frees such values only from GLib code, never from an OCaml GC
//! finalizer: the library's own GValue handles defer their unset to a safe
//! point. Every live cell is known, so shutdown releases their roots while
//! the runtime is alive ([`release_all`]); a cell GLib frees later only
//! frees its memory.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

use crate::core::root::Root;

use glib::ffi::gpointer;
use glib::gobject_ffi as gobj;
use glib::translate::FromGlib;

/// The registered name of the type.
pub const TYPE_NAME: &str = "GclosureCaml";

/// One GclosureCaml value: the root, until GLib frees the cell or
/// shutdown releases it.
struct Cell {
    root: Mutex<Option<Root>>,
}

/// The addresses of the live cells.
static LIVE: Mutex<Option<HashSet<usize>>> = Mutex::new(None);

fn live() -> std::sync::MutexGuard<'static, Option<HashSet<usize>>> {
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// A new cell holding `root`, as GLib's boxed pointer.
fn new_cell(root: Root) -> gpointer {
    let p = Box::into_raw(Box::new(Cell { root: Mutex::new(Some(root)) }));
    live().get_or_insert_with(HashSet::new).insert(p as usize);
    p as gpointer
}

/// The cell behind a boxed pointer.
///
/// # Safety
/// `p` was made by [`new_cell`] and GLib has not freed it.
unsafe fn cell<'a>(p: gpointer) -> &'a Cell {
    // SAFETY: precondition.
    unsafe { &*(p as *const Cell) }
}

/// The boxed type's copy function (GLib's `g_boxed_copy`).
///
/// # Safety
/// Called by GLib only: `p` is a cell made by this module, not freed.
unsafe extern "C" fn copy(p: gpointer) -> gpointer {
    // A new root needs the runtime: refused (an empty value) once the
    // library is closed or exiting.
    let Ok(_inside) = crate::core::lifecycle::enter(crate::core::lifecycle::Accept::OpenOnly) else {
        return std::ptr::null_mut();
    };
    let _lock = crate::core::lifecycle::lock_for_call();
    if !crate::core::lifecycle::is_open() {
        return std::ptr::null_mut();
    }
    // SAFETY: `p` is a cell of ours (this type's only producers are
    // `new_boxed` and `copy`); domain lock held now.
    let v = unsafe { cell(p) }.root.lock().unwrap_or_else(|e| e.into_inner()).as_ref().map(|r| unsafe { r.get() });
    // SAFETY: domain lock held.
    match v.and_then(|v| unsafe { Root::new(v) }) {
        Some(r) => new_cell(r),
        None => std::ptr::null_mut(),
    }
}

/// The boxed type's free function (GLib's `g_boxed_free`).
///
/// # Safety
/// Called by GLib only: `p` is NULL or a cell made by this module, freed once.
unsafe extern "C" fn free(p: gpointer) {
    if !p.is_null() {
        if let Some(set) = live().as_mut() {
            set.remove(&(p as usize));
        }
        // SAFETY: `p` is a cell of ours, freed once by GLib; dropping its
        // root (if shutdown left one) is allowed without the lock
        // (`crate::core::root`).
        drop(unsafe { Box::from_raw(p as *mut Cell) });
    }
}

/// The GType, registered on first use.
pub fn gtype() -> glib::Type {
    static T: OnceLock<glib::Type> = OnceLock::new();
    *T.get_or_init(|| {
        let name = std::ffi::CString::new(TYPE_NAME).expect("no NUL");
        // SAFETY: a new boxed type with copy/free functions of the expected
        // signatures; OnceLock makes it happen once.
        unsafe { glib::Type::from_glib(gobj::g_boxed_type_register_static(name.as_ptr(), Some(copy), Some(free))) }
    })
}

/// A boxed value holding a new root of `v`.
///
/// # Safety
/// Domain lock held.
pub unsafe fn new_boxed(v: ocaml::sys::Value) -> Option<gpointer> {
    // SAFETY: precondition.
    unsafe { Root::new(v) }.map(new_cell)
}

/// The OCaml value inside a boxed value of this type, or `None` once
/// shutdown released it.
///
/// # Safety
/// `p` is a non-null value of this type; domain lock held.
pub unsafe fn get(p: gpointer) -> Option<ocaml::sys::Value> {
    // SAFETY: precondition.
    let c = unsafe { cell(p) };
    let g = c.root.lock().unwrap_or_else(|e| e.into_inner());
    // SAFETY: domain lock held (precondition).
    g.as_ref().map(|r| unsafe { r.get() })
}

/// Releases the root of every live cell; the cells stay, empty, until GLib
/// frees them (`get` then gives `None`). Returns how many were released.
///
/// # Safety
/// - the OCaml runtime has not been shut down (the roots are deleted in
///   boxroot's pools and the runtime's global-root table);
/// - the calling thread holds its domain lock and is not inside a GC
///   finalizer (a global root is removed now, which needs the lock; one
///   dropped without it would wait for a safe point that may never come
///   after shutdown);
/// - the library has left the Open state (shutdown, step 3): called while
///   it is open, every `` `CAML `` value GLib holds would read as released.
pub unsafe fn release_all() -> usize {
    let roots: Vec<Root> = {
        let set = live();
        set.iter()
            .flatten()
            // SAFETY: a cell in the live set is not freed: `free` removes it
            // under this same lock first.
            .filter_map(|&p| unsafe { cell(p as gpointer) }.root.lock().unwrap_or_else(|e| e.into_inner()).take())
            .collect()
    };
    roots.len() // each dropped here, with the lock held
}

/// How many cells still hold a root (for tests).
pub fn rooted() -> usize {
    let set = live();
    set.iter()
        .flatten()
        // SAFETY: as in `release_all`.
        .filter(|&&p| unsafe { cell(p as gpointer) }.root.lock().unwrap_or_else(|e| e.into_inner()).is_some())
        .count()
}
