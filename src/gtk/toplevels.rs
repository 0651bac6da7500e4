//! Destroyed GTK 4 toplevels are disposed (design invariant 12).
//!
//! GTK 3's `gtk_widget_destroy` ran dispose: the window's handlers were
//! destroyed and its children unparented, so a cycle through the window
//! (window → button → handler → OCaml closure → window) was broken when the
//! window was closed. GTK 4's `gtk_window_destroy` only hides the window,
//! takes it out of GTK's list of toplevels and drops GTK's reference: such a
//! cycle then keeps the whole dialog alive until the program exits.
//!
//! This module restores GTK 3's behaviour for every program on the library,
//! whatever its binding (the `Gtk4` module, or ocgtk through the C API, which
//! does nothing for it). Once GTK 4 is initialised, it watches GTK's list of
//! toplevels (`gtk_window_get_toplevels`, a `GListModel`, signal
//! "items-changed"), keeping its own copy of the list to know which windows
//! an update removed. A window leaves that list only when it is destroyed
//! (`gtk_window_destroy`) or disposed; hiding it keeps it listed. The
//! handler, which runs on GTK's thread, takes a reference to each removed
//! window and queues it; it calls no OCaml and disposes nothing. At the next
//! full safe point on GTK's thread ([`dispose_queued`], called by
//! `safepoint::flush`: the end of a callback, `Gclosure.flush`, the GC
//! alarm, and an idle this module adds to GTK's main context for windows
//! destroyed from C with no OCaml code to follow), each queued window is
//! `g_object_run_dispose`d and its reference dropped. That is never inside
//! a GC finalizer, always with the domain lock, and always on the thread
//! that owns GTK (invariant 10): a safe point reached on another thread
//! leaves the queue to GTK's.
//!
//! GTK 4 is found at run time with `dlsym(RTLD_DEFAULT, …)` only: the
//! library never loads it, so a GTK 3 program (whose GTK has no
//! `gtk_window_get_toplevels`) or a program without GTK maps no GTK 4, and
//! the core archive (`gclosure.core.glib`), which does not link GTK, gets
//! the same behaviour as the `Gtk4` module's.

use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU8, AtomicUsize, Ordering};
use std::cell::Cell;
use std::sync::{Mutex, OnceLock};

use glib::ffi::{gboolean, gpointer};
use glib::gobject_ffi::{self as gobj, GObject};

use crate::core::lifecycle;

/// An opaque `GListModel`.
#[repr(C)]
struct GListModel {
    _private: [u8; 0],
}

/// The GTK 4 and GIO functions this module calls, found by `dlsym`.
struct Gtk {
    is_initialized: unsafe extern "C" fn() -> gboolean,
    get_toplevels: unsafe extern "C" fn() -> *mut GListModel,
    n_items: unsafe extern "C" fn(*mut GListModel) -> u32,
    get_item: unsafe extern "C" fn(*mut GListModel, u32) -> gpointer,
}

extern "C" {
    fn dlsym(handle: *mut std::ffi::c_void, symbol: *const std::ffi::c_char) -> *mut std::ffi::c_void;
}

/// The address of `name` among the libraries the process has loaded.
fn symbol(name: &std::ffi::CStr) -> Option<*mut std::ffi::c_void> {
    // SAFETY: RTLD_DEFAULT (null) searches the global symbol table and loads
    // nothing; `name` is a NUL-terminated string that outlives the call.
    let p = unsafe { dlsym(std::ptr::null_mut(), name.as_ptr()) };
    (!p.is_null()).then_some(p)
}

/// GTK 4's functions if GTK 4 is in the process (looked up once: a GTK a
/// program links is loaded before the library runs).
fn gtk() -> Option<&'static Gtk> {
    static GTK: OnceLock<Option<Gtk>> = OnceLock::new();
    GTK.get_or_init(|| {
        // gtk_window_get_toplevels and gtk_is_initialized exist in GTK 4
        // only (GTK 3 has gtk_window_list_toplevels).
        let is_initialized = symbol(c"gtk_is_initialized")?;
        let get_toplevels = symbol(c"gtk_window_get_toplevels")?;
        let n_items = symbol(c"g_list_model_get_n_items")?;
        let get_item = symbol(c"g_list_model_get_item")?;
        // SAFETY: these are GTK 4's and GIO's public functions with these
        // signatures (gtk/gtkmain.h, gtk/gtkwindow.h, gio/glistmodel.h).
        unsafe {
            Some(Gtk {
                is_initialized: std::mem::transmute::<*mut std::ffi::c_void, unsafe extern "C" fn() -> gboolean>(
                    is_initialized,
                ),
                get_toplevels: std::mem::transmute::<*mut std::ffi::c_void, unsafe extern "C" fn() -> *mut GListModel>(
                    get_toplevels,
                ),
                n_items: std::mem::transmute::<*mut std::ffi::c_void, unsafe extern "C" fn(*mut GListModel) -> u32>(
                    n_items,
                ),
                get_item: std::mem::transmute::<*mut std::ffi::c_void, unsafe extern "C" fn(*mut GListModel, u32) -> gpointer>(
                    get_item,
                ),
            })
        }
    })
    .as_ref()
}

/// Not looked at yet, or GTK 4 present but not initialised (or not on its
/// thread yet): [`notice`] tries again.
const WAITING: u8 = 0;
/// No GTK 4 in the process: nothing to do, ever.
const ABSENT: u8 = 1;
/// Watching GTK's list of toplevels.
const WATCHING: u8 = 2;
/// One thread is connecting to the list (so that no two connect).
const CONNECTING: u8 = 3;

static STATE: AtomicU8 = AtomicU8::new(WAITING);

thread_local! {
    /// Set on the thread that connected to the list: GTK's (the list is
    /// only changed there). Thread-local flags, not `std::thread::current`,
    /// which allocates a handle that valgrind reports as possibly lost.
    static GTK_THREAD: Cell<bool> = const { Cell::new(false) };
    /// Set on the thread that initialised the library (see [`on_gtk_thread`]).
    static INIT_THREAD: Cell<bool> = const { Cell::new(false) };
}

/// GTK's list of toplevels as last seen (windows' addresses, in order).
/// Only pointer identity is used: a listed window is alive (the list holds
/// a reference), and the handler takes its own reference before the window
/// can go.
static MIRROR: Mutex<Vec<usize>> = Mutex::new(Vec::new());
/// Destroyed windows waiting for their dispose, one reference each.
static QUEUE: Mutex<Vec<usize>> = Mutex::new(Vec::new());
static QUEUED: AtomicUsize = AtomicUsize::new(0);
/// Whether an idle of [`dispose_in_idle`] is pending on the main context.
static IDLE_PENDING: AtomicBool = AtomicBool::new(false);

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Records the calling thread as the one that initialised the library
/// (the first call wins). Called when the library initialises.
pub fn note_init_thread() {
    static NOTED: AtomicBool = AtomicBool::new(false);
    if !NOTED.swap(true, Ordering::AcqRel) {
        INIT_THREAD.with(|t| t.set(true));
    }
}

/// Starts watching GTK's list of toplevels if GTK 4 is initialised and this
/// is its thread; otherwise does nothing (one atomic load once watching, or
/// once GTK 4 is known to be absent). Called where a program on the library
/// is about to need it: closure creation (both APIs), the `Gtk4` module's
/// GTK calls, and full safe points.
#[inline]
pub fn notice() {
    if STATE.load(Ordering::Relaxed) == WAITING {
        not_watching_yet();
    }
}

/// `gtk_is_initialized` once looked up (null before): the one call a
/// closure's creation makes while GTK 4 is present but not initialised
/// (a program that has not started GTK yet, or never does).
static IS_INITIALIZED: AtomicPtr<std::ffi::c_void> = AtomicPtr::new(std::ptr::null_mut());

/// [`notice`]'s path while waiting: a small function (its caller, on the
/// closure-creation path, saves few registers), whose one call is to
/// `gtk_is_initialized` until GTK is initialised.
#[inline(never)]
fn not_watching_yet() {
    let f = IS_INITIALIZED.load(Ordering::Relaxed);
    if !f.is_null() {
        // SAFETY: `f` is gtk_is_initialized (stored by try_watch), which
        // reads a flag and may be called from any thread.
        let is_initialized = unsafe { std::mem::transmute::<*mut std::ffi::c_void, unsafe extern "C" fn() -> gboolean>(f) };
        // SAFETY: as above.
        if unsafe { is_initialized() } == 0 {
            return;
        }
    }
    try_watch();
}

#[cold]
#[inline(never)]
fn try_watch() {
    let Some(g) = gtk() else {
        STATE.store(ABSENT, Ordering::Relaxed);
        return;
    };
    IS_INITIALIZED.store(g.is_initialized as *mut std::ffi::c_void, Ordering::Relaxed);
    // SAFETY: gtk_is_initialized reads a flag; callable from any thread.
    if unsafe { (g.is_initialized)() } == 0 || !on_gtk_thread() || !lifecycle::is_open() {
        return;
    }
    if STATE.compare_exchange(WAITING, CONNECTING, Ordering::AcqRel, Ordering::Relaxed).is_err() {
        return;
    }
    // SAFETY: GTK is initialised and this is its thread (checked above):
    // the list is GTK's own, alive for the process; its items are GtkWindows.
    unsafe {
        let list = (g.get_toplevels)();
        if list.is_null() {
            STATE.store(WAITING, Ordering::Release);
            return;
        }
        GTK_THREAD.with(|t| t.set(true));
        {
            let mut mirror = lock(&MIRROR);
            mirror.clear();
            let n = (g.n_items)(list);
            for i in 0..n {
                mirror.push(item(g, list, i));
            }
        }
        let handler: unsafe extern "C" fn(*mut GListModel, u32, u32, u32, gpointer) = on_items_changed;
        gobj::g_signal_connect_data(
            list as *mut _,
            c"items-changed".as_ptr(),
            Some(std::mem::transmute::<unsafe extern "C" fn(*mut GListModel, u32, u32, u32, gpointer), unsafe extern "C" fn()>(handler)),
            std::ptr::null_mut(),
            None,
            0,
        );
    }
    STATE.store(WATCHING, Ordering::Release);
}

/// The address of item `i` of `list` (its reference dropped at once: the
/// list keeps one).
///
/// # Safety
/// GTK's thread; `list` is GTK's list of toplevels and `i` < its length.
unsafe fn item(g: &Gtk, list: *mut GListModel, i: u32) -> usize {
    // SAFETY: precondition; get_item returns a new reference, dropped here
    // while the list still holds its own.
    unsafe {
        let w = (g.get_item)(list, i);
        if !w.is_null() {
            gobj::g_object_unref(w as *mut _);
        }
        w as usize
    }
}

/// Whether the calling thread is GTK's: it runs GTK's main context (the
/// default one), or it initialised the library (where bindings call
/// `gtk_init`) and no other thread runs that context. Without the `gtk4`
/// feature the crate cannot ask GTK which thread initialised it.
fn on_gtk_thread() -> bool {
    // SAFETY: both are thread-safe GLib calls on the default context, which
    // always exists; a successful acquire is released at once.
    unsafe {
        let ctx = glib::ffi::g_main_context_default();
        if glib::ffi::g_main_context_is_owner(ctx) != 0 {
            return true;
        }
        #[cfg(feature = "gtk4")]
        if gtk4::is_initialized() {
            return gtk4::is_initialized_main_thread();
        }
        if !INIT_THREAD.with(|t| t.get()) {
            return false;
        }
        if glib::ffi::g_main_context_acquire(ctx) == 0 {
            return false; // another thread runs GTK's loop
        }
        glib::ffi::g_main_context_release(ctx);
        true
    }
}

/// "items-changed" of GTK's list of toplevels: windows at
/// `position..position + removed` of the mirror left the list (destroyed
/// or disposed), `added` new ones came in at `position`. Runs on GTK's
/// thread, with or without the domain lock; calls no OCaml code.
unsafe extern "C" fn on_items_changed(list: *mut GListModel, position: u32, removed: u32, added: u32, _: gpointer) {
    let Some(g) = gtk() else { return };
    let open = lifecycle::is_open();
    let mut queued = 0;
    {
        let mut mirror = lock(&MIRROR);
        let start = (position as usize).min(mirror.len());
        let end = (start + removed as usize).min(mirror.len());
        let gone: Vec<usize> = mirror.drain(start..end).collect();
        // SAFETY: GTK's thread (the list is changed only there); items
        // position..position + added exist now.
        let new: Vec<usize> = (0..added).map(|i| unsafe { item(g, list, position + i) }).collect();
        mirror.splice(start..start, new);
        if open && !gone.is_empty() {
            let mut q = lock(&QUEUE);
            for w in gone {
                // SAFETY: a window leaving the list is alive during this
                // emission: gtk_window_destroy holds a reference across its
                // removal, and a window being disposed is referenced by
                // whoever disposes it (the list's own reference made the
                // last unref impossible while it was listed).
                unsafe { gobj::g_object_ref(w as *mut _) };
                q.push(w);
            }
            queued = q.len();
            QUEUED.store(queued, Ordering::Release);
        }
    }
    if queued > 0 && !IDLE_PENDING.swap(true, Ordering::AcqRel) {
        // SAFETY: g_idle_add_full is thread-safe; the idle takes no data.
        unsafe {
            glib::ffi::g_idle_add_full(glib::ffi::G_PRIORITY_HIGH, Some(dispose_in_idle), std::ptr::null_mut(), None);
        }
    }
}

/// Whether a destroyed window waits for its dispose (one atomic load).
#[inline]
pub fn has_queued() -> bool {
    QUEUED.load(Ordering::Acquire) > 0
}

/// Disposes the queued windows and drops their references, if this is
/// GTK's thread (elsewhere they stay queued for GTK's thread). Returns how
/// many. A window's dispose runs its "destroy" handlers (OCaml code),
/// destroys its handlers and unparents its children.
///
/// # Safety
/// The caller holds the domain lock, is inside the library and is not
/// inside a GC finalizer (a full safe point).
pub unsafe fn dispose_queued() -> usize {
    notice();
    if !has_queued() || !GTK_THREAD.with(|t| t.get()) {
        return 0;
    }
    let batch = {
        let mut q = lock(&QUEUE);
        QUEUED.store(0, Ordering::Release);
        std::mem::take(&mut *q)
    };
    for &w in &batch {
        // SAFETY: GTK's thread (checked); each entry owns one reference,
        // taken by `on_items_changed`. Dispose may run OCaml handlers, which
        // the precondition allows; a nested safe point only sees windows
        // queued after this batch was taken.
        unsafe {
            gobj::g_object_run_dispose(w as *mut GObject);
            gobj::g_object_unref(w as *mut _);
        }
    }
    batch.len()
}

/// The idle added when a window is queued: a full safe point on GTK's main
/// context (for a window destroyed by GTK itself, say by its close button,
/// with no OCaml code to follow). Takes the domain lock if the main loop
/// runs without it.
unsafe extern "C" fn dispose_in_idle(_: gpointer) -> gboolean {
    IDLE_PENDING.store(false, Ordering::Release);
    let r = std::panic::catch_unwind(|| {
        // Once the exit has begun the process is ending: nothing to free.
        // After an explicit shutdown the program goes on: a flush is still
        // allowed (as `Gclosure.flush`), and runs no OCaml code.
        if lifecycle::life() == lifecycle::Life::Exiting {
            return;
        }
        let Ok(inside) = lifecycle::enter(lifecycle::Accept::AnyButExit) else { return };
        let lock = lifecycle::lock_for_call();
        if lifecycle::life() != lifecycle::Life::Exiting {
            // SAFETY: the domain lock is held (taken above, or held by the
            // thread that runs the loop), inside the library; an idle is
            // never run by a GC finalizer.
            crate::core::safepoint::flush(unsafe { crate::core::token::Domain::assume(&inside) });
        }
        drop(lock);
        drop(inside);
    });
    if r.is_err() {
        eprintln!("ocaml-gclosure: internal error while disposing destroyed windows (Rust panic)");
    }
    glib::ffi::G_SOURCE_REMOVE
}

/// `core::hooks::windows_queued`'s definition.
#[no_mangle]
fn gclosure_hook_windows_queued() -> bool {
    has_queued()
}

/// `core::hooks::windows_dispose`'s definition.
///
/// # Safety
/// As [`dispose_queued`].
#[no_mangle]
unsafe fn gclosure_hook_windows_dispose() -> usize {
    // SAFETY: forwarded precondition.
    unsafe { dispose_queued() }
}
