//! The OCaml custom blocks that carry C pointers.
//!
//! Every C pointer handed to OCaml sits in one of these blocks, never naked.
//! Their finalizers run inside OCaml's GC, so they only queue the release
//! (`deferred::push`): no OCaml runtime call, no GLib call.
//!
//! Every block is allocated through [`alloc`], which refuses once shutdown
//! has closed the allocation gate (`lifecycle::gated`).

use glib::gobject_ffi::GValue;
use glib::gobject_ffi::{GClosure, GObject};
use ocaml::{Pointer, Raw};

use crate::deferred::{self, Deferred};
use crate::invocation::{self, Invocation};

/// Allocates a custom block holding `x`, or `None` after shutdown (then
/// `x` is dropped without touching the runtime).
pub fn alloc<T: ocaml::Custom>(x: T) -> Option<Pointer<T>> {
    let mut x = Some(x);
    crate::lifecycle::gated(|| Pointer::alloc_custom(x.take().expect("once")))
}

/// `'a Gobject.obj`: one reference to a GObject.
pub struct ObjHandle {
    ptr: *mut GObject,
}

unsafe extern "C" fn obj_finalize(v: Raw) {
    // SAFETY: `v` is an ObjHandle block (this is its ops' finalizer).
    let h = unsafe { &*v.as_pointer::<ObjHandle>().as_ptr() };
    deferred::push(Deferred::Object(h.ptr));
}

unsafe extern "C" fn obj_compare(a: Raw, b: Raw) -> i32 {
    // SAFETY: both are ObjHandle blocks (OCaml compares blocks of one ops only).
    let (a, b) = unsafe { ((*a.as_pointer::<ObjHandle>().as_ptr()).ptr, (*b.as_pointer::<ObjHandle>().as_ptr()).ptr) };
    a.cmp(&b) as i32
}

unsafe extern "C" fn obj_hash(v: Raw) -> ocaml::Int {
    // SAFETY: `v` is an ObjHandle block.
    unsafe { (*v.as_pointer::<ObjHandle>().as_ptr()).ptr as ocaml::Int >> 3 }
}

ocaml::custom!(ObjHandle { finalize: obj_finalize, compare: obj_compare, hash: obj_hash });

impl ObjHandle {
    /// A block owning the reference the caller passes in; after shutdown,
    /// `None` and the reference is queued for release.
    ///
    /// # Safety
    /// `ptr` is a GObject on which the caller owns one (non-floating) reference.
    pub unsafe fn take(ptr: *mut GObject) -> Option<Pointer<ObjHandle>> {
        let h = alloc(ObjHandle { ptr });
        if h.is_none() {
            deferred::push(Deferred::Object(ptr));
        }
        h
    }

    /// A block with a new reference to `ptr` (sinking a floating one).
    ///
    /// # Safety
    /// `ptr` is a live GObject.
    pub unsafe fn add_ref(ptr: *mut GObject) -> Option<Pointer<ObjHandle>> {
        // SAFETY: live object (precondition); ref_sink takes a floating ref
        // over or adds a normal one.
        unsafe { glib::gobject_ffi::g_object_ref_sink(ptr as *mut _) };
        // SAFETY: we now own that reference.
        unsafe { Self::take(ptr) }
    }

    /// The object; valid while this handle lives.
    pub fn ptr(&self) -> *mut GObject {
        self.ptr
    }
}

/// `Gobject.g_closure`: one reference to a GClosure.
pub struct ClosureHandle {
    ptr: *mut GClosure,
}

unsafe extern "C" fn closure_finalize(v: Raw) {
    // SAFETY: `v` is a ClosureHandle block.
    let h = unsafe { &*v.as_pointer::<ClosureHandle>().as_ptr() };
    deferred::push(Deferred::Closure(h.ptr));
}

ocaml::custom!(ClosureHandle { finalize: closure_finalize });

impl ClosureHandle {
    /// A block owning one reference to `ptr`; after shutdown, `None` and
    /// the reference is queued for release.
    ///
    /// # Safety
    /// The caller owns one non-floating reference to the GClosure `ptr`.
    pub unsafe fn take(ptr: *mut GClosure) -> Option<Pointer<ClosureHandle>> {
        let h = alloc(ClosureHandle { ptr });
        if h.is_none() {
            deferred::push(Deferred::Closure(ptr));
        }
        h
    }

    /// The closure; valid while this handle lives.
    pub fn ptr(&self) -> *mut GClosure {
        self.ptr
    }
}

/// `Gobject.Closure.argv`: a running invocation, checked on each use.
pub struct ArgvHandle {
    inv: *const Invocation,
    serial: u64,
}

// No finalizer (the block owns nothing): the runtime then keeps no table
// entry for it, so it costs one small allocation and needs no gate.
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
    /// The domain lock is held; the caller makes no allocation before the
    /// value is passed to OCaml (or rooted).
    pub unsafe fn new_raw(inv: &Invocation) -> ocaml::sys::Value {
        // SAFETY: domain lock held (precondition); ops with no finalizer, a
        // block the size of ArgvHandle, initialised right after.
        unsafe {
            let v = ocaml::sys::caml_alloc_custom(
                <ArgvHandle as ocaml::Custom>::ops() as *const _ as *const ocaml::sys::custom_operations,
                std::mem::size_of::<ArgvHandle>(),
                0,
                1,
            );
            std::ptr::write(ocaml::sys::field(v, 1) as *mut ArgvHandle, ArgvHandle { inv, serial: inv.serial() });
            v
        }
    }

    /// The invocation, if it is still running on this thread.
    pub fn get(&self) -> Option<&Invocation> {
        invocation::find(self.inv, self.serial)
    }

}

/// `Gobject.g_value`: a GValue of our own, or one borrowed from a running
/// invocation (argument `index`, or the result when `index` is `u32::MAX`).
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

unsafe extern "C" fn value_finalize(v: Raw) {
    // SAFETY: `v` is a ValueHandle block, finalized once.
    let h = unsafe { &mut *v.as_pointer::<ValueHandle>().as_mut_ptr() };
    if let ValueHandle::Owned(b) = h {
        if let Some(b) = b.take() {
            deferred::push(Deferred::Value(b));
        }
    }
}

ocaml::custom!(ValueHandle { finalize: value_finalize });

impl ValueHandle {
    /// The GValue, or why it cannot be used.
    pub fn get(&mut self) -> Result<*mut GValue, &'static str> {
        match self {
            ValueHandle::Owned(Some(b)) => Ok(&mut **b as *mut GValue),
            ValueHandle::Owned(None) => Err("value already released"),
            ValueHandle::Borrowed { inv, serial, index } => {
                let inv = invocation::find(*inv, *serial)
                    .ok_or("value used after its callback returned (or from another thread)")?;
                if *index == RESULT_INDEX {
                    Ok(inv.ret)
                } else {
                    inv.param(*index as usize).ok_or("argument out of range")
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
pub unsafe extern "C" fn gclosure_obj_gobject(v: ocaml::sys::Value) -> *mut GObject {
    // SAFETY: `v` is an ObjHandle custom block (precondition); its data
    // starts right after the custom-operations pointer.
    unsafe { (*(ocaml::sys::field(v, 1) as *const ObjHandle)).ptr }
}
