//! The OCaml custom blocks that carry C pointers, and the owned references
//! the boundary turns them into.
//!
//! Every C pointer handed to OCaml sits in one of these blocks, never naked.
//! Their finalizers run inside OCaml's GC, so they only queue the release
//! (`deferred::push`): no OCaml runtime call, no GLib call. Blocks are made
//! only inside the library (`lifecycle::enter`), so never after the exit
//! has begun.
//!
//! A block can move (minor GC), so an external never keeps a pointer into
//! one: it reads the GObject or GClosure out at entry and takes its own
//! reference ([`ObjRef`], [`ClosureRef`]), or, for the one external whose
//! body can run no OCaml code, borrows the handle's ([`Borrowed`]).

use std::ptr::NonNull;

use glib::gobject_ffi::{self as gobj, GClosure, GObject, GValue};
use ocaml::sys;
use ocaml::Raw;

use crate::ocaml::boundary::{Arg, Res, Ret, Val};
use crate::ocaml::release::{self, Deferred};
use crate::core::invocation::{self, Invocation};

/// Allocates a custom block holding `x` (ops of `T`, data right after the
/// ops pointer).
///
/// # Safety
/// Domain lock held, inside the library.
pub(crate) unsafe fn custom_block<T: ocaml::Custom>(x: T) -> Val {
    // SAFETY: precondition; the block has room for a T, written at once.
    unsafe {
        let v = sys::caml_alloc_custom(
            T::ops() as *const _ as *const sys::custom_operations,
            std::mem::size_of::<T>(),
            T::USED,
            T::MAX,
        );
        std::ptr::write(sys::field(v, 1) as *mut T, x);
        v
    }
}

/// [`custom_block`] for a block that stands for `mem` bytes held outside
/// the OCaml heap (`caml_alloc_custom_mem`): the GC paces itself as if
/// they were allocated with it (see `weight`).
///
/// # Safety
/// As [`custom_block`].
pub(crate) unsafe fn custom_block_weighing<T: ocaml::Custom>(x: T, mem: usize) -> Val {
    // SAFETY: precondition; the block has room for a T, written at once.
    unsafe {
        let v = sys::caml_alloc_custom_mem(
            T::ops() as *const _ as *mut sys::custom_operations,
            std::mem::size_of::<T>(),
            mem,
        );
        std::ptr::write(sys::field(v, 1) as *mut T, x);
        v
    }
}

/// [`custom_block`] for a `T` whose custom operations have no finalizer
/// and count no outside memory: what `caml_alloc_custom` itself does for
/// such a block (one small allocation, the ops pointer in field 0, no
/// custom-table entry), without its general path (56 instructions of the
/// marshaller's, bench/analysis.md).
///
/// # Safety
/// As [`custom_block`]; `T::ops()` has no finalizer, and `T` fits a small
/// block.
pub(crate) unsafe fn custom_block_unfinalized<T: ocaml::Custom>(x: T) -> Val {
    const { assert!(std::mem::size_of::<T>() <= 16 * std::mem::size_of::<usize>(), "a small block") };
    debug_assert!(T::ops().finalize.is_none());
    let words = 1 + std::mem::size_of::<T>().div_ceil(std::mem::size_of::<usize>());
    // SAFETY: precondition; every field is written before the next
    // allocation (field 0: the ops, the others: `x`).
    unsafe {
        let v = sys::caml_alloc_small(words, sys::CUSTOM);
        *sys::field(v, 0) = T::ops() as *const _ as Val;
        std::ptr::write(sys::field(v, 1) as *mut T, x);
        v
    }
}

/// The data of a custom block of `T`.
///
/// # Safety
/// `v` is a custom block made by [`custom_block::<T>`]; the pointer is used
/// before any allocation.
pub(crate) unsafe fn block_data<T>(v: Val) -> *mut T {
    // SAFETY: precondition.
    unsafe { sys::field(v, 1) as *mut T }
}

// ---- the one finalizer -------------------------------------------------------

/// What a handle block holds: one reference (or value) that the block's
/// GC finalizer hands to a safe point as a typed release. Every handle
/// block (objects, closures, values, and `Gtk4`'s sources) has
/// [`finalize_handle`] as its finalizer.
pub(crate) trait Holds {
    /// The release of what the block holds, taken once (`None`: nothing to
    /// release). Runs inside the GC: it only moves data, no OCaml runtime
    /// call, no GLib call.
    fn take_release(&mut self) -> Option<Deferred>;
}

/// A block's pointer, taken once (null afterwards): `None` if already taken.
pub(crate) fn take_ptr<T>(p: &mut *mut T) -> Option<*mut T> {
    let p = std::mem::replace(p, std::ptr::null_mut());
    (!p.is_null()).then_some(p)
}

/// The finalizer of every handle block: queues the block's release
/// (`release::push`), nothing else (design invariant 2).
///
/// # Safety
/// Called by OCaml's GC only, as the finalizer of a block made for `T`.
pub(crate) unsafe extern "C" fn finalize_handle<T: Holds>(v: Raw) {
    // SAFETY: `v` is a block of `T` (precondition), finalized once.
    let h = unsafe { &mut *v.as_pointer::<T>().as_mut_ptr() };
    if let Some(d) = h.take_release() {
        // SAFETY: the block owned what `d` names; it is handed over once
        // (`take_release` leaves nothing to release behind).
        unsafe { release::push(d) };
    }
}

// ---- objects ---------------------------------------------------------------

/// One owned reference to a GObject (dropped with `g_object_unref`).
pub struct ObjRef(NonNull<GObject>);

impl ObjRef {
    /// Takes over a reference the caller owns.
    ///
    /// # Safety
    /// `p` is a GObject on which the caller owns one non-floating reference.
    pub unsafe fn from_full(p: *mut GObject) -> Option<ObjRef> {
        NonNull::new(p).map(ObjRef)
    }

    /// A new reference to `p` (a floating one is sunk: taken over).
    ///
    /// # Safety
    /// `p` is null or a live GObject.
    pub unsafe fn from_none(p: *mut GObject) -> Option<ObjRef> {
        let p = NonNull::new(p)?;
        // SAFETY: live object (precondition).
        unsafe { gobj::g_object_ref_sink(p.as_ptr() as *mut _) };
        Some(ObjRef(p))
    }

    /// The object; valid while `self` lives.
    pub fn ptr(&self) -> *mut GObject {
        self.0.as_ptr()
    }

    /// The object's class.
    pub fn class(&self) -> glib::Type {
        // SAFETY: a live object (the reference this value holds or borrows).
        unsafe { crate::gtk::gtype::class_of(self.ptr()) }
    }

    /// Gives the reference up to the caller.
    pub fn into_raw(self) -> *mut GObject {
        let p = self.ptr();
        std::mem::forget(self);
        p
    }
}

impl Drop for ObjRef {
    fn drop(&mut self) {
        // SAFETY: we own this reference. Only dropped inside the library,
        // outside finalizers (dispose may run OCaml handlers).
        unsafe { gobj::g_object_unref(self.ptr() as *mut _) }
    }
}

/// `'a Gobject.obj`: one reference to a GObject.
pub struct ObjHandle {
    ptr: *mut GObject,
}

impl Holds for ObjHandle {
    fn take_release(&mut self) -> Option<Deferred> {
        take_ptr(&mut self.ptr).map(Deferred::Object)
    }
}

/// The `obj` blocks' comparison (by address), for OCaml's `compare`.
///
/// # Safety
/// Called by OCaml only, with two blocks of these custom operations.
unsafe extern "C" fn obj_compare(a: Raw, b: Raw) -> i32 {
    // SAFETY: both are ObjHandle blocks (OCaml compares blocks of one ops only).
    let (a, b) = unsafe { ((*a.as_pointer::<ObjHandle>().as_ptr()).ptr, (*b.as_pointer::<ObjHandle>().as_ptr()).ptr) };
    a.cmp(&b) as i32
}

/// The `obj` blocks' hash (by address), for `Hashtbl.hash`.
///
/// # Safety
/// Called by OCaml only, with a block of these custom operations.
unsafe extern "C" fn obj_hash(v: Raw) -> ocaml::Int {
    // SAFETY: `v` is an ObjHandle block.
    unsafe { (*v.as_pointer::<ObjHandle>().as_ptr()).ptr as ocaml::Int >> 3 }
}

ocaml::custom!(ObjHandle { finalize: finalize_handle::<ObjHandle>, compare: obj_compare, hash: obj_hash });

impl Arg for ObjRef {
    unsafe fn read(v: Val, func: &'static str, name: &'static str) -> Res<Self> {
        // SAFETY: forwarded precondition (an ObjHandle block).
        let b = unsafe { Borrowed::<GObject>::read(v, func, name)? };
        // SAFETY: the object is alive (the block's reference); the new
        // reference is ours.
        unsafe { gobj::g_object_ref(b.ptr() as *mut _) };
        Ok(ObjRef(b.0))
    }
}

impl Ret for ObjRef {
    /// A new `obj` block that owns this reference, as heavy for the GC as
    /// what an object of its class keeps in C (`weight`).
    unsafe fn into_ocaml(self) -> Res<Val> {
        let mem = crate::gtk::weight::weight_of(self.class());
        // SAFETY: domain lock held (precondition); the block takes the reference.
        Ok(unsafe { custom_block_weighing(ObjHandle { ptr: self.into_raw() }, mem) })
    }
}

// ---- borrowed handles --------------------------------------------------------

/// A GObject or GClosure read from its handle for the time of one
/// external's body, without a reference of its own: two atomic operations
/// fewer per argument than [`ObjRef`] and [`ClosureRef`].
///
/// Only for an external whose body can run no OCaml code, allocates nothing
/// in the OCaml heap and never gives up the domain lock. The handle's own
/// reference is then dropped by nobody before the body returns: a handle's
/// reference is dropped only after its finalizer ran (the block was dead),
/// and only at a safe point; the argument's block is alive, and no minor GC
/// or major cycle can end without this domain while it holds its lock and
/// runs no OCaml code. `Gobject.Signal.connect_by_name` is one such
/// external (GLib's connect calls no code of its caller's), and the
/// lifecycle's hot path (bench/analysis.md); the owned closures' table
/// lookups (`ml/owners.rs`) are the others. Not `Clone`, not `Send`:
/// it cannot leave the body.
pub struct Borrowed<T>(NonNull<T>, std::marker::PhantomData<*mut T>);

impl<T> Borrowed<T> {
    /// The object or closure, for the body's GLib calls.
    pub fn ptr(&self) -> *mut T {
        self.0.as_ptr()
    }
}

impl Borrowed<GObject> {
    /// The object's class.
    pub fn class(&self) -> glib::Type {
        // SAFETY: a live object (the reference this value holds or borrows).
        unsafe { crate::gtk::gtype::class_of(self.ptr()) }
    }
}

impl Arg for Borrowed<GObject> {
    const BORROWS: bool = true;
    unsafe fn read(v: Val, _: &'static str, _: &'static str) -> Res<Self> {
        // SAFETY: `v` is an ObjHandle block, whose reference keeps the
        // object alive for the body (see the type's documentation).
        unsafe { Ok(Borrowed(NonNull::new_unchecked((*block_data::<ObjHandle>(v)).ptr), std::marker::PhantomData)) }
    }
}

impl Arg for Borrowed<GClosure> {
    const BORROWS: bool = true;
    unsafe fn read(v: Val, _: &'static str, _: &'static str) -> Res<Self> {
        // SAFETY: `v` is a ClosureHandle block, whose reference keeps the
        // closure alive for the body (see the type's documentation).
        unsafe { Ok(Borrowed(NonNull::new_unchecked((*block_data::<ClosureHandle>(v)).ptr), std::marker::PhantomData)) }
    }
}

// ---- closures --------------------------------------------------------------

/// One owned reference to a GClosure.
pub struct ClosureRef(NonNull<GClosure>);

impl ClosureRef {
    /// Takes over a reference the caller owns.
    ///
    /// # Safety
    /// `p` is a GClosure on which the caller owns one non-floating reference.
    pub unsafe fn from_full(p: NonNull<GClosure>) -> ClosureRef {
        ClosureRef(p)
    }

    /// The closure; valid while `self` lives.
    pub fn ptr(&self) -> *mut GClosure {
        self.0.as_ptr()
    }
}

impl Drop for ClosureRef {
    fn drop(&mut self) {
        // SAFETY: we own this reference; a closure's notifiers run no OCaml code.
        unsafe { gobj::g_closure_unref(self.ptr()) }
    }
}

/// `Gobject.g_closure`: one reference to a GClosure.
pub struct ClosureHandle {
    ptr: *mut GClosure,
}

impl Holds for ClosureHandle {
    fn take_release(&mut self) -> Option<Deferred> {
        take_ptr(&mut self.ptr).map(Deferred::Handle)
    }
}

ocaml::custom!(ClosureHandle { finalize: finalize_handle::<ClosureHandle> });

impl Arg for ClosureRef {
    unsafe fn read(v: Val, func: &'static str, name: &'static str) -> Res<Self> {
        // SAFETY: forwarded precondition (a ClosureHandle block).
        let b = unsafe { Borrowed::<GClosure>::read(v, func, name)? };
        // SAFETY: the closure is alive (the block's reference); the new
        // reference is ours.
        unsafe { gobj::g_closure_ref(b.ptr()) };
        Ok(ClosureRef(b.0))
    }
}

impl Ret for ClosureRef {
    /// A new `g_closure` block that owns this reference.
    unsafe fn into_ocaml(self) -> Res<Val> {
        let ptr = self.ptr();
        std::mem::forget(self);
        // SAFETY: domain lock held (precondition); the block takes the reference.
        Ok(unsafe { custom_block(ClosureHandle { ptr }) })
    }
}

// ---- invocations -----------------------------------------------------------

/// `Gobject.Closure.argv`: a running invocation, checked on each use.
#[derive(Clone, Copy)]
pub struct ArgvHandle {
    inv: *const Invocation,
    serial: u64,
}

// No finalizer (the block owns nothing): the runtime then keeps no table
// entry for it, so it costs one small allocation.
impl ocaml::Custom for ArgvHandle {
    const NAME: &'static str = "gclosure.argv\0";
    const OPS: ocaml::custom::CustomOps = ocaml::custom::CustomOps {
        identifier: Self::NAME.as_ptr() as *const ocaml::sys::Char,
        finalize: None,
        ..ocaml::custom::DEFAULT_CUSTOM_OPS
    };
}

impl ArgvHandle {
    /// Allocates a block naming the running invocation `inv` and returns it
    /// unrooted: the marshaller hands it to OCaml before allocating again.
    ///
    /// # Safety
    /// The domain lock is held, inside the library; the caller makes no
    /// allocation before the value is passed to OCaml (or rooted).
    pub unsafe fn new_raw(inv: &Invocation) -> Val {
        // SAFETY: precondition.
        unsafe { custom_block_unfinalized(ArgvHandle { inv, serial: inv.serial() }) }
    }

    /// The invocation, if it is still running on this thread.
    pub fn get(&self) -> Option<&Invocation> {
        // SAFETY: the reference is tied to `&self`, a handle read by an
        // external for its body, which runs inside the invocation's
        // callback if the invocation is found running on this thread.
        unsafe { invocation::find(self.inv, self.serial) }
    }

    /// The running invocation named by `v`, if `v` is an argv handle block
    /// whose invocation still runs on this thread (C API).
    ///
    /// # Safety
    /// `v` is a valid OCaml value; the domain lock is held.
    pub unsafe fn invocation_of<'a>(v: Val) -> Option<&'a Invocation> {
        // SAFETY: `v` is a valid value (precondition): a block's tag and,
        // for a custom block, its ops pointer (field 0) can be read.
        unsafe {
            if !sys::is_block(v) || sys::tag_val(v) != sys::CUSTOM {
                return None;
            }
            let ops = *sys::field(v, 0) as *const ocaml::custom::CustomOps;
            if !std::ptr::eq(ops, <ArgvHandle as ocaml::Custom>::ops()) {
                return None;
            }
            let h = *block_data::<ArgvHandle>(v);
            // (the caller keeps the reference within its frame: the C API's
            // functions say so for the invocation pointer they return)
            invocation::find(h.inv, h.serial)
        }
    }
}

impl Arg for ArgvHandle {
    unsafe fn read(v: Val, _: &'static str, _: &'static str) -> Res<Self> {
        // SAFETY: `v` is an ArgvHandle block; copied out.
        Ok(unsafe { *block_data::<ArgvHandle>(v) })
    }
}

// ---- values ----------------------------------------------------------------

/// `Gobject.g_value`: a GValue of our own, or one borrowed from a running
/// invocation (argument `index`, or the result when `index` is
/// [`RESULT_INDEX`]).
pub enum ValueHandle {
    /// Made by `Gobject.Value.create`; unset and freed at a safe point.
    Owned(Option<Box<GValue>>),
    /// Lent by GLib for one invocation.
    Borrowed {
        /// The invocation that lends it.
        inv: *const Invocation,
        /// That invocation's serial (checked on each use).
        serial: u64,
        /// Which argument, or [`RESULT_INDEX`].
        index: u32,
    },
}

/// `index` of a borrowed result value.
pub const RESULT_INDEX: u32 = u32::MAX;

impl Holds for ValueHandle {
    fn take_release(&mut self) -> Option<Deferred> {
        match self {
            ValueHandle::Owned(b) => b.take().map(Deferred::Value),
            ValueHandle::Borrowed { .. } => None,
        }
    }
}

ocaml::custom!(ValueHandle { finalize: finalize_handle::<ValueHandle> });

impl Ret for ValueHandle {
    unsafe fn into_ocaml(self) -> Res<Val> {
        // SAFETY: domain lock held (precondition).
        Ok(unsafe { custom_block(self) })
    }
}

/// A `g_value` argument resolved at entry: the GValue, and whether the
/// caller may write it (its own values and a callback's result, not a
/// callback's arguments, which GLib lends read-only).
pub struct ValueRef {
    /// The GValue, valid for the call.
    pub ptr: *mut GValue,
    /// Whether it may be written.
    pub writable: bool,
}

impl Arg for ValueRef {
    unsafe fn read(v: Val, func: &'static str, _: &'static str) -> Res<Self> {
        // SAFETY: `v` is a ValueHandle block; read before any allocation.
        let h = unsafe { &mut *block_data::<ValueHandle>(v) };
        match h {
            ValueHandle::Owned(Some(b)) => Ok(ValueRef { ptr: &mut **b as *mut GValue, writable: true }),
            ValueHandle::Owned(None) => Err(crate::ocaml::boundary::invalid(func, "value already released")),
            ValueHandle::Borrowed { inv, serial, index } => {
                // SAFETY: used within this argument's read, inside the
                // invocation's callback when found.
                let inv = unsafe { invocation::find(*inv, *serial) }.ok_or_else(|| {
                    crate::ocaml::boundary::invalid(func, "value used after its callback returned (or from another thread)")
                })?;
                if *index == RESULT_INDEX {
                    Ok(ValueRef { ptr: inv.ret, writable: true })
                } else {
                    let ptr = inv.param(*index as usize).ok_or_else(|| crate::ocaml::boundary::invalid(func, "argument out of range"))?;
                    Ok(ValueRef { ptr, writable: false })
                }
            }
        }
    }
}

/// For C stubs of bindings built on this library: the GObject held by an
/// `'a Gobject.obj` value, borrowed (valid while the value is reachable;
/// take a reference to keep it longer).
///
/// # Safety
/// `v` is a `Gobject.obj` value and the caller holds the domain lock.
#[no_mangle]
pub unsafe extern "C" fn gclosure_obj_gobject(v: Val) -> *mut GObject {
    // SAFETY: `v` is an ObjHandle custom block (precondition).
    unsafe { (*block_data::<ObjHandle>(v)).ptr }
}
