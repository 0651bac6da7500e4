//! GLib references whose release waits for a safe point.
//!
//! OCaml's GC finalizers of this crate's custom blocks (objects, closures,
//! values) only [`push`] here: no OCaml runtime call and no GLib call from
//! inside the GC. [`release_all`] drops the references later, from a thread
//! that holds the domain lock (see `safepoint`), where dispose handlers and
//! signal emissions are harmless.
//!
//! Objects have thread affinity: a widget's last unref runs on GTK's
//! thread. A safe point may be reached on any thread (a GLib worker, a
//! systhread, the GC alarm on another domain), so there a widget's
//! reference is handed to the main context instead (an idle of high
//! priority), where GTK drops it between two frames.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use glib::gobject_ffi::GValue;
use glib::gobject_ffi::{GClosure, GObject};

use crate::core::spare::Spare;

/// One reference to drop.
pub enum Deferred {
    /// A `g_object_unref`.
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

// SAFETY: each variant owns one reference (or the value itself); GLib's
// reference counts are atomic, so the release may happen on another thread.
unsafe impl Send for Deferred {}

/// Closure references (their release runs no OCaml code) apart from
/// objects and values (whose release may), so that the entry safe point
/// never scans past what it may release.
static CLOSURES: Mutex<Vec<OwnedClosure>> = Mutex::new(Vec::new());
static OTHERS: Mutex<Vec<Deferred>> = Mutex::new(Vec::new());
static QUEUED_CLOSURES: AtomicUsize = AtomicUsize::new(0);
/// The queues' buffers, kept between bursts (see `spare`).
static SPARE_CLOSURES: Spare<OwnedClosure> = Spare::new();
static SPARE_OTHERS: Spare<Deferred> = Spare::new();
static QUEUED_OTHERS: AtomicUsize = AtomicUsize::new(0);

/// One closure reference waiting in the queue, and whether it was a
/// `g_closure` handle's.
struct OwnedClosure(*mut GClosure, bool);

// SAFETY: as for `Deferred`: it owns one reference, and GLib's closure
// reference counts are atomic.
unsafe impl Send for OwnedClosure {}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Queues a release. Safe inside a GC finalizer: takes a short Rust lock
/// that no holder keeps while calling OCaml or GLib, and allocates only
/// with Rust's allocator.
pub fn push(d: Deferred) {
    match d {
        Deferred::Closure(c) | Deferred::Handle(c) => {
            let handle = matches!(d, Deferred::Handle(_));
            let mut q = lock(&CLOSURES);
            q.push(OwnedClosure(c, handle));
            QUEUED_CLOSURES.store(q.len(), Ordering::Release);
        }
        d => {
            let mut q = lock(&OTHERS);
            q.push(d);
            QUEUED_OTHERS.store(q.len(), Ordering::Release);
        }
    }
}

/// Whether a release waits (two atomic loads).
pub fn has_queued() -> bool {
    has_queued_closures() || QUEUED_OTHERS.load(Ordering::Acquire) > 0
}

/// Whether a closure reference waits (one atomic load).
pub fn has_queued_closures() -> bool {
    QUEUED_CLOSURES.load(Ordering::Acquire) > 0
}

/// Drops the queued closure references only, which never run OCaml code
/// (a closure's notifiers are the registry's); objects and values stay
/// queued for [`release_all`]. Returns how many were dropped.
///
/// # Safety
/// The caller holds the domain lock and is not inside a GC finalizer.
pub unsafe fn release_closures() -> usize {
    let mut closures = swap_out(&CLOSURES, &QUEUED_CLOSURES, &SPARE_CLOSURES);
    let n = closures.len();
    for c in closures.drain(..) {
        if c.1 {
            // SAFETY: domain lock held, not in a finalizer (precondition);
            // a handle's closure is ours, alive (this reference).
            unsafe { crate::ocaml::owners::handle_released(c.0) };
        } else {
            // SAFETY: as above; any closure, alive (this reference).
            unsafe { crate::ocaml::owners::closure_released(c.0) };
        }
        // SAFETY: each owns one reference (pushed by its handle's finalizer).
        unsafe { glib::gobject_ffi::g_closure_unref(c.0) };
    }
    SPARE_CLOSURES.keep(closures);
    n
}

/// The queue `q`'s contents, leaving it the spare buffer (empty) for the
/// pushes that follow.
fn swap_out<T>(q: &Mutex<Vec<T>>, queued: &AtomicUsize, spare: &Spare<T>) -> Vec<T> {
    let mut batch = spare.take();
    let mut q = lock(q);
    queued.store(0, Ordering::Release);
    std::mem::swap(&mut *q, &mut batch);
    batch
}

/// Drops every queued reference; returns how many.
///
/// # Safety
/// The caller holds the domain lock and is not inside a GC finalizer:
/// dropping a reference can run GLib dispose code that emits signals into
/// OCaml.
pub unsafe fn release_all() -> usize {
    // SAFETY: forwarded precondition.
    let closures = unsafe { release_closures() };
    let mut items = swap_out(&OTHERS, &QUEUED_OTHERS, &SPARE_OTHERS);
    let n = items.len();
    for d in items.drain(..) {
        if let Deferred::Object(o) = d {
            // SAFETY: domain lock held, not in a finalizer (precondition);
            // the object is alive (this reference is not dropped yet).
            unsafe { crate::ocaml::owners::wrapper_released(o) };
        }
        match d {
            Deferred::Object(o) if needs_gtk_thread(o) => hand_to_main_context(o),
            // SAFETY: the variant owns this reference (pushed by its handle's finalizer).
            Deferred::Object(o) => unsafe { glib::gobject_ffi::g_object_unref(o as *mut _) },
            // SAFETY: as above, for a closure reference.
            Deferred::Closure(c) | Deferred::Handle(c) => unsafe { glib::gobject_ffi::g_closure_unref(c) },
            Deferred::Value(mut v) => {
                // SAFETY: the box holds an initialised GValue owned by nobody else.
                unsafe { glib::gobject_ffi::g_value_unset(&mut *v) }
            }
            // SAFETY: the variant owns this reference (pushed by its handle's finalizer).
            Deferred::Source(src) => unsafe { glib::ffi::g_source_unref(src) },
            // SAFETY: the variant owns this boxed copy (pushed by the C API).
            Deferred::Boxed(t, p) => unsafe { glib::gobject_ffi::g_boxed_free(t, p) },
            // SAFETY: the C API's caller handed over `data` for `f`.
            Deferred::Notify(f, data) => unsafe { f(data) },
        }
    }
    SPARE_OTHERS.keep(items);
    n + closures
}

/// Whether the last unref of `o` must run on GTK's thread and this is not it.
#[cfg(feature = "gtk4")]
pub(crate) fn needs_gtk_thread(o: *mut GObject) -> bool {
    gtk4::is_initialized() && !gtk4::is_initialized_main_thread() && crate::gtk::gtype::is_widget(crate::gtk::gtype::class_of(o))
}

/// Without the `gtk4` feature (a binding's GTK, 3 or 4, on the core): GTK's
/// thread is taken to be the thread that initialised the library (an OCaml
/// program's main thread, or the one that called `Runtime::start`), where
/// GTK bindings call `gtk_init`.
#[cfg(not(feature = "gtk4"))]
pub(crate) fn needs_gtk_thread(o: *mut GObject) -> bool {
    MAIN_THREAD.get().is_some_and(|m| *m != std::thread::current().id())
        && crate::gtk::gtype::is_widget(crate::gtk::gtype::class_of(o))
}

/// The thread that initialised the library (see `needs_gtk_thread`).
#[cfg(not(feature = "gtk4"))]
static MAIN_THREAD: std::sync::OnceLock<std::thread::ThreadId> = std::sync::OnceLock::new();

/// Records the calling thread as GTK's (the first call wins). Called when
/// the library initialises.
pub fn note_main_thread() {
    #[cfg(not(feature = "gtk4"))]
    let _ = MAIN_THREAD.set(std::thread::current().id());
}

unsafe extern "C" fn unref_in_main_context(data: glib::ffi::gpointer) -> glib::ffi::gboolean {
    // SAFETY: `data` is the reference `hand_to_main_context` gave this idle.
    unsafe { glib::gobject_ffi::g_object_unref(data as *mut _) };
    glib::ffi::G_SOURCE_REMOVE
}

/// Drops `o`'s reference on the default main context's thread (GTK's).
fn hand_to_main_context(o: *mut GObject) {
    // SAFETY: g_idle_add_full is thread-safe; the idle owns the reference
    // and drops it once.
    unsafe {
        glib::ffi::g_idle_add_full(glib::ffi::G_PRIORITY_HIGH, Some(unref_in_main_context), o as glib::ffi::gpointer, None);
    }
}
