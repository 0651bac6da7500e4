//! The life of one closure, top to bottom: create, invoke, invalidate.
//! (Release and shutdown are in `lifecycle`.)
//!
//! * **create**: the OCaml callback is rooted in the registry (Rust-owned
//!   memory); the GClosure's only data is the registry key.
//! * **invoke**: the marshaller checks the domain lock, looks the key up,
//!   and calls the callback only if its entry is live; exceptions never
//!   cross GLib's C frames.
//! * **invalidate**: GLib's invalidate notifier (and its finalize notifier,
//!   for the closures whose invalidation GLib skips) flips the entry's state
//!   and queues its root; nothing else, so it is safe on any thread at any
//!   time.

use std::sync::atomic::{AtomicPtr, Ordering};

use glib::ffi::gpointer;
use glib::gobject_ffi::GValue;
use glib::gobject_ffi::{self as gobj, GClosure};
use glib::translate::FromGlibPtrNone;
use ocaml::root::Root;
use ocaml::sys;

use crate::handles::ArgvHandle;
use crate::invocation::Invocation;
use crate::lifecycle::{self, CallbackRoot, REGISTRY};
use crate::lock;
use crate::registry::{ClosedError, Key};

/// Makes a GClosure that calls the OCaml function `callback` with an
/// `argv`. Returns a new (non-floating) reference.
///
/// # Safety
/// The calling thread holds the domain lock; `callback` is a value of type
/// `argv -> unit`.
pub unsafe fn create(callback: sys::Value) -> Result<*mut GClosure, ClosedError> {
    let key = REGISTRY.insert_with(|| {
        // SAFETY: domain lock held (precondition), so boxroot_create succeeds
        // unless memory runs out.
        let root = unsafe { ocaml_boxroot_sys::boxroot_create(callback) }
            .expect("ocaml-gclosure: boxroot_create failed (out of memory?)");
        CallbackRoot(Root(root), std::sync::atomic::AtomicPtr::new(std::ptr::null_mut()))
    })?;
    // SAFETY: the shim makes a plain GClosure whose data is the key, an
    // integer that GLib never dereferences.
    let c = unsafe { gclosure_shim_closure_new(key as gpointer) };
    // SAFETY: `c` is a fresh closure we own; marshal and notifier have the
    // signatures GLib expects.
    unsafe {
        gobj::g_closure_set_marshal(c, Some(marshal));
        gobj::g_closure_add_invalidate_notifier(c, key as gpointer, Some(on_invalidate));
        // GLib skips invalidation when two threads drop the last two
        // references at once; finalization is never skipped.
        gobj::g_closure_add_finalize_notifier(c, key as gpointer, Some(on_invalidate));
        gobj::g_closure_ref(c);
        gobj::g_closure_sink(c);
    }
    // For shutdown's GLib-side invalidation (see lifecycle::shutdown).
    REGISTRY.with_live(key, |cb| cb.1.store(c, std::sync::atomic::Ordering::Release));
    Ok(c)
}

/// The same closure as a `glib::Closure`, for Rust code.
///
/// # Safety
/// As [`create`].
pub unsafe fn create_glib(callback: sys::Value) -> Result<glib::Closure, ClosedError> {
    // SAFETY: forwarded precondition.
    let c = unsafe { create(callback)? };
    // SAFETY: `c` is a live closure; from_glib_none takes its own reference,
    // then we drop the one `create` returned.
    unsafe {
        let owned = glib::Closure::from_glib_none(c);
        gobj::g_closure_unref(c);
        Ok(owned)
    }
}

/// GLib's invalidate (and finalize) notifier: only the state flip and the
/// queueing; the second call for a closure does nothing.
unsafe extern "C" fn on_invalidate(data: gpointer, _closure: *mut GClosure) {
    REGISTRY.invalidate(data as Key);
}

/// The marshaller of every closure.
unsafe extern "C" fn marshal(
    closure: *mut GClosure,
    ret: *mut GValue,
    n: u32,
    params: *const GValue,
    _hint: gpointer,
    _marshal_data: gpointer,
) {
    if lifecycle::is_closed() {
        return; // shut down: stale closures do nothing
    }
    // A thread without the domain lock (GIO worker, foreign thread, main
    // loop in a blocking section) takes it for the call, then gives it back.
    let _lock = (!lock::held()).then(lock::acquire);
    if lifecycle::is_closed() {
        return; // shut down while this thread waited for the lock
    }
    // SAFETY: GLib passes the closure being invoked, one of ours (this
    // marshaller is set on no other), whose data is its key.
    let key = unsafe { gclosure_shim_closure_data(closure) } as Key;
    let mut inv = Invocation::new(ret, n, params);
    let running = inv.start();
    // Allocate the argv first: this may run the GC, and nothing unrooted is
    // held yet.
    // SAFETY: domain lock held; the value goes to OCaml with no allocation
    // in between.
    let argv_raw = unsafe { ArgvHandle::new_raw(running_inv(&running)) };
    // Then read the root and call at once: no allocation in between, so the
    // callback value cannot move or die before caml_callback roots it.
    let Some(f) = REGISTRY.with_live(key, |r| {
        // SAFETY: domain lock held (checked above).
        unsafe { r.0.get() }
    }) else {
        return; // invalidated or released: do nothing, result stays default
    };
    // SAFETY: domain lock held; `f` is an `argv -> unit` function (create's
    // precondition) and `argv_raw` a live argv block.
    let res = unsafe { sys::caml_callback_exn(f, argv_raw) };
    if sys::is_exception_result(res) {
        // SAFETY: `res` is an exception result from caml_callback_exn.
        unsafe { handle_exception(sys::extract_exception(res)) };
    }
    drop(running);
    // SAFETY: domain lock held (here or taken above); a marshaller is never run by a GC finalizer
    // (finalizers make no GLib call).
    unsafe { lifecycle::safe_point() };
}

fn running_inv<'a>(r: &'a crate::invocation::Running<'_>) -> &'a Invocation {
    r.invocation()
}

extern "C" {
    /// A reference on `closure` unless its count is 0 (being finalized).
    pub(crate) fn gclosure_shim_closure_try_ref(closure: *mut GClosure) -> std::ffi::c_int;
    fn gclosure_shim_closure_new(data: gpointer) -> *mut GClosure;
    fn gclosure_shim_closure_data(closure: *mut GClosure) -> gpointer;
}

static HANDLER: AtomicPtr<sys::Value> = AtomicPtr::new(std::ptr::null_mut());

/// Hands an exception raised by a callback to the OCaml handler registered
/// as `"gclosure.handle_exception"` (see `Gclosure.set_exception_handler`);
/// without one, or if it raises too, prints it on stderr.
///
/// # Safety
/// Domain lock held; `exn` is an exception value.
pub(crate) unsafe fn handle_exception(exn: sys::Value) {
    let mut h = HANDLER.load(Ordering::Acquire);
    if h.is_null() {
        // SAFETY: domain lock held; named values live until exit.
        h = unsafe { sys::caml_named_value(c"gclosure.handle_exception".as_ptr()) } as *mut sys::Value;
        HANDLER.store(h, Ordering::Release);
    }
    if !h.is_null() {
        // SAFETY: the named value is an `exn -> unit` function.
        let r = unsafe { sys::caml_callback_exn(*h, exn) };
        if !sys::is_exception_result(r) {
            return;
        }
    }
    // SAFETY: caml_format_exception returns a malloc'd C string.
    unsafe {
        let s = sys::caml_format_exception(exn);
        eprintln!("ocaml-gclosure: exception in a callback: {}", std::ffi::CStr::from_ptr(s).to_string_lossy());
        libc_free(s as *mut std::ffi::c_void);
    }
}

extern "C" {
    #[link_name = "free"]
    fn libc_free(p: *mut std::ffi::c_void);
}
