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
//! * **one ephemeron per owning object**: its key is the object's OCaml
//!   wrapper, its data a small table of the callbacks the object owns
//!   (`slots`, in the OCaml heap). The callbacks live while the wrapper
//!   does; a callback's own reference to the wrapper does not count. An
//!   owned closure's record lists (owner ephemeron, slot) pairs; its slots
//!   are freed when its root is released.
//! * **ownership when the program lets go**: while the program holds a
//!   closure's `g_closure` value, the record holds the callback strongly
//!   (the program may connect it again), so connecting only notes the
//!   object (`Connected`, no OCaml allocation). The callback moves into its
//!   objects' tables when that value's deferred release runs
//!   ([`handle_released`]), for the objects it is still connected to. A
//!   closure connected, disconnected and dropped (the benchmarks'
//!   lifecycle) never touches a table. A binding on the C API names the
//!   object and its wrapper with `ocgc_closure_own` ([`own_on_release`]),
//!   and the move happens when the binding's closure value dies (its
//!   `ocgc_defer_closure_unref`: [`closure_released`]). The move
//!   allocates, so it waits for a full safe point on the main domain
//!   ([`maintain`]), never the start of an external, whose arguments are
//!   borrowed.
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

use glib::gobject_ffi::{self as gobj, GClosure, GObject};
use crate::core::root::Root;
use ocaml::sys::Value as Val;

use crate::core::callbacks::{CallbackRoot, REGISTRY};

/// One owned object.
struct Owner {
    /// The owner ephemeron: key = the object's wrapper, data = its slots
    /// (the callbacks it owns).
    eph: Root,
    /// The wrapper's `Gc.finalise` function (registered again while the
    /// object is held).
    fin: Root,
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
    /// Work on the slots that only the main domain does (see
    /// [`on_main`]), left by safe points of other domains: closures whose
    /// `g_closure` value died (one reference each), records whose slots
    /// must be freed.
    transfers: Vec<usize>,
    releases: Vec<Root>,
}

static OWNERS: Mutex<Option<Table>> = Mutex::new(None);
/// How many objects are owned (read without the lock: a fast "none").
static COUNT: AtomicUsize = AtomicUsize::new(0);
/// The object the last connection found owned (0: none): the next
/// connection to it skips the table. Cleared whenever an entry goes or is
/// replaced. (A connection racing with the removal, on another thread, of
/// its object's entry may be answered "owned" just before the clear: its
/// closure then keeps its strong root, see [`transfer`].)
static LAST_OWNED: AtomicUsize = AtomicUsize::new(0);
/// How many items wait for [`maintain`] (dead roots, transfers, releases).
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
    f(g.get_or_insert_with(|| Table {
        by_object: ByObject::default(),
        dead: Vec::new(),
        transfers: Vec::new(),
        releases: Vec::new(),
    }))
}

/// Whether this thread runs OCaml's main domain. Only the main domain makes
/// owners and writes their slots: ownership needs `Gc.finalise`
/// finalisers, whose tables OCaml 5.3 and 5.4 never free for a domain that
/// ends (`Gclosure_core.new_owner`), and a table written by one domain only
/// needs no lock (which could not be held across an OCaml allocation:
/// another domain waiting for it would block the stop-the-world section
/// the allocation may start). Other domains' marshallers only read slots.
///
/// Domain lock held.
#[inline]
///
/// # Safety
/// The calling thread holds its domain lock.
unsafe fn on_main() -> bool {
    // SAFETY: domain lock held (precondition): the domain state is readable.
    crate::core::lock::domain_alone() || unsafe { gclosure_shim_domain_id() } == 0
}

/// Drops from a closure's list of objects (`Connected`) the addresses of
/// objects gone from the table, but its last one (the object just added).
fn prune(v: &mut Vec<usize>) {
    let obj = v.last().copied().unwrap_or(0);
    with_table(|t| v.retain(|a| *a == obj || t.by_object.contains_key(a)));
}

/// Notes that closure `c` (one of ours, made by `Closure.create`) was just
/// connected to `obj` through the library (`connect_by_name`): when the
/// program drops its `g_closure` value, the objects it is still connected
/// to own it ([`handle_released`]). No OCaml allocation: the benchmarks'
/// lifecycle pays a registry read. True when `obj` has no owner yet: the
/// OCaml side then makes one (`Gclosure_core.own`).
///
/// # Safety
/// Domain lock held, not in a GC finalizer; `c` is a live closure made by
/// `closure::create`, `obj` a live object.
pub(crate) unsafe fn note_connected(c: *mut GClosure, obj: *mut GObject) -> bool {
    // SAFETY: domain lock held (precondition).
    if !unsafe { on_main() } {
        return false; // no ownership on other domains
    }
    // SAFETY: precondition (its data is its key).
    let key = unsafe { crate::core::closure::key_of(c) };
    let f = |cb: &CallbackRoot| cb.connected.push(obj as usize, prune);
    if crate::core::lock::domain_alone() {
        // SAFETY: this thread holds the only running domain's lock, and the
        // registry's writers run only under a domain lock.
        unsafe { REGISTRY.with_live_unlocked(key, f) };
    } else {
        REGISTRY.with_live(key, f);
    }
    if obj as usize == LAST_OWNED.load(Ordering::Acquire) {
        return false;
    }
    // SAFETY: domain lock held.
    if unsafe { live_owner(obj) }.is_some() {
        LAST_OWNED.store(obj as usize, Ordering::Release);
        return false;
    }
    true
}

/// The live owner ephemeron of `obj` (one whose wrapper is alive), read
/// under the table's lock.
///
/// # Safety
/// Domain lock held.
unsafe fn live_owner(obj: *mut GObject) -> Option<Val> {
    if COUNT.load(Ordering::Acquire) == 0 {
        return None;
    }
    // SAFETY: domain lock held: the root's value is valid; checking a key
    // neither allocates nor runs OCaml code.
    with_table(|t| {
        let e = unsafe { t.by_object.get(&(obj as usize))?.eph.get() };
        (unsafe { gclosure_ephe_key_alive(e) } != 0).then_some(e)
    })
}

/// Records `eph` (a one-key ephemeron whose key is `obj`'s wrapper, which
/// holds a reference on it, and whose data is an empty slots table) as
/// `obj`'s owner ephemeron, with `fin` the wrapper's finaliser
/// (`Gclosure_core.new_owner`), in place of any before.
///
/// # Safety
/// Domain lock held, not in a GC finalizer, main domain; `obj` is alive.
pub(crate) unsafe fn set_owner(obj: *mut GObject, eph: Root, fin: Root) {
    // SAFETY: domain lock held (precondition).
    HOOK.call_once(|| unsafe { gclosure_owners_install_hook() });
    let replaced = with_table(|t| {
        LAST_OWNED.store(0, Ordering::Release);
        let prev = t.by_object.insert(obj as usize, Owner { eph, fin });
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

/// Moves the callback of closure `key` into the slots of `obj`'s live
/// owner; false when `obj` has none, or the closure is not live.
///
/// # Safety
/// Domain lock held, not in a GC finalizer, main domain; `obj` alive or
/// not in the table.
unsafe fn add_owner(key: crate::core::registry::Key, obj: *mut GObject) -> bool {
    // SAFETY: precondition.
    if unsafe { live_owner(obj) }.is_none() {
        return false;
    }
    // No lock is held while the OCaml heap allocates (a domain waiting for
    // it would block the stop-the-world section an allocation may start):
    // values are read out of the locks, and handed to C at once, which
    // roots them across its allocations.
    // SAFETY: domain lock held: the root's value is valid.
    let Some(v) = REGISTRY.with_live(key, |cb| unsafe { cb.root.get() }) else { return false };
    // SAFETY: a block (a function or a record), no allocation since.
    if unsafe { ocaml::sys::tag_val(v) } != 0 {
        // The first owner: the root holds a record from now on (tag 0;
        // the marshaller tells them apart), the callback in its field 0.
        // SAFETY: domain lock held; `v` valid, rooted by the C side.
        let r = unsafe { gclosure_record_new(v) };
        // Alone, the root is modified in place. Otherwise a marshaller on
        // another domain may be reading it without the registry's lock: a
        // new root takes its place, and the old one is retired until no
        // reader can hold it (`core::grace`).
        let set = if crate::core::lock::domain_alone() {
            // SAFETY: domain lock held and this domain the only one, so no
            // other thread reads the root; only this (main) domain changes
            // roots; the modification allocates outside the OCaml heap only;
            // `r` was made with no allocation since.
            REGISTRY.with_live(key, |cb| unsafe { cb.root.modify(r) })
        } else {
            // SAFETY: domain lock held; only this (main) domain replaces
            // roots; boxroot allocates outside the OCaml heap only; `r` was
            // made with no allocation since.
            REGISTRY.with_live(key, |cb| unsafe { cb.root.replace(r) }).map(|old| match old {
                Some(old) => {
                    crate::core::callbacks::retire_replaced(old);
                    true
                }
                None => false,
            })
        };
        if set != Some(true) {
            return false;
        }
    }
    // SAFETY: as above (the owner ephemeron read again: no allocation
    // between it, the record's read and the call).
    let Some(eph) = (unsafe { live_owner(obj) }) else { return false };
    let Some(record) = REGISTRY.with_live(key, |cb| unsafe { cb.root.get() }) else { return false };
    // SAFETY: domain lock held, main domain (the only writer of slots).
    unsafe { gclosure_record_add_owner(record, eph) != 0 }
}

/// The record of closure `key` lets go of its callback (now owned).
///
/// # Safety
/// Domain lock held.
unsafe fn drop_strong(key: crate::core::registry::Key) {
    // SAFETY: domain lock held: the root's value is valid (a record, once
    // owned: `add_owner`), and the record is written with the write
    // barrier; no allocation.
    REGISTRY.with_live(key, |cb| unsafe {
        let r = cb.root.get();
        if ocaml::sys::tag_val(r) == 0 {
            ocaml::sys::caml_modify(ocaml::sys::field(r, 0), ocaml::sys::UNIT);
        }
    });
}

/// The program's `g_closure` value for closure `c` is dead (its handle's
/// deferred release, before its reference goes): the objects it is still
/// connected to through the library will own it, and the record let go of
/// the callback, unless no object can take it (then it stays strongly
/// rooted, as a closure never connected through the library).
///
/// The move allocates in the OCaml heap (the record, a slot, a link), so
/// it waits for the next full safe point on the main domain ([`maintain`]):
/// this runs at the start of externals too, whose borrowed arguments an
/// allocation would move. The callback stays rooted meanwhile.
///
/// # Safety
/// Domain lock held, not in a GC finalizer; `c` is a closure of ours,
/// alive (the reference being released).
pub(crate) unsafe fn handle_released(c: *mut GClosure) {
    // SAFETY: live closure (precondition).
    if unsafe { gclosure_closure_refcount(c) } <= 1 {
        // Only this reference: nothing holds it connected; it goes now.
        return;
    }
    // SAFETY: precondition (its data is its key).
    let key = unsafe { crate::core::closure::key_of(c) };
    // Connected through the library? (And `c`'s own entry: a binding's
    // GClosure reaches here too, `closure_released`.)
    let connected = |cb: &CallbackRoot| !cb.connected.is_empty() && cb.closure.load(Ordering::Acquire) == c;
    let connected = if crate::core::lock::domain_alone() {
        // SAFETY: this thread holds the only running domain's lock, and the
        // registry's writers run only under a domain lock.
        unsafe { REGISTRY.with_live_unlocked(key, connected) }
    } else {
        REGISTRY.with_live(key, connected)
    };
    if !connected.unwrap_or(false) {
        return;
    }
    // SAFETY: live closure; the reference is dropped by `maintain` (or at
    // shutdown, `release_all`).
    unsafe { gobj::g_closure_ref(c) };
    with_table(|t| t.transfers.push(c as usize));
    PENDING.fetch_add(1, Ordering::AcqRel);
}

/// [`handle_released`]'s move, on the main domain, at a full safe point.
///
/// # Safety
/// As [`maintain`], on the main domain; `c` a closure of ours, alive.
unsafe fn transfer(c: *mut GClosure) {
    // SAFETY: precondition (its data is its key).
    let key = unsafe { crate::core::closure::key_of(c) };
    let Some(objs) = REGISTRY.with_live(key, |cb| cb.connected.take()) else { return };
    let mut owned = false;
    for obj in objs {
        // Still in the table: alive (its weak notify removes it first).
        // Still connected: an address GLib reused for another object, or a
        // handler disconnected since, is not an owner.
        let still = with_table(|t| t.by_object.contains_key(&obj))
            // SAFETY: the object is alive (in the table); a closure pointer
            // is only compared.
            && unsafe {
                gobj::g_signal_handler_find(
                    obj as *mut _,
                    gobj::G_SIGNAL_MATCH_CLOSURE,
                    0,
                    0,
                    c,
                    std::ptr::null_mut(),
                    std::ptr::null_mut(),
                )
            } != 0;
        if !still {
            continue;
        }
        // SAFETY: domain lock held, main domain; `obj` alive.
        owned |= unsafe { add_owner(key, obj as *mut GObject) };
    }
    if owned {
        // SAFETY: domain lock held.
        unsafe { drop_strong(key) };
    }
}

/// `ocgc_closure_own` (the C API): closure `c`, made by `ocgc_closure_new`
/// and just connected to `obj` by a binding whose OCaml value for `obj` is
/// `wrapper`, will be owned by `obj` once the binding's OCaml value for the
/// closure dies (its finalizer's `ocgc_defer_closure_unref`: the binding's
/// users no longer hold the closure; [`closure_released`]). Until then the
/// callback stays rooted, as our own closures while the program holds
/// their `g_closure` value. Makes `obj`'s owner (its wrapper's ephemeron
/// and finaliser) if it has none, through the core module's OCaml
/// function. Ok(false): nothing done (another domain than the main one, or
/// the closure is not live). Err: the OCaml exception that making the
/// owner raised (rooted).
///
/// # Safety
/// Domain lock held, inside the library, not in a GC finalizer; `obj`
/// alive; `c` a live closure; `wrapper` a valid value.
pub(crate) unsafe fn own_on_release(obj: *mut GObject, wrapper: Val, c: *mut GClosure) -> Result<bool, Root> {
    // SAFETY: domain lock held (precondition).
    if !unsafe { on_main() } {
        return Ok(false);
    }
    // SAFETY: `c` is alive (precondition); its data is only used as a key,
    // and the entry found must name `c` itself (a binding's own GClosure,
    // whose data is anything, is refused).
    let key = unsafe { crate::core::closure::key_of(c) };
    let ours = |cb: &CallbackRoot| cb.closure.load(Ordering::Acquire) == c;
    if !REGISTRY.with_live(key, ours).unwrap_or(false) {
        return Ok(false);
    }
    // SAFETY: precondition.
    if unsafe { live_owner(obj) }.is_none() {
        // SAFETY: domain lock held; a named value of the core module.
        let f = unsafe { ocaml::sys::caml_named_value(c"gclosure.new_owner".as_ptr()) };
        if f.is_null() {
            return Ok(false);
        }
        let r = {
            let _in_ocaml = crate::core::lifecycle::suspend_for_callback();
            // SAFETY: `Obj.t -> int -> unit`, registered by the core
            // module; the address is an OCaml int (below 2^62).
            unsafe { ocaml::sys::caml_callback2_exn(*f, wrapper, ((obj as isize) << 1 | 1) as Val) }
        };
        if ocaml::sys::is_exception_result(r) {
            // SAFETY: an exception result; rooted at once.
            let e = unsafe { Root::new(ocaml::sys::extract_exception(r)) };
            return e.map_or(Ok(false), Err);
        }
    }
    let noted = REGISTRY.with_live(key, |cb| {
        cb.connected.push(obj as usize, prune);
        cb.closure.load(Ordering::Acquire) == c
    });
    Ok(noted.unwrap_or(false))
}

/// A binding's deferred `g_closure_unref` (`ocgc_defer_closure_unref`, its
/// closure value's finalizer) of closure `c`, which may be any GClosure:
/// for a closure of ours that `ocgc_closure_own` noted, the binding's
/// users let go of it, so it moves to its objects ([`handle_released`]).
/// Closures with our own marshaller (the library's `g_closure` values,
/// whose handles say when the program lets go) are left alone.
///
/// # Safety
/// As [`handle_released`], `c` any live GClosure.
pub(crate) unsafe fn closure_released(c: *mut GClosure) {
    // SAFETY: live closure (precondition); a field read.
    if !unsafe { crate::core::closure::has_plain_marshal(c) } {
        // SAFETY: forwarded precondition; the entry is checked to be `c`'s.
        unsafe { handle_released(c) };
    }
}

/// A closure's root is being released: its slots in its owners' tables
/// are freed (on the main domain; another domain leaves the root to it).
///
/// # Safety
/// Domain lock held, not in a GC finalizer.
#[inline(always)]
pub(crate) unsafe fn release_root(p: CallbackRoot) {
    // SAFETY: domain lock held: the root holds a function or (tag 0) a
    // record of two fields.
    let owned = unsafe {
        let v = p.root.get();
        ocaml::sys::tag_val(v) == 0 && *ocaml::sys::field(v, 1) != ocaml::sys::EMPTY_LIST
    };
    if !owned {
        return;
    }
    // SAFETY: domain lock held (precondition).
    if unsafe { on_main() } {
        // SAFETY: domain lock held, main domain (the only writer of slots).
        unsafe { gclosure_record_release(p.root.get()) };
        return;
    }
    let CallbackRoot { root, .. } = p;
    with_table(|t| t.releases.push(root.into_root()));
    PENDING.fetch_add(1, Ordering::AcqRel);
}

/// The finaliser of an owner's wrapper `w` for object `obj`: the GC found
/// it unreachable but for its own handlers, and resurrected it for this
/// call. Disposes the object if nothing else references it, else watches
/// it again.
///
/// # Safety
/// Domain lock held, inside the library, not in a GC finalizer; `w` roots
/// a block.
pub(crate) unsafe fn unreachable(obj: *mut GObject, w: Root) {
    // SAFETY: domain lock held: roots' values are valid; no allocation.
    let ours = with_table(|t| t.by_object.get(&(obj as usize)).map(|o| unsafe { (o.eph.get(), o.fin.get()) }));
    let Some((eph, fin)) = ours else { return }; // disposed or released meanwhile
    // SAFETY: domain lock held; a rooted one-key ephemeron; no allocation.
    if unsafe { gclosure_ephe_key_is(eph, w.get()) } == 0 {
        return; // another wrapper owns this object now (or the address is another object's)
    }
    // SAFETY: `w`'s owner entry is there: the object is alive (its weak
    // notify removes the entry first).
    let count = unsafe { (*obj).ref_count };
    if count > 1 {
        // Held by something else: watch again.
        // SAFETY: `w` is a live block (resurrected), `fin` its finaliser.
        unsafe { gclosure_refinalise(w.get(), fin) };
        return;
    }
    // SAFETY: live object (the wrapper's reference).
    if unsafe { crate::gtk::affinity::needs_gtk_thread(obj) } {
        // A widget is disposed on GTK's thread: the decision moves there,
        // the wrapper (and so its handlers) rooted until then.
        let data = Box::into_raw(Box::new((obj as usize, w))) as glib::ffi::gpointer;
        // SAFETY: g_idle_add_full is thread-safe; the idle owns `data`.
        unsafe { glib::ffi::g_idle_add_full(glib::ffi::G_PRIORITY_HIGH, Some(decide_on_gtk_thread), data, None) };
        return;
    }
    let gone = with_table(|t| {
        LAST_OWNED.store(0, Ordering::Release);
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
    let held = crate::core::lock::held();
    let gone = with_table(|t| {
        LAST_OWNED.store(0, Ordering::Release);
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
/// (the deferred release of a dead `obj` block, or a binding's
/// `ocgc_defer_object_unref`): when the object's owner wrapper is dead,
/// its entry goes (a new wrapper, if the object comes back to OCaml,
/// starts a new one).
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
        LAST_OWNED.store(0, Ordering::Release);
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
    let b = unsafe { Box::from_raw(data as *mut (usize, Root)) };
    let entered = crate::core::lifecycle::enter(crate::core::lifecycle::Accept::OpenOnly);
    let _lock = entered.is_ok().then(crate::core::lifecycle::lock_for_call);
    if entered.is_err() || !crate::core::lifecycle::is_open() {
        // The library is closing: the root goes with the process (deleting
        // it needs the domain lock this thread may not have).
        std::mem::forget(b);
        return glib::ffi::G_SOURCE_REMOVE;
    }
    let Ok(inside) = entered.as_ref() else { return glib::ffi::G_SOURCE_REMOVE };
    let (obj, w) = *b;
    // SAFETY: domain lock held (taken above, or the loop's thread's),
    // inside the library, not in a GC finalizer (an idle); `w` roots a block.
    unsafe { unreachable(obj as *mut GObject, w) };
    // SAFETY: as above.
    crate::core::safepoint::safe_point(unsafe { crate::core::token::Domain::assume(inside) });
    glib::ffi::G_SOURCE_REMOVE
}

/// Drops the roots left by objects that went away on threads without the
/// domain lock, and, on the main domain, does the slot work other domains
/// left. Cheap when nothing waits.
///
/// # Safety
/// Domain lock held, not in a GC finalizer.
/// Returns how many items it handled (0 on other domains while only
/// main-domain work waits).
///
/// It allocates in the OCaml heap: never called at the start of an
/// external (`safepoint::at_entry`), only at full safe points.
#[inline(always)]
pub(crate) unsafe fn maintain() -> usize {
    if PENDING.load(Ordering::Acquire) == 0 {
        return 0;
    }
    // SAFETY: forwarded precondition.
    unsafe { maintain_slow() }
}

/// [`maintain`]'s work.
///
/// # Safety
/// As [`maintain`].
#[inline(never)]
unsafe fn maintain_slow() -> usize {
    // SAFETY: domain lock held (precondition).
    let main = unsafe { on_main() };
    let (dead, transfers, releases) = with_table(|t| {
        let dead = std::mem::take(&mut t.dead);
        let (tr, rel) = if main {
            (std::mem::take(&mut t.transfers), std::mem::take(&mut t.releases))
        } else {
            (Vec::new(), Vec::new())
        };
        PENDING.store(t.transfers.len() + t.releases.len(), Ordering::Release);
        (dead, tr, rel)
    });
    drop(dead); // boxroot_delete, domain lock held
    for &c in transfers.iter() {
        let c = c as *mut GClosure;
        // SAFETY: domain lock held, main domain; `c` alive (the reference
        // `handle_released` took, dropped here).
        unsafe {
            transfer(c);
            gobj::g_closure_unref(c);
        }
    }
    let n = transfers.len() + releases.len();
    for r in releases {
        // SAFETY: domain lock held, main domain; `r` roots a record.
        unsafe { gclosure_record_release(r.get()) };
    }
    n
}

/// Shutdown: every owner goes (their roots with the domain lock held).
///
/// # Safety
/// Domain lock held, not in a GC finalizer, every owned object still alive
/// (their wrappers' references are released after this).
pub(crate) unsafe fn release_all() {
    let all = with_table(|t| {
        COUNT.store(0, Ordering::Release);
        LAST_OWNED.store(0, Ordering::Release);
        PENDING.store(0, Ordering::Release);
        let dead = std::mem::take(&mut t.dead);
        let releases = std::mem::take(&mut t.releases);
        let transfers = std::mem::take(&mut t.transfers);
        (std::mem::take(&mut t.by_object), dead, releases, transfers)
    });
    for (obj, _) in all.0.iter() {
        // SAFETY: live object (precondition); our weak ref is set.
        unsafe { gobj::g_object_weak_unref(*obj as *mut GObject, Some(on_object_gone), std::ptr::null_mut()) };
    }
    for c in all.3.iter() {
        // SAFETY: the reference `handle_released` took.
        unsafe { gobj::g_closure_unref(*c as *mut GClosure) };
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
    fn gclosure_shim_domain_id() -> std::ffi::c_int;
    fn gclosure_owners_install_hook();
    fn gclosure_refinalise(w: Val, fin: Val);
    fn gclosure_ephe_key_alive(eph: Val) -> std::ffi::c_int;
    fn gclosure_ephe_key_is(eph: Val, v: Val) -> std::ffi::c_int;
    fn gclosure_closure_refcount(c: *mut GClosure) -> std::ffi::c_uint;
    /// Adds the callback of `record` to the slots of owner ephemeron `eph`
    /// and the pair to the record; 0 when the ephemeron has no slots or
    /// the record no callback. Allocates (roots its arguments).
    fn gclosure_record_add_owner(record: Val, eph: Val) -> std::ffi::c_int;
    /// Frees the record's slots in its owners' tables (no allocation).
    fn gclosure_record_release(record: Val);
    /// A new record holding `cb` strongly (allocates; roots `cb`).
    fn gclosure_record_new(cb: Val) -> Val;
}

/// `core::hooks::owners_maintain`'s definition.
///
/// # Safety
/// As [`maintain`].
#[no_mangle]
unsafe fn gclosure_hook_owners_maintain() -> usize {
    // SAFETY: forwarded precondition.
    unsafe { maintain() }
}

/// `core::hooks::owners_release_root`'s definition.
///
/// # Safety
/// As [`release_root`].
#[no_mangle]
unsafe fn gclosure_hook_owners_release_root(p: CallbackRoot) {
    // SAFETY: forwarded precondition.
    unsafe { release_root(p) }
}
