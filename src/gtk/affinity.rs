//! GTK's thread: where a widget's last reference must be dropped, and how
//! it gets there from a safe point on another thread.
//!
//! Objects have thread affinity: a widget's last unref runs on GTK's
//! thread. A safe point may be reached on any thread (a GLib worker, a
//! systhread, the GC alarm on another domain), so there a widget's
//! reference is handed to the main context instead (an idle of high
//! priority), where GTK drops it between two frames.

use glib::gobject_ffi::GObject;

/// Whether the last unref of `o` must run on GTK's thread and this is not it.
///
/// # Safety
/// `o` is a live GObject (the caller holds a reference).
#[cfg(feature = "gtk4")]
pub unsafe fn needs_gtk_thread(o: *mut GObject) -> bool {
    // SAFETY: live object (precondition).
    gtk4::is_initialized() && !gtk4::is_initialized_main_thread() && crate::gtk::gtype::is_widget(unsafe { crate::gtk::gtype::class_of(o) })
}

/// Without the `gtk4` feature (a binding's GTK, 3 or 4, on the core): GTK's
/// thread is taken to be the thread that initialised the library (an OCaml
/// program's main thread, or the one that called `Runtime::start`), where
/// GTK bindings call `gtk_init`.
///
/// # Safety
/// As the `gtk4` version.
#[cfg(not(feature = "gtk4"))]
pub unsafe fn needs_gtk_thread(o: *mut GObject) -> bool {
    // SAFETY: live object (precondition).
    MAIN_THREAD.get().is_some_and(|m| *m != std::thread::current().id())
        && crate::gtk::gtype::is_widget(unsafe { crate::gtk::gtype::class_of(o) })
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

/// The idle that drops a reference on GTK's thread.
///
/// # Safety
/// Called by GLib only, once, with the reference `hand_to_main_context` gave it.
unsafe extern "C" fn unref_in_main_context(data: glib::ffi::gpointer) -> glib::ffi::gboolean {
    // SAFETY: `data` is the reference `hand_to_main_context` gave this idle.
    unsafe { glib::gobject_ffi::g_object_unref(data as *mut _) };
    glib::ffi::G_SOURCE_REMOVE
}

/// Drops `o`'s reference on the default main context's thread (GTK's).
///
/// # Safety
/// The caller owns one reference on `o`, which this takes.
pub unsafe fn hand_to_main_context(o: *mut GObject) {
    // SAFETY: g_idle_add_full is thread-safe; the idle owns the reference
    // (precondition) and drops it once.
    unsafe {
        glib::ffi::g_idle_add_full(glib::ffi::G_PRIORITY_HIGH, Some(unref_in_main_context), o as glib::ffi::gpointer, None);
    }
}
