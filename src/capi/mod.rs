//! The C API for bindings (`include/gclosure.h`): closures made from a
//! binding's C stubs, with the binding's own argv, and the deferred
//! release callable from its GC finalizers.
//!
//! Everything here forwards to the library's own paths: a closure is made
//! by `closure::create_raw` and invoked by `closure::invoke` (lock,
//! exception, stale-invocation and exit policies), with [`CArgv`] in place
//! of the library's argv handle; releases are `deferred::push`. No function
//! here needs the library's OCaml modules: without the core module's
//! registrations, `Closed` falls back to `Failure` and the exception
//! handler to printing.

use std::ffi::c_int;
use std::panic::{catch_unwind, AssertUnwindSafe};

use glib::ffi::{gpointer, GType};
use glib::gobject_ffi::{GClosure, GObject, GValue};
use crate::core::root::Root;
use ocaml::sys;

use crate::ocaml::boundary::{self, Val};
use crate::core::closure::{self, ArgvBuilder, Marshal};
use crate::ocaml::release::{self as deferred, Deferred};
use crate::ocaml::handles::ArgvHandle;
use crate::core::invocation::Invocation;
use crate::core::lifecycle::{self, Accept};
use crate::core::safepoint;
use crate::core::token::Domain;

/// `ocgc_invocation`: the running invocation (opaque to C).
pub type OcgcInvocation = Invocation;

/// `ocgc_marshal_spec` (layout shared with the header).
#[repr(C)]
pub struct OcgcMarshalSpec {
    build_argv: Option<unsafe extern "C" fn(*const OcgcInvocation, gpointer) -> Val>,
    finish: Option<unsafe extern "C" fn(*const OcgcInvocation, Val, c_int, gpointer)>,
    on_exception: Option<unsafe extern "C" fn(Val, gpointer)>,
    user_data: gpointer,
}

/// A binding's argv: built by its `build_argv` (the argv handle when
/// NULL), rooted across the callback by the marshaller so that `finish`
/// sees it.
struct CArgv<'a>(&'a OcgcMarshalSpec);

impl ArgvBuilder for CArgv<'_> {
    #[inline(always)]
    unsafe fn build(&self, inv: &Invocation) -> Option<Val> {
        Some(match self.0.build_argv {
            // Marked as a callback by the marshaller (`invoke_hooked`): the
            // binding's C code may allocate and run OCaml code.
            // SAFETY: domain lock held, `inv` running (precondition);
            // the header's contract for build_argv.
            Some(f) => unsafe { f(inv, self.0.user_data) },
            // SAFETY: domain lock held, inside the library; rooted at once.
            None => unsafe { ArgvHandle::new_raw(inv) },
        })
    }

    unsafe fn on_exception(&self, exn: Val) {
        if let Some(f) = self.0.on_exception {
            let _outside = lifecycle::suspend_for_callback();
            // SAFETY: domain lock held; `exn` is rooted by the caller.
            unsafe { f(exn, self.0.user_data) }
        }
    }

    unsafe fn finish(&self, inv: &Invocation, argv: Val, raised: bool) {
        if let Some(f) = self.0.finish {
            // Marked as a callback by the marshaller (`invoke_hooked`).
            // SAFETY: domain lock held, `inv` running; the argv is rooted
            // by the marshaller until after this call.
            unsafe { f(inv, argv, raised as c_int, self.0.user_data) }
        }
    }
}

/// The meta marshaller of the C API's closures: the spec is GLib's
/// marshal data. As `closure::marshal`, a panic never leaves it.
unsafe extern "C" fn capi_marshal(
    c: *mut GClosure,
    ret: *mut GValue,
    n: u32,
    params: *const GValue,
    hint: gpointer,
    spec: gpointer,
) {
    let r = catch_unwind(|| {
        // SAFETY: GLib's arguments; `spec` is the OcgcMarshalSpec given to
        // ocgc_closure_new, valid for the closure's life (its contract).
        unsafe { closure::invoke(c, ret, n, params, hint, &CArgv(&*(spec as *const OcgcMarshalSpec))) }
    });
    if r.is_err() {
        eprintln!("ocaml-gclosure: internal error in a closure invocation (Rust panic); the callback was not run");
    }
}

/// Raises `Failure msg`.
///
/// # Safety
/// Domain lock held, called from an OCaml external's C frame, with nothing
/// left to drop in the caller (the exception unwinds through it).
unsafe fn fail(msg: &'static std::ffi::CStr) -> ! {
    // SAFETY: precondition.
    unsafe { sys::caml_failwith(msg.as_ptr()) };
    unreachable!()
}

/// `ocgc_closure_new` (header).
///
/// # Safety
/// - the calling thread holds its domain lock, from an OCaml external (not
///   inside a GC finalizer), and holds no C resource that a raise would
///   leak (this may raise);
/// - `callback` is a valid OCaml value (rooted by the caller or not moved
///   since it was read);
/// - `spec` is NULL (raises `Failure`) or points to an `ocgc_marshal_spec`
///   that stays valid and unchanged for the closure's whole life, whose
///   functions keep the header's contract for them.
#[no_mangle]
pub unsafe extern "C" fn ocgc_closure_new(callback: Val, spec: *const OcgcMarshalSpec) -> *mut GClosure {
    if spec.is_null() {
        // SAFETY: domain lock held (precondition).
        unsafe { fail(c"ocgc_closure_new: spec is NULL") }
    }
    let Ok(inside) = lifecycle::enter(Accept::OpenOnly) else {
        // SAFETY: domain lock held; nothing owned here.
        unsafe { boundary::raise_closed() }
    };
    let made = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: domain lock held, not a finalizer (precondition), inside
        // the library (`inside`).
        safepoint::at_entry(unsafe { Domain::assume(&inside) });
        crate::gtk::toplevels::notice();
        // SAFETY: domain lock held; the root is allocated outside the OCaml heap.
        let root = unsafe { Root::new(callback) }?;
        let how = Marshal::Meta { meta: Some(capi_marshal), data: spec as gpointer };
        // SAFETY: domain lock held, inside the library; capi_marshal calls
        // `invoke`, and `spec` outlives the closure (precondition).
        unsafe { closure::create_raw(root, how) }.ok()
    }));
    drop(inside);
    match made {
        Ok(Some(c)) => c,
        // SAFETY: domain lock held; every Rust value was dropped.
        Ok(None) if !lifecycle::is_open() => unsafe { boundary::raise_closed() },
        // SAFETY: as above.
        Ok(None) => unsafe { fail(c"ocgc_closure_new: cannot root the callback (out of memory)") },
        // SAFETY: as above.
        Err(_) => unsafe { fail(c"ocgc_closure_new: internal error (Rust panic)") },
    }
}

/// `ocgc_closure_own` (header).
///
/// # Safety
/// - the calling thread holds its domain lock, from an OCaml external (not
///   inside a GC finalizer), with its OCaml values registered with the GC
///   (this allocates and may run OCaml code) and no C resource that a
///   raise would leak;
/// - `object` is NULL (raises) or a live `GObject`, on which `wrapper`
///   holds one reference until `wrapper` is collected;
/// - `wrapper` is a valid OCaml value (an immediate raises);
/// - `closure` is NULL (raises) or a live `GClosure` (the caller holds a
///   reference for the call); one not made by `ocgc_closure_new` gives 0.
///
/// No reference changes hands.
#[no_mangle]
pub unsafe extern "C" fn ocgc_closure_own(object: *mut GObject, wrapper: Val, closure: *mut GClosure) -> c_int {
    if object.is_null() || closure.is_null() {
        // SAFETY: domain lock held (precondition); nothing owned here.
        unsafe { sys::caml_invalid_argument(c"ocgc_closure_own: object or closure is NULL".as_ptr()) };
        unreachable!()
    }
    if !sys::is_block(wrapper) {
        // SAFETY: as above.
        unsafe {
            sys::caml_invalid_argument(c"ocgc_closure_own: the wrapper is not a heap block (an int or constant constructor cannot be watched)".as_ptr())
        };
        unreachable!()
    }
    let Ok(inside) = lifecycle::enter(Accept::OpenOnly) else {
        // SAFETY: domain lock held; nothing owned here.
        unsafe { boundary::raise_closed() }
    };
    let r = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: domain lock held, inside the library, not a finalizer
        // (precondition); `object`, `closure` and `wrapper` as required.
        unsafe { crate::ocaml::owners::own_on_release(object, wrapper, closure) }
    }));
    drop(inside);
    match r {
        Ok(Ok(done)) => done as c_int,
        Ok(Err(exn)) => {
            // SAFETY: domain lock held; the exception is read off its root,
            // which is dropped before raising (no allocation between).
            let e = unsafe { exn.get() };
            drop(exn);
            // SAFETY: an exception value; every Rust value was dropped.
            unsafe { sys::caml_raise(e) };
            unreachable!()
        }
        // SAFETY: domain lock held; every Rust value was dropped.
        Err(_) => unsafe { fail(c"ocgc_closure_own: internal error (Rust panic)") },
    }
}

/// `ocgc_invocation_n_params` (header).
///
/// # Safety
/// - `inv` is valid: received by `build_argv`/`finish` during that call, or
///   returned by `ocgc_invocation_of_handle`/`_of_token` while its callback
///   runs, and used on that invocation's thread.
#[no_mangle]
pub unsafe extern "C" fn ocgc_invocation_n_params(inv: *const OcgcInvocation) -> u32 {
    // SAFETY: precondition.
    unsafe { (*inv).n }
}

/// `ocgc_invocation_param` (header).
///
/// # Safety
/// - `inv` is valid: received by `build_argv`/`finish` during that call, or
///   returned by `ocgc_invocation_of_handle`/`_of_token` while its callback
///   runs, and used on that invocation's thread.
#[no_mangle]
pub unsafe extern "C" fn ocgc_invocation_param(inv: *const OcgcInvocation, i: u32) -> *const GValue {
    // SAFETY: precondition.
    unsafe { (*inv).param(i as usize) }.map_or(std::ptr::null(), |p| p as *const GValue)
}

/// `ocgc_invocation_return_value` (header).
///
/// # Safety
/// - `inv` is valid: received by `build_argv`/`finish` during that call, or
///   returned by `ocgc_invocation_of_handle`/`_of_token` while its callback
///   runs, and used on that invocation's thread.
#[no_mangle]
pub unsafe extern "C" fn ocgc_invocation_return_value(inv: *const OcgcInvocation) -> *mut GValue {
    // SAFETY: precondition.
    unsafe { (*inv).ret }
}

/// `ocgc_invocation_closure` (header).
///
/// # Safety
/// - `inv` is valid: received by `build_argv`/`finish` during that call, or
///   returned by `ocgc_invocation_of_handle`/`_of_token` while its callback
///   runs, and used on that invocation's thread.
#[no_mangle]
pub unsafe extern "C" fn ocgc_invocation_closure(inv: *const OcgcInvocation) -> *mut GClosure {
    // SAFETY: precondition.
    unsafe { (*inv).closure }
}

/// `ocgc_invocation_hint` (header).
///
/// # Safety
/// - `inv` is valid: received by `build_argv`/`finish` during that call, or
///   returned by `ocgc_invocation_of_handle`/`_of_token` while its callback
///   runs, and used on that invocation's thread.
#[no_mangle]
pub unsafe extern "C" fn ocgc_invocation_hint(inv: *const OcgcInvocation) -> gpointer {
    // SAFETY: precondition.
    unsafe { (*inv).hint }
}

/// `ocgc_invocation_handle` (header).
///
/// # Safety
/// - the calling thread holds its domain lock (not inside a GC finalizer:
///   this allocates in the OCaml heap), and stores or roots the result
///   before its next allocation;
/// - `inv` is valid, as for [`ocgc_invocation_n_params`].
#[no_mangle]
pub unsafe extern "C" fn ocgc_invocation_handle(inv: *const OcgcInvocation) -> Val {
    // SAFETY: precondition; the block is returned to the caller, who roots
    // it or stores it before allocating again.
    unsafe { ArgvHandle::new_raw(&*inv) }
}

/// `ocgc_invocation_of_handle` (header).
///
/// # Safety
/// - the calling thread holds its domain lock (the block is read);
/// - `handle` is a valid OCaml value (any value: a block that is not an
///   invocation handle gives NULL).
#[no_mangle]
pub unsafe extern "C" fn ocgc_invocation_of_handle(handle: Val) -> *const OcgcInvocation {
    // SAFETY: precondition.
    unsafe { ArgvHandle::invocation_of(handle) }.map_or(std::ptr::null(), |i| i as *const Invocation)
}

// ---- deferred release: only a push (safe in a GC finalizer) ----------------
//
// Each of these takes ownership of what it is handed, which the compiler
// cannot check: they are `unsafe`. None has a thread or lock rule: a push
// takes a short Rust lock and allocates with Rust's allocator only, so any
// thread may call them, with or without a domain lock, inside a GC finalizer
// too. What is pushed is released at a later safe point, on whichever thread
// reaches it with a domain lock held (`deferred::release_all`), or never
// (after shutdown, only `ocgc_flush` drains; at exit the queue is left to
// the process's end).

/// `ocgc_defer_closure_unref` (header): `g_closure_unref`, deferred.
///
/// # Safety
/// - `c` is NULL (ignored) or a live `GClosure` on which the caller owns
///   one reference. That reference is handed over: the caller must not
///   unref it nor rely on it afterwards, and must not hand it over twice.
///
/// Any thread, with or without a domain lock, inside a GC finalizer too.
#[no_mangle]
pub unsafe extern "C" fn ocgc_defer_closure_unref(c: *mut GClosure) {
    if !c.is_null() {
        // SAFETY: the caller hands this over (the function's contract, gclosure.h).
        unsafe { deferred::push(Deferred::Closure(c)) };
    }
}

/// `ocgc_defer_object_unref` (header): `g_object_unref`, deferred.
///
/// # Safety
/// - `o` is NULL (ignored) or a live `GObject` instance (the drain reads
///   its class) on which the caller owns one reference, handed over as for
///   [`ocgc_defer_closure_unref`].
///
/// Any thread, with or without a domain lock, inside a GC finalizer too.
#[no_mangle]
pub unsafe extern "C" fn ocgc_defer_object_unref(o: gpointer) {
    if !o.is_null() {
        // SAFETY: the caller hands this over (the function's contract, gclosure.h).
        unsafe { deferred::push(Deferred::Object(o as *mut GObject)) };
    }
}

/// `ocgc_defer_boxed_free` (header): `g_boxed_free`, deferred.
///
/// # Safety
/// - `t` is a registered boxed GType;
/// - `p` is NULL (ignored) or a boxed value of type `t` that the caller
///   owns (what `g_boxed_free (t, p)` may free). Ownership is handed over:
///   the caller must not free nor use `p` afterwards.
///
/// Any thread, with or without a domain lock, inside a GC finalizer too.
#[no_mangle]
pub unsafe extern "C" fn ocgc_defer_boxed_free(t: GType, p: gpointer) {
    if !p.is_null() {
        // SAFETY: the caller hands this over (the function's contract, gclosure.h).
        unsafe { deferred::push(Deferred::Boxed(t, p)) };
    }
}

/// `ocgc_defer_value_unset` (header): `g_value_unset`, deferred. The
/// GValue's bytes move into the queue and `*v` is zeroed.
///
/// # Safety
/// - `v` is NULL (ignored), a zeroed GValue (ignored), or an initialised
///   GValue the caller owns, readable and writable for the call. Its
///   contents are handed over; the memory of `*v` itself stays the
///   caller's (zeroed on return, may be freed at once).
///
/// Any thread, with or without a domain lock, inside a GC finalizer too.
#[no_mangle]
pub unsafe extern "C" fn ocgc_defer_value_unset(v: *mut GValue) {
    // SAFETY: precondition: readable; a GValue's type is its first word.
    if v.is_null() || unsafe { (*v).g_type } == 0 {
        return;
    }
    // SAFETY: a GValue is moved by copying its bytes (GLib copies them in
    // g_value_array and signal emission); the caller's copy is zeroed so
    // that the contents are owned once.
    let moved = unsafe {
        let b = Box::new(std::ptr::read(v));
        std::ptr::write_bytes(v, 0, 1);
        b
    };
    // SAFETY: the caller hands this over (the function's contract, gclosure.h).
    unsafe { deferred::push(Deferred::Value(moved)) };
}

/// `ocgc_defer` (header): `f(data)` at the next safe point.
///
/// # Safety
/// - `f` is NULL (ignored) or a function that may be called once as
///   `f(data)`, later, on any thread, with a domain lock held and not in a
///   GC finalizer; it may allocate and call OCaml (`caml_callback*_exn`)
///   but must not raise nor unwind, nor call `ocgc_shutdown`; it may also
///   never be called (a push after shutdown, or at exit);
/// - `data` is what `f` expects, valid until `f` has run (the library
///   never reads it).
///
/// Any thread, with or without a domain lock, inside a GC finalizer too.
#[no_mangle]
pub unsafe extern "C" fn ocgc_defer(f: Option<unsafe extern "C" fn(gpointer)>, data: gpointer) {
    if let Some(f) = f {
        // SAFETY: the caller hands this over (the function's contract, gclosure.h).
        unsafe { deferred::push(Deferred::Notify(f, data)) };
    }
}

// ---- lifecycle --------------------------------------------------------------

/// `ocgc_flush` (header).
///
/// # Safety
/// - the calling thread holds its domain lock, from an OCaml external (not
///   inside a GC finalizer): the drain may run OCaml code, so the caller's
///   OCaml values are registered with the GC.
#[no_mangle]
pub unsafe extern "C" fn ocgc_flush() {
    let Ok(inside) = lifecycle::enter(Accept::AnyButExit) else { return };
    // SAFETY: precondition; inside the library.
    let d = unsafe { Domain::assume(&inside) };
    if catch_unwind(|| safepoint::flush(d)).is_err() {
        eprintln!("ocaml-gclosure: internal error in ocgc_flush (Rust panic)");
    }
    drop(inside);
}

/// `ocgc_shutdown` (header).
///
/// # Safety
/// - the calling thread holds its domain lock, from an OCaml external (not
///   inside a GC finalizer), not from a callback's `build_argv` (header);
/// - the OCaml runtime has not been shut down.
#[no_mangle]
pub unsafe extern "C" fn ocgc_shutdown() {
    // The core module's shutdown also deletes its GC alarm: through it
    // when linked.
    // SAFETY: domain lock held; named values live until exit.
    let f = unsafe { sys::caml_named_value(c"gclosure.shutdown".as_ptr()) };
    if !f.is_null() {
        // SAFETY: `unit -> unit`, registered by the core module; its
        // exception (none expected) is dropped, never raised through C.
        unsafe { sys::caml_callback_exn(*f, sys::UNIT) };
        return;
    }
    let Ok(inside) = lifecycle::enter(Accept::AnyButExit) else { return };
    // SAFETY: precondition; inside the library.
    let d = unsafe { Domain::assume(&inside) };
    // SAFETY: the runtime runs (precondition).
    if catch_unwind(|| unsafe { crate::ocaml::shutdown::shutdown(d) }).is_err() {
        eprintln!("ocaml-gclosure: internal error in ocgc_shutdown (Rust panic)");
    }
    drop(inside);
}

/// `ocgc_is_closed` (header). Safe: one atomic load, no argument; any
/// thread, inside a GC finalizer too.
#[no_mangle]
pub extern "C" fn ocgc_is_closed() -> c_int {
    (!lifecycle::is_open()) as c_int
}

// ---- invocation tokens (issue 25): a handle that allocates nothing --------

/// `ocgc_invocation_token` (header): the invocation's serial number as an
/// OCaml integer (serials are unique in the process, below 2^62).
///
/// # Safety
/// - `inv` is valid, as for [`ocgc_invocation_n_params`]. Any thread;
///   allocates nothing.
#[no_mangle]
pub unsafe extern "C" fn ocgc_invocation_token(inv: *const OcgcInvocation) -> Val {
    // SAFETY: precondition.
    let serial = unsafe { (*inv).serial() };
    ((serial << 1) | 1) as Val
}

/// `ocgc_invocation_of_token` (header). Safe: `token` is only read as a
/// word (never dereferenced), and the result is found among this thread's
/// running invocations; any thread, no lock needed.
#[no_mangle]
pub extern "C" fn ocgc_invocation_of_token(token: Val) -> *const OcgcInvocation {
    if token & 1 == 0 || token < 0 {
        return std::ptr::null();
    }
    // SAFETY: only the address leaves; the header says the pointer is valid
    // while the invocation's callback runs.
    unsafe { crate::core::invocation::find_serial((token >> 1) as u64) }.map_or(std::ptr::null(), |i| i as *const Invocation)
}
pub mod cells;
