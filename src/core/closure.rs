//! The life of one closure in the core, top to bottom: create, invoke,
//! invalidate. (What a closure's callback receives and which marshaller
//! calls [`invoke`] are the layers': the library's own in `ocaml::argv`, a
//! binding's in `capi`. Release is `core::safepoint`'s, the library's life
//! `core::lifecycle`'s, the ordered shutdown `ocaml::shutdown`'s;
//! docs/design.md walks the whole life.)
//!
//! * **create** ([`create_raw`]): the OCaml callback is rooted in the
//!   registry (`core::callbacks`, Rust-owned memory); the GClosure's only
//!   data is the registry key.
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
use crate::core::root::{Root, SharedRoot};
use ocaml::sys;

use crate::core::invocation::Invocation;
use crate::core::lifecycle::{self, Accept};
use crate::core::local_root::LocalRoot;
use crate::core::lock;
use crate::core::callbacks::{CallbackRoot, REGISTRY};
use crate::core::registry::{ClosedError, Key};
use crate::core::safepoint;
use crate::core::token::Domain;

/// Which marshaller a closure gets.
pub(crate) enum Marshal {
    /// `marshal`, a marshaller that calls [`invoke`] (the library's own:
    /// `ocaml::argv`, whose `argv` is a `Gobject.Closure.argv` handle).
    Plain(gobj::GClosureMarshal),
    /// A binding's, through the C API: [`marshal`]'s work with the binding's
    /// argv builder (`data`, passed back to `meta` as its marshal data; it
    /// outlives the closure).
    Meta { meta: gobj::GClosureMarshal, data: gpointer },
}

/// The marshaller of the closures made with [`Marshal::Plain`] (there is
/// one: the library's own, `ocaml::argv`), as an address; 0 before the
/// first.
static PLAIN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Whether `closure` has the library's own marshaller (a `g_closure` of
/// `Closure.create`, or the Rust API's: made with [`Marshal::Plain`]), not
/// the C API's or another's.
///
/// # Safety
/// `closure` is a live GClosure.
pub(crate) unsafe fn has_plain_marshal(closure: *mut GClosure) -> bool {
    // SAFETY: precondition; a field read.
    let m = unsafe { gclosure_closure_marshal(closure) };
    m != 0 && m == PLAIN.load(Ordering::Relaxed)
}

/// Makes the GClosure (floating, as GLib made it) whose data is the
/// registry key of `callback`.
///
/// # Safety
/// The calling thread holds the domain lock, inside the library; `callback`
/// roots a value of the type the marshaller passes its argv to (`argv ->
/// unit` for the library's own); `marshal` (or `meta`) calls [`invoke`] with
/// GLib's arguments, and `data` is valid for `meta` for the closure's life.
pub(crate) unsafe fn create_raw(callback: Root, how: Marshal) -> Result<*mut GClosure, ClosedError> {
    // SAFETY: the shim makes a plain floating GClosure; its data is set
    // below, before anything can invoke it or call a notifier.
    let c = unsafe { gclosure_shim_closure_new() };
    // The entry knows its closure from the start (for shutdown's GLib-side
    // invalidation, see `shutdown`).
    // SAFETY: domain lock held (precondition): no unlocked registry read runs.
    let inserted = unsafe {
        REGISTRY.insert_with(crate::core::callbacks::readers(), || lifecycle::is_open().then(|| CallbackRoot { root: SharedRoot::new(callback), closure: AtomicPtr::new(c), connected: Default::default() }))
    };
    let key = match inserted {
        Ok(key) => key,
        Err(closed) => {
            // SAFETY: `c` is the fresh floating closure made above, with no
            // notifier: sinking and dropping it frees it.
            unsafe {
                gobj::g_closure_ref(c);
                gobj::g_closure_sink(c);
                gobj::g_closure_unref(c);
            }
            return Err(closed);
        }
    };
    // SAFETY: `c` is a fresh closure we own; its data is the key, an
    // integer that GLib never dereferences; marshal and notifiers have the
    // signatures GLib expects.
    unsafe {
        gclosure_shim_closure_set_data(c, key as gpointer);
        match how {
            Marshal::Plain(marshal) => {
                PLAIN.store(marshal.map_or(0, |m| m as usize), Ordering::Relaxed);
                gobj::g_closure_set_marshal(c, marshal)
            }
            Marshal::Meta { meta, data } => gobj::g_closure_set_meta_marshal(c, data, meta),
        }
        gobj::g_closure_add_invalidate_notifier(c, key as gpointer, Some(on_invalidate));
        // GLib skips invalidation when two threads drop the last two
        // references at once; finalization is never skipped.
        gobj::g_closure_add_finalize_notifier(c, key as gpointer, Some(on_finalize));
    }
    Ok(c)
}

/// The registry key of a closure made by [`create_raw`].
///
/// # Safety
/// `closure` is a live closure made by [`create_raw`].
pub(crate) unsafe fn key_of(closure: *mut GClosure) -> Key {
    // SAFETY: precondition: its data is its key.
    unsafe { gclosure_shim_closure_data(closure) as Key }
}

/// GLib's invalidate notifier: only the state flip and the queueing; a
/// second call for a closure does nothing.
unsafe extern "C" fn on_invalidate(data: gpointer, _closure: *mut GClosure) {
    invalidate(data as Key);
}

/// The registry's Live → Invalidated, without the slots' lock on a thread
/// that holds the only running domain's lock (a safe point's unref: the
/// usual case), with it elsewhere (GLib's threads, a Rust host's thread
/// between calls).
/// A thread without a domain lock other than a Rust host's own (a GLib
/// worker) also marks that such threads run our notifiers (see
/// [`foreign_notifiers_seen`]): the Rust host's thread is the one that
/// runs its shutdown, so its notifiers never race with it.
#[inline(always)]
fn invalidate(key: Key) {
    let held = lock::held();
    if held && lock::domain_alone() {
        // SAFETY: this thread holds the only running domain's lock, and the
        // registry's writers run only under a domain lock.
        unsafe { REGISTRY.invalidate_unlocked(key) };
    } else {
        if !held && !crate::core::thread::is_host() {
            FOREIGN_NOTIFIERS.store(true, Ordering::Relaxed);
        }
        REGISTRY.invalidate(key);
    }
}

/// A thread that holds no domain lock has invalidated one of our closures.
static FOREIGN_NOTIFIERS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether a thread without a domain lock (one that may never have entered
/// the library: a GLib worker dropping the last reference of an object and
/// its handlers) has ever invalidated one of our closures. Shutdown's
/// GLib-side invalidation is skipped then: GLib does not support a closure
/// invalidated on one thread while another disconnects its handler.
pub fn foreign_notifiers_seen() -> bool {
    FOREIGN_NOTIFIERS.load(Ordering::Relaxed)
}

/// GLib's finalize notifier: [`on_invalidate`], unless GLib invalidated the
/// closure before (then `on_invalidate` has run and returned: the usual
/// case, which costs no registry lock).
/// Then, before GLib frees the closure, [`crate::core::scan::before_free`].
unsafe extern "C" fn on_finalize(data: gpointer, closure: *mut GClosure) {
    // SAFETY: GLib passes the closure being finalized, still allocated.
    if unsafe { gclosure_shim_closure_is_invalid(closure) } == 0 {
        invalidate(data as Key);
    }
    crate::core::scan::before_free();
}

/// How the marshaller makes the value the callback receives, and what it
/// does around the call. The library's own is `ocaml::argv::DefaultArgv`; the C API's
/// calls a binding's builder (`capi`). Monomorphised: the default path
/// pays nothing for the others.
pub(crate) trait ArgvBuilder {
    /// Whether `on_exception` and `finish` do anything (a compile-time
    /// switch: the library's own path skips them).
    const HOOKS: bool = true;
    /// Builds the argv for the running invocation `inv`. May allocate; the
    /// result stays valid until the next allocation (with hooks, the
    /// marshaller roots it at once, [`invoke_hooked`]). `None`: the
    /// callback is not run. With hooks it runs marked as a callback
    /// (outside the library), as `finish` does.
    ///
    /// # Safety
    /// Domain lock held, inside the library, `inv` running.
    unsafe fn build(&self, inv: &Invocation) -> Option<sys::Value>;
    /// A callback raised `exn` (rooted by the caller); runs before the
    /// library's exception handler.
    ///
    /// # Safety
    /// Domain lock held.
    #[inline(always)]
    unsafe fn on_exception(&self, _exn: sys::Value) {}
    /// After the callback (and its exception's handling), the invocation
    /// still running; `argv` is the built value, as rooted now. Runs
    /// marked as a callback (outside the library).
    ///
    /// # Safety
    /// Domain lock held, `inv` running.
    #[inline(always)]
    unsafe fn finish(&self, _inv: &Invocation, _argv: sys::Value, _raised: bool) {}
}

/// A marshaller's work: the library's own (`ocaml::argv`) or a binding's
/// (`capi`).
///
/// # Safety
/// GLib's arguments for a closure made by [`create_raw`].
pub(crate) unsafe fn invoke<A: ArgvBuilder>(
    closure: *mut GClosure,
    ret: *mut GValue,
    n: u32,
    params: *const GValue,
    hint: gpointer,
    argv: &A,
) {
    // The library's state first: Closed, or Exiting for a thread the
    // runtime does not own, does nothing; Exiting parks an OCaml thread.
    let Ok(inside) = lifecycle::enter(Accept::OpenOnly) else { return };
    // A thread without the domain lock (GIO worker, foreign thread, main
    // loop in a blocking section) takes it for the call, then gives it
    // back. The wait for it is not counted as inside the library.
    let _lock = lifecycle::lock_for_call();
    if !lifecycle::is_open() {
        // Shut down while this thread waited. One that came from GLib gives
        // the lock back and goes back there.
        return;
    }
    // SAFETY: GLib passes the closure being invoked, one of ours (this
    // marshaller is set on no other), whose data is its key.
    let key = unsafe { gclosure_shim_closure_data(closure) } as Key;
    let mut inv = Invocation::new(ret, n, params);
    inv.closure = closure;
    inv.hint = hint;
    let running = inv.start();
    if A::HOOKS {
        // SAFETY: domain lock held, inside the library; `running` runs.
        unsafe { invoke_hooked(key, running.invocation(), argv) };
        drop(running);
        if lifecycle::is_open() {
            // SAFETY: as below.
            safepoint::safe_point(unsafe { Domain::assume(&inside) });
        }
        return;
    }
    // Allocate the argv first: this may run the GC, and nothing unrooted is
    // held yet.
    // SAFETY: domain lock held, inside the library; the value goes to OCaml
    // with no allocation in between.
    let Some(held) = (unsafe { argv.build(running.invocation()) }) else { return };
    // Then read the root and call at once: no allocation in between, so the
    // callback value cannot move or die before caml_callback roots it.
    // SAFETY: domain lock held.
    let Some(f) = (unsafe { read_callback(key) }) else { return };
    let res = {
        // OCaml code runs: not inside the library meanwhile. Coming back
        // parks this thread if the exit began (it would return into OCaml).
        let _in_ocaml = lifecycle::suspend_for_callback();
        // SAFETY: domain lock held; `f` is an `argv -> unit` function
        // (create's precondition) read with no allocation since, and the
        // argv a live value.
        unsafe { sys::caml_callback_exn(f, held) }
    };
    // Past this point a thread that came from GLib without the lock may
    // find the exit begun (an OCaml thread would have parked): it then
    // runs no more OCaml code and goes back to GLib.
    if sys::is_exception_result(res) && lifecycle::life() != lifecycle::Life::Exiting {
        // SAFETY: `res` is an exception result from caml_callback_exn.
        unsafe { handle_exception(sys::extract_exception(res)) };
    }
    drop(running);
    if lifecycle::is_open() {
        // SAFETY: domain lock held (taken above if it was not), inside the
        // library; a marshaller is never run by a GC finalizer (finalizers
        // make no GLib call).
        safepoint::safe_point(unsafe { Domain::assume(&inside) });
    }
}

/// The callback of a live entry, read from the registry (without its lock
/// when this domain is the only one running): `None` when the closure is
/// invalidated or released, or owned and no longer held. The value is
/// valid until the next allocation.
///
/// # Safety
/// The calling thread holds the domain lock.
#[inline(always)]
unsafe fn read_callback(key: Key) -> Option<sys::Value> {
    // SAFETY (the closure): domain lock held (precondition).
    let read = |r: &CallbackRoot| unsafe { r.root.get() };
    // When this domain is the only one, its lock (held) already keeps the
    // registry's writers out: no lock to take, no atomic read-modify-write.
    let record = if lock::domain_alone() {
        // SAFETY: this thread holds the only running domain's lock, and the
        // registry's writers run only under a domain lock.
        unsafe { REGISTRY.with_live_unlocked(key, read) }
    } else {
        // SAFETY: domain lock held (precondition); every writer passes
        // `callbacks::readers()`, AnyDomain while domains other than its
        // own run; `read` only reads a root's cell.
        unsafe { REGISTRY.with_live_fenced(key, read) }
    }?;
    // The root holds the callback (a function: its tag is not 0), or,
    // once the closure is owned, its record (`owners`, tag 0), through
    // which the callback is read with no allocation and no OCaml code.
    // SAFETY: domain lock held; `record` is a block (no allocation since).
    let f = if unsafe { sys::tag_val(record) } != 0 {
        record
    } else {
        // SAFETY: as above; a record of `owners`.
        unsafe { gclosure_record_get(record) }
    };
    (f != sys::UNIT).then_some(f)
}

/// [`invoke`]'s work for a binding's argv and hooks (the C API): the
/// callback is read first and kept, with the argv, in two local roots of
/// this frame; `build_argv`, the callback and `finish` then run under one
/// callback mark (three before: 2 fewer marks per invocation, issue 25).
/// A closure invalidated while `build_argv` runs is still called this
/// once, as one invalidated while its callback runs.
///
/// # Safety
/// Domain lock held, inside the library; `inv` is running.
#[inline(always)]
unsafe fn invoke_hooked<A: ArgvBuilder>(key: Key, inv: &Invocation, argv: &A) {
    // SAFETY: domain lock held (precondition).
    let Some(f) = (unsafe { read_callback(key) }) else { return };
    let frame = LocalRoot::new();
    // SAFETY: domain lock held until the guard drops (it drops before
    // `invoke`'s `_lock`); `f` valid (no allocation since); OCaml code
    // and stubs pop their own frames first.
    let roots = unsafe { frame.push(f, sys::UNIT) };
    // The binding's C code, then OCaml code: not inside the library.
    // Coming back parks this thread if the exit began.
    let outside = lifecycle::suspend_for_callback();
    // SAFETY: domain lock held, `inv` running; the result is rooted at once.
    let Some(built) = (unsafe { argv.build(inv) }) else { return };
    // SAFETY: domain lock held; the callback and the argv as rooted now.
    let res = unsafe {
        roots.set(1, built);
        sys::caml_callback_exn(roots.get(0), roots.get(1))
    };
    if lifecycle::life() == lifecycle::Life::Exiting {
        // An OCaml thread parks in this drop; one that came from GLib runs
        // no more OCaml code and goes back to GLib.
        drop(outside);
        return;
    }
    if !sys::is_exception_result(res) {
        // SAFETY: domain lock held; the invocation still runs; the argv rooted.
        unsafe { argv.finish(inv, roots.get(1), false) };
        drop(outside);
        return;
    }
    // The exception's handling is the library's code: inside again.
    drop(outside);
    // SAFETY: `res` is an exception result from caml_callback_exn; no
    // allocation since.
    unsafe { handle_exception_with(sys::extract_exception(res), |e| argv.on_exception(e)) };
    let _outside = lifecycle::suspend_for_callback();
    // SAFETY: as above.
    unsafe { argv.finish(inv, roots.get(1), true) };
}

extern "C" {
    fn gclosure_shim_closure_new() -> *mut GClosure;
    /// The closure's `marshal` field, as an address (0: none).
    fn gclosure_closure_marshal(closure: *mut GClosure) -> usize;
    fn gclosure_shim_closure_data(closure: *mut GClosure) -> gpointer;
    fn gclosure_shim_closure_set_data(closure: *mut GClosure, data: gpointer);
    fn gclosure_shim_closure_is_invalid(closure: *mut GClosure) -> std::ffi::c_int;
    /// The callback of an owned closure's record (`ocaml::owners`, made in
    /// `owners_gc.c`), or `()`: no allocation, no OCaml code.
    fn gclosure_record_get(record: sys::Value) -> sys::Value;
}

static HANDLER: AtomicPtr<sys::Value> = AtomicPtr::new(std::ptr::null_mut());

/// Hands an exception raised by a callback to the OCaml handler registered
/// as `"gclosure.handle_exception"` (see `Gclosure.set_exception_handler`);
/// without one, or if it raises too, prints it on stderr.
///
/// # Safety
/// Domain lock held, inside the library; `exn` is an exception value.
pub(crate) unsafe fn handle_exception(exn: sys::Value) {
    // SAFETY: forwarded precondition.
    unsafe { handle_exception_with(exn, |_| ()) }
}

/// [`handle_exception`], with `first` run on the rooted exception before
/// the handler (a binding's hook).
///
/// # Safety
/// As [`handle_exception`]; `first` may allocate.
pub(crate) unsafe fn handle_exception_with(exn: sys::Value, first: impl FnOnce(sys::Value)) {
    let mut h = HANDLER.load(Ordering::Acquire);
    if h.is_null() {
        // SAFETY: domain lock held; named values live until exit.
        h = unsafe { sys::caml_named_value(c"gclosure.handle_exception".as_ptr()) } as *mut sys::Value;
        HANDLER.store(h, Ordering::Release);
    }
    // The handler runs OCaml code, which may move `exn`: rooted across it.
    // SAFETY: domain lock held.
    let Some(exn) = (unsafe { Root::new(exn) }) else { return };
    // SAFETY: domain lock held; the exception is rooted across the hook.
    first(unsafe { exn.get() });
    if !h.is_null() {
        let r = {
            let _in_ocaml = lifecycle::suspend_for_callback();
            // SAFETY: the named value is an `exn -> unit` function.
            unsafe { sys::caml_callback_exn(*h, exn.get()) }
        };
        if !sys::is_exception_result(r) {
            return;
        }
    }
    // SAFETY: caml_format_exception returns a malloc'd C string.
    unsafe {
        let s = sys::caml_format_exception(exn.get());
        eprintln!("ocaml-gclosure: exception in a callback: {}", std::ffi::CStr::from_ptr(s).to_string_lossy());
        libc_free(s as *mut std::ffi::c_void);
    }
}

extern "C" {
    #[link_name = "free"]
    fn libc_free(p: *mut std::ffi::c_void);
}
