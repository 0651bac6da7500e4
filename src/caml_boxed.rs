//! `GclosureCaml`: a boxed GType whose values are OCaml values, so that
//! `` `CAML v `` fits in a GValue.
//!
//! The boxed pointer is a boxroot: copying makes a new root (with the
//! domain lock, taken if the copying thread lacks it), freeing deletes it
//! (boxroot allows that without the lock). GLib frees such values only from
//! GLib code, never from an OCaml GC finalizer: the library's own GValue
//! handles defer their unset to a safe point.

use std::sync::OnceLock;

use glib::ffi::gpointer;
use glib::gobject_ffi as gobj;
use glib::translate::FromGlib;

/// The registered name of the type.
pub const TYPE_NAME: &str = "GclosureCaml";

unsafe extern "C" fn copy(p: gpointer) -> gpointer {
    // A new root needs the runtime: refused (an empty value) once the
    // library is closed or exiting.
    let Ok(_inside) = crate::lifecycle::enter(crate::lifecycle::Accept::OpenOnly) else {
        return std::ptr::null_mut();
    };
    let _lock = crate::lifecycle::lock_for_call();
    if !crate::lifecycle::is_open() {
        return std::ptr::null_mut();
    }
    // SAFETY: `p` is a boxroot made by `new_boxed` or `copy` (the only
    // producers of this type's values); domain lock held now.
    unsafe {
        let v = ocaml_boxroot_sys::boxroot_get(std::mem::transmute::<gpointer, ocaml_boxroot_sys::BoxRoot>(p));
        match ocaml_boxroot_sys::boxroot_create(v) {
            Some(r) => std::mem::transmute::<ocaml_boxroot_sys::BoxRoot, gpointer>(r),
            None => std::ptr::null_mut(),
        }
    }
}

unsafe extern "C" fn free(p: gpointer) {
    if !p.is_null() {
        // SAFETY: `p` is a boxroot of ours; deleting one needs no lock.
        unsafe { ocaml_boxroot_sys::boxroot_delete(std::mem::transmute::<gpointer, ocaml_boxroot_sys::BoxRoot>(p)) }
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
    unsafe { ocaml_boxroot_sys::boxroot_create(v) }
        // SAFETY: a BoxRoot is a non-null pointer; GLib keeps it opaque.
        .map(|r| unsafe { std::mem::transmute::<ocaml_boxroot_sys::BoxRoot, gpointer>(r) })
}

/// The OCaml value inside a boxed value of this type.
///
/// # Safety
/// `p` is a non-null value of this type; domain lock held.
pub unsafe fn get(p: gpointer) -> ocaml::sys::Value {
    // SAFETY: precondition.
    unsafe { ocaml_boxroot_sys::boxroot_get(std::mem::transmute::<gpointer, ocaml_boxroot_sys::BoxRoot>(p)) }
}
