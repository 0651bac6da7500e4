//! Owned closures: a closure connected to an object through the library is
//! kept alive by that object, not by a global root (design invariant 11).
//!
//! Without this, a handler that captures its own object makes a cycle the
//! GC cannot see through: object → handler → closure → root → callback →
//! object. Every dialog whose "Close" handler captures its window stayed
//! in memory until exit.
//!
//! ## The rule
//!
//! A closure's callback stays alive while any of these holds:
//! * the program still holds the `g_closure` value it made (it may connect
//!   it again later);
//! * one of the objects it is connected to is *held*: reachable from OCaml
//!   by a path that does not go through its own handlers, or referenced by
//!   anything but its OCaml wrapper (a parent widget, a view's model,
//!   GTK's toplevel list, C code, another OCaml handle: GLib's reference
//!   count is above 1);
//! * it was never connected through the library (`Closure.create` alone,
//!   the Rust API, the C API's plain closures): then a strong root keeps it,
//!   as before.
//!
//! So an object that only its own handlers reach is collected with them,
//! as C would free it; its last reference goes at a safe point and GLib
//! destroys its handlers.
//!
//! ## How
//!
//! OCaml has no hook to trace through a custom block, so the rule is built
//! from what the runtime has (the C half is `src/owners_gc.c`):
//! * **ephemerons**: each owned closure's record lists ephemerons whose data
//!   is the callback, keyed by each owning object's wrapper and by the
//!   program's `g_closure` value. The callback lives while one key lives;
//!   the callback's own reference to the wrapper does not count.
//! * **a `Gc.finalise` finaliser on the wrapper**: when the wrapper is
//!   unreachable but for its handlers, the GC resurrects it, with its
//!   handlers' callbacks, for one call of [`unreachable`]. That call holds
//!   the domain lock and runs outside the GC, and reads GLib's reference
//!   count *then*: above 1 (a parent widget, a view's model, GTK's
//!   toplevel list, C code, another OCaml handle), the object is held and
//!   the finaliser is registered again; exactly 1 (the wrapper's own), the
//!   object is garbage: it is disposed at once (`g_object_run_dispose`),
//!   its callbacks still alive, so its "destroy" handlers run as they
//!   would in C; dispose destroys its handlers, and the wrapper is
//!   collected at the next cycle, which drops the last reference.
//! * **the GC's root-scanning hook**, an economy: at the start of each
//!   major cycle it marks the wrapper of every owned object whose count is
//!   above 1, so a widget its parent holds is not resurrected every cycle.
//!   This is PyGObject's rule (a closure's callback is reported to the
//!   cycle collector only when the object's count is 1).
//!
//! Toggle references (GJS's way) were the other candidate
//! (`shared/research/toggle-refs.md`): they flip a root on every 1↔2 count
//! change, which GTK makes from threads that do not hold the domain lock,
//! so a flip must wait for a safe point, and in that window a second
//! domain's GC can collect a wrapper that C just took: its handlers are
//! lost. Here nothing is lost in any window: the decision is taken on a
//! resurrected wrapper, with the lock, and a wrong guess is impossible
//! because a count above 1 only postpones it.
//!
//! ## What is not covered
//!
//! * A cycle through a C edge: a child widget's handler capturing its
//!   window (the window holds the child, a C reference). Destroyed GTK 4
//!   windows are disposed instead, which breaks it.
//! * Widgets are disposed on GTK's thread: a finaliser that runs on another
//!   thread registers itself again, and the decision waits for a later
//!   cycle's finaliser on GTK's thread.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, Once};

use glib::gobject_ffi::{self as gobj, GObject};
use crate::root::Root;
use ocaml::sys::Value as Val;

use crate::closure::REGISTRY;
use crate::registry::Key;

/// One owned object.
struct Owner {
    /// The owner ephemeron: key = the object's wrapper, no data.
    eph: Root,
}

// SAFETY: the roots are read only under a domain lock (or by the GC hook,
// during a stop-the-world section) and deleted with a domain lock held.
unsafe impl Send for Owner {}

/// Object addresses, hashed by a multiply (SipHash's resistance to chosen
/// keys buys nothing for addresses GLib allocated, and costs 100
/// instructions a lookup on the connect path).
#[derive(Default)]
struct AddrHasher(u64);

impl std::hash::Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ *b as u64).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = ((n as u64) >> 4).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type ByObject = HashMap<usize, Owner, std::hash::BuildHasherDefault<AddrHasher>>;

struct Table {
    by_object: ByObject,
    /// Roots whose object went away on a thread without the domain lock:
    /// deleted at the next [`maintain`].
    dead: Vec<Owner>,
}

static OWNERS: Mutex<Option<Table>> = Mutex::new(None);
/// How many objects are owned (read without the lock: a fast "none").
static COUNT: AtomicUsize = AtomicUsize::new(0);
/// How many dead roots wait for [`maintain`].
static PENDING: AtomicUsize = AtomicUsize::new(0);
static HOOK: Once = Once::new();

/// The table. Never held while allocating in the OCaml heap or calling
/// OCaml or GLib code: the GC hook takes it during a stop-the-world
/// section, which a holder would otherwise block.
fn table() -> MutexGuard<'static, Option<Table>> {
    OWNERS.lock().unwrap_or_else(|e| e.into_inner())
}

fn with_table<R>(f: impl FnOnce(&mut Table) -> R) -> R {
    let mut g = table();
    f(g.get_or_insert_with(|| Table { by_object: ByObject::default(), dead: Vec::new() }))
}

/// The record of closure `key`, as an OCaml `record option` (read when
/// the external returns its result: `Gclosure_core.record_of`).
pub(crate) struct RecordOf(pub Key);

impl crate::boundary::Ret for RecordOf {
    unsafe fn into_ocaml(self) -> crate::boundary::Res<Val> {
        // SAFETY (both): domain lock held (precondition); the record is
        // wrapped at once, alloc_tagged rooting it.
        match REGISTRY.with_live(self.0, |cb| unsafe { cb.root.get() }) {
            Some(r) => Ok(unsafe { crate::boundary::alloc_tagged(0, r) }),
            None => Ok(ocaml::sys::UNIT),
        }
    }
}

/// The owner ephemeron of object `.0`, as an OCaml option
/// (`Gclosure_core.owner_get`).
pub(crate) struct OwnerOf(pub *mut GObject);

impl crate::boundary::Ret for OwnerOf {
    unsafe fn into_ocaml(self) -> crate::boundary::Res<Val> {
        if COUNT.load(Ordering::Acquire) == 0 {
            return Ok(ocaml::sys::UNIT);
        }
        // SAFETY: domain lock held (precondition): the root's value is
        // valid, and wrapped at once (alloc_tagged roots it).
        let e = with_table(|t| t.by_object.get(&(self.0 as usize)).map(|o| unsafe { o.eph.get() }));
        Ok(match e {
            // SAFETY: domain lock held; `e` was read with no allocation since.
            Some(e) => unsafe { crate::boundary::alloc_tagged(0, e) },
            None => ocaml::sys::UNIT,
        })
    }
}

/// Records `eph` (a one-key ephemeron whose key is `obj`'s wrapper, which
/// holds a reference on it) as `obj`'s owner ephemeron
/// (`Gclosure_core.owner_set`), in place of any before.
///
/// # Safety
/// Domain lock held, not in a GC finalizer; `obj` is alive.
pub(crate) unsafe fn set_owner(obj: *mut GObject, eph: Root) {
    // SAFETY: domain lock held (precondition).
    HOOK.call_once(|| unsafe { gclosure_owners_install_hook() });
    let replaced = with_table(|t| {
        let prev = t.by_object.insert(obj as usize, Owner { eph });
        if prev.is_none() {
            COUNT.fetch_add(1, Ordering::AcqRel);
        }
        prev
    });
    match replaced {
        // SAFETY: live object (precondition); the notify only takes the
        // table's lock. Removed by us (`wrapper_released`, `unreachable`,
        // `release_all`) or run once by GLib.
        None => unsafe { gobj::g_object_weak_ref(obj, Some(on_object_gone), std::ptr::null_mut()) },
        Some(prev) => drop(prev),
    }
}

/// The program's `g_closure` value for closure `c` is dead (its handle's
/// deferred release): if objects own the closure, the record lets its
/// callback go to them (`Gclosure_core.own`'s `held`).
///
/// # Safety
/// Domain lock held, not in a GC finalizer; `c` is a closure of ours,
/// alive.
pub(crate) unsafe fn handle_released(c: *mut glib::gobject_ffi::GClosure) {
    // SAFETY: precondition (its data is its key).
    let key = unsafe { crate::closure::key_of(c) };
    // SAFETY: domain lock held: the root's value is valid, and the record
    // (a block of two fields) is written with the write barrier; nothing
    // here allocates or runs OCaml code.
    REGISTRY.with_live(key, |cb| unsafe {
        let r = cb.root.get();
        if *ocaml::sys::field(r, 1) != ocaml::sys::EMPTY_LIST {
            ocaml::sys::caml_modify(ocaml::sys::field(r, 0), ocaml::sys::UNIT);
        }
    });
}

/// The OCaml function registered as `"gclosure.owner_unreachable"`
/// (`gclosure_core.ml`), or null.
fn on_unreachable() -> *const Val {
    static F: std::sync::atomic::AtomicPtr<Val> = std::sync::atomic::AtomicPtr::new(std::ptr::null_mut());
    let mut f = F.load(Ordering::Acquire);
    if f.is_null() {
        // SAFETY: named values live until exit; read with the domain lock
        // (callers of `own`).
        f = unsafe { ocaml::sys::caml_named_value(c"gclosure.owner_unreachable".as_ptr()) } as *mut Val;
        F.store(f, Ordering::Release);
    }
    f
}

/// The finaliser of an owner's wrapper `w` (an `obj` block): the GC found
/// it unreachable but for its own handlers, and resurrected it for this
/// call. Disposes the object if nothing else references it, else watches
/// it again.
///
/// # Safety
/// Domain lock held, inside the library, not in a GC finalizer; `w` roots
/// an `obj` block.
pub(crate) unsafe fn unreachable(w: Root) {
    // SAFETY: `w` roots an obj block (precondition), alive (resurrected).
    let obj = unsafe { crate::handles::gclosure_obj_gobject(w.get()) };
    let ours = with_table(|t| t.by_object.get(&(obj as usize)).map(|o| unsafe { o.eph.get() }));
    let Some(eph) = ours else { return }; // disposed or released meanwhile
    // SAFETY: domain lock held; a rooted one-key ephemeron; no allocation.
    if unsafe { gclosure_ephe_key_is(eph, w.get()) } == 0 {
        return; // another wrapper owns this object now
    }
    // SAFETY: `w`'s reference keeps the object alive.
    let count = unsafe { (*obj).ref_count };
    if count > 1 {
        // Held by something else: watch again.
        // SAFETY: `w` is a live block (resurrected), the function a named value.
        unsafe { gclosure_refinalise(w.get(), on_unreachable()) };
        return;
    }
    if crate::deferred::needs_gtk_thread(obj) {
        // A widget is disposed on GTK's thread: the decision moves there,
        // the wrapper (and so its handlers) rooted until then.
        let data = Box::into_raw(Box::new(w)) as glib::ffi::gpointer;
        // SAFETY: g_idle_add_full is thread-safe; the idle owns `data`.
        unsafe { glib::ffi::g_idle_add_full(glib::ffi::G_PRIORITY_HIGH, Some(decide_on_gtk_thread), data, None) };
        return;
    }
    let gone = with_table(|t| {
        let o = t.by_object.remove(&(obj as usize));
        if o.is_some() {
            COUNT.fetch_sub(1, Ordering::AcqRel);
        }
        o
    });
    if let Some(o) = gone {
        // SAFETY: live object; our weak ref is set (the entry was there).
        unsafe { gobj::g_object_weak_unref(obj, Some(on_object_gone), std::ptr::null_mut()) };
        drop(o);
    }
    // Garbage but for its wrapper: disposed now, while its handlers'
    // callbacks are alive (resurrected with the wrapper). Dispose runs its
    // "destroy"-like handlers, then destroys every handler.
    // SAFETY: live object (the wrapper's reference); domain lock held, not
    // in a GC finalizer; on GTK's thread for a widget (checked above).
    unsafe { gobj::g_object_run_dispose(obj) };
}

/// GLib's weak notify: the object is being disposed or finalized. Its
/// handlers are destroyed with it, so its entry goes; the roots wait for a
/// safe point when this thread does not hold the domain lock.
unsafe extern "C" fn on_object_gone(_data: glib::ffi::gpointer, obj: *mut GObject) {
    let held = crate::lock::held();
    let gone = with_table(|t| {
        let o = t.by_object.remove(&(obj as usize))?;
        COUNT.fetch_sub(1, Ordering::AcqRel);
        if held {
            return Some(o);
        }
        t.dead.push(o);
        PENDING.fetch_add(1, Ordering::AcqRel);
        None
    });
    if let Some(o) = gone {
        drop(o);
    }
}

/// Called before the library drops an object reference that a wrapper held
/// (the deferred release of a dead `obj` block): when the object's owner
/// wrapper is the one that died, its entry goes (a new wrapper, if the
/// object comes back to OCaml, starts a new one).
///
/// # Safety
/// Domain lock held, not in a GC finalizer; `obj` is alive (the reference
/// being released is still held).
pub(crate) unsafe fn wrapper_released(obj: *mut GObject) {
    if COUNT.load(Ordering::Acquire) == 0 {
        return;
    }
    let gone = with_table(|t| {
        let o = t.by_object.get(&(obj as usize))?;
        // SAFETY: domain lock held; the owner ephemeron is rooted.
        if unsafe { gclosure_ephe_key_alive(o.eph.get()) } != 0 {
            return None;
        }
        COUNT.fetch_sub(1, Ordering::AcqRel);
        t.by_object.remove(&(obj as usize))
    });
    if let Some(o) = gone {
        // SAFETY: live object (precondition); our weak ref is still set
        // (its notify removes the entry first, and the entry was there).
        unsafe { gobj::g_object_weak_unref(obj, Some(on_object_gone), std::ptr::null_mut()) };
        drop(o);
    }
}

/// [`unreachable`] on GTK's thread (an idle of the main context).
unsafe extern "C" fn decide_on_gtk_thread(data: glib::ffi::gpointer) -> glib::ffi::gboolean {
    // SAFETY: `data` is the box `unreachable` gave this idle, taken once.
    let w = unsafe { Box::from_raw(data as *mut Root) };
    let entered = crate::lifecycle::enter(crate::lifecycle::Accept::OpenOnly);
    let _lock = entered.is_ok().then(crate::lifecycle::lock_for_call);
    if entered.is_err() || !crate::lifecycle::is_open() {
        // The library is closing: the root goes with the process (deleting
        // it needs the domain lock this thread may not have).
        std::mem::forget(w);
        return glib::ffi::G_SOURCE_REMOVE;
    }
    // SAFETY: domain lock held, inside the library, not in a GC finalizer;
    // `w` roots an obj block.
    unsafe {
        unreachable(*w);
        crate::safepoint::safe_point();
    }
    glib::ffi::G_SOURCE_REMOVE
}

/// Drops the roots left by objects that went away on threads without the
/// domain lock. Cheap when nothing waits.
///
/// # Safety
/// Domain lock held, not in a GC finalizer.
pub(crate) unsafe fn maintain() {
    if PENDING.load(Ordering::Acquire) == 0 {
        return;
    }
    let dead = with_table(|t| {
        PENDING.store(0, Ordering::Release);
        std::mem::take(&mut t.dead)
    });
    drop(dead); // boxroot_delete, domain lock held
}

/// Shutdown: every owner goes (their roots with the domain lock held).
///
/// # Safety
/// Domain lock held, not in a GC finalizer, every owned object still alive
/// (their wrappers' references are released after this).
pub(crate) unsafe fn release_all() {
    let all = with_table(|t| {
        COUNT.store(0, Ordering::Release);
        PENDING.store(0, Ordering::Release);
        let dead = std::mem::take(&mut t.dead);
        (std::mem::take(&mut t.by_object), dead)
    });
    for (obj, _) in all.0.iter() {
        // SAFETY: live object (precondition); our weak ref is set.
        unsafe { gobj::g_object_weak_unref(*obj as *mut GObject, Some(on_object_gone), std::ptr::null_mut()) };
    }
    drop(all);
}

type Visitor = unsafe extern "C" fn(ctx: *mut std::ffi::c_void, obj: *mut GObject, eph: Val);

/// For the GC hook (`owners_gc.c`): `f(ctx, object, owner ephemeron)` for
/// every owned object. Runs inside the GC, in a stop-the-world section: the
/// table's lock is never held by a thread that can be stopped for the GC
/// while holding it (see [`table`]).
///
/// # Safety
/// Called by the hook only.
#[no_mangle]
pub unsafe extern "C" fn gclosure_owners_visit(f: Visitor, ctx: *mut std::ffi::c_void) {
    if COUNT.load(Ordering::Acquire) == 0 {
        return;
    }
    let g = table();
    if let Some(t) = g.as_ref() {
        for (obj, o) in t.by_object.iter() {
            // SAFETY: the object is alive while its entry is (the wrapper's
            // reference is released only after `wrapper_released` or the
            // weak notify removed it); the root holds the owner ephemeron.
            unsafe { f(ctx, *obj as *mut GObject, o.eph.get()) };
        }
    }
}

extern "C" {
    fn gclosure_owners_install_hook();
    fn gclosure_refinalise(w: Val, on_unreachable: *const Val);
    fn gclosure_ephe_key_alive(eph: Val) -> std::ffi::c_int;
    fn gclosure_ephe_key_is(eph: Val, v: Val) -> std::ffi::c_int;
    /// A new record holding `cb` strongly.
    pub(crate) fn gclosure_record_new(cb: Val) -> Val;
    /// The callback of a record, or `()`: no allocation, no OCaml code.
    pub(crate) fn gclosure_record_get(record: Val) -> Val;
}
