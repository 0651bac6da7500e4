//! The kinds of reference the library's handles and a binding's finalizers
//! defer (`core::deferred`), and what dropping each involves: an object's
//! owner entry and GTK's thread, a closure handle's ownership (`owners`).
//!
//! Each kind is a typed release of the core queue: the queue runs a
//! function, and the function is here.

use glib::gobject_ffi::{GClosure, GObject, GValue};

use crate::core::deferred::{self, Kind, Release};
use crate::gtk::affinity;
use crate::ocaml::owners;

/// One reference to drop.
pub enum Deferred {
    /// A `g_object_unref` (on GTK's thread for a widget).
    Object(*mut GObject),
    /// A `g_closure_unref`.
    Closure(*mut GClosure),
    /// The `g_closure_unref` of a `Gobject.g_closure` handle (a closure of
    /// ours): the program no longer holds the closure (see `owners`).
    Handle(*mut GClosure),
    /// A GValue made by `Gobject.Value.create`: unset and freed.
    Value(Box<GValue>),
    /// A `g_source_unref` (a `Gtk4.source_id`'s reference).
    #[cfg_attr(not(feature = "gtk4"), allow(dead_code))]
    Source(*mut glib::ffi::GSource),
    /// A `g_boxed_free` (C API).
    Boxed(glib::ffi::GType, glib::ffi::gpointer),
    /// Any other release (C API): `f(data)`.
    Notify(unsafe extern "C" fn(glib::ffi::gpointer), glib::ffi::gpointer),
}

/// Queues the release of `d`. Safe inside a GC finalizer (see
/// `deferred::push`).
///
/// # Safety
/// The variant owns the reference (or the value, or `data` for `f`) it
/// names, which is released once, later, on a thread that holds the
/// domain lock.
pub unsafe fn push(d: Deferred) {
    // SAFETY (each `Release::new`): the release owns what it names
    // (precondition); the closures' releases run no OCaml code (a closure's
    // notifiers are the registry's, and `owners`' bookkeeping runs none).
    let (kind, r) = unsafe {
        match d {
            Deferred::Closure(c) => (Kind::NoOcaml, Release::new(closure_unref, c as usize, 0)),
            Deferred::Handle(c) => (Kind::NoOcaml, Release::new(handle_unref, c as usize, 0)),
            Deferred::Object(o) => (Kind::MayRunOcaml, Release::new(object_unref, o as usize, 0)),
            Deferred::Value(v) => (Kind::MayRunOcaml, Release::new(value_free, Box::into_raw(v) as usize, 0)),
            Deferred::Source(s) => (Kind::MayRunOcaml, Release::new(source_unref, s as usize, 0)),
            Deferred::Boxed(t, p) => (Kind::MayRunOcaml, Release::new(boxed_free, t, p as usize)),
            Deferred::Notify(f, data) => (Kind::MayRunOcaml, Release::new(notify, f as usize, data as usize)),
        }
    };
    deferred::push(kind, r);
}

/// Any closure's reference (a binding's, through the C API).
///
/// # Safety
/// `Release::new`'s: domain lock held, not in a finalizer; `c` owns a reference.
unsafe fn closure_unref(c: usize, _: usize) {
    let c = c as *mut GClosure;
    // SAFETY: precondition; the closure is alive (this reference).
    unsafe {
        owners::closure_released(c);
        glib::gobject_ffi::g_closure_unref(c);
    }
}

/// A `g_closure` handle's reference: the program let go of its closure.
///
/// # Safety
/// As [`closure_unref`]; `c` is one of the library's closures.
unsafe fn handle_unref(c: usize, _: usize) {
    let c = c as *mut GClosure;
    // SAFETY: precondition; the closure is alive (this reference).
    unsafe {
        owners::handle_released(c);
        glib::gobject_ffi::g_closure_unref(c);
    }
}

/// An object's reference: its owner entry first, then the unref, on GTK's
/// thread for a widget.
///
/// # Safety
/// As [`closure_unref`], for an object.
unsafe fn object_unref(o: usize, _: usize) {
    let o = o as *mut GObject;
    // SAFETY: precondition; the object is alive (this reference is not
    // dropped yet).
    unsafe { owners::wrapper_released(o) };
    // SAFETY: live object (this reference).
    if unsafe { affinity::needs_gtk_thread(o) } {
        // SAFETY: this reference is handed over.
        unsafe { affinity::hand_to_main_context(o) }
    } else {
        // SAFETY: this reference, dropped once.
        unsafe { glib::gobject_ffi::g_object_unref(o as *mut _) }
    }
}

/// A GValue made by `Gobject.Value.create`.
///
/// # Safety
/// As [`closure_unref`]; `v` is a `Box<GValue>` made into a raw pointer,
/// initialised, owned by nobody else.
unsafe fn value_free(v: usize, _: usize) {
    // SAFETY: precondition.
    let mut v = unsafe { Box::from_raw(v as *mut GValue) };
    // SAFETY: an initialised GValue owned by nobody else.
    unsafe { glib::gobject_ffi::g_value_unset(&mut *v) }
}

/// A source's reference.
///
/// # Safety
/// As [`closure_unref`], for a source.
unsafe fn source_unref(s: usize, _: usize) {
    // SAFETY: precondition.
    unsafe { glib::ffi::g_source_unref(s as *mut glib::ffi::GSource) }
}

/// A boxed copy.
///
/// # Safety
/// As [`closure_unref`]; `p` is a boxed value of type `t`, owned.
unsafe fn boxed_free(t: usize, p: usize) {
    // SAFETY: precondition.
    unsafe { glib::gobject_ffi::g_boxed_free(t as glib::ffi::GType, p as glib::ffi::gpointer) }
}

/// A binding's own release.
///
/// # Safety
/// As [`closure_unref`]; `f` is an `unsafe extern "C" fn(gpointer)` that
/// the caller handed over with `data`.
unsafe fn notify(f: usize, data: usize) {
    // SAFETY: precondition: `f` was a function pointer of this type.
    let f: unsafe extern "C" fn(glib::ffi::gpointer) = unsafe { std::mem::transmute(f) };
    // SAFETY: the caller handed over `data` for `f`.
    unsafe { f(data as glib::ffi::gpointer) }
}
