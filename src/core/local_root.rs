//! Two local roots (what C's `CAMLlocal2` makes) kept by Rust code across
//! a call: the C API's marshaller roots the callback and a binding's argv
//! with them from before `build_argv` to after `finish`, where a boxroot
//! cost an allocation and a deletion per invocation (issue 25,
//! `bench/analysis.md`).
//!
//! The frame is linked into the thread's local roots (`src/shim.c`,
//! `gclosure_shim_local_roots_push`) and unlinked by [`Pushed`]'s drop, on
//! every path out of the marshaller (a panic included), before any frame
//! linked earlier is: the LIFO order of C's `CAMLparam`/`CAMLreturn`.

use std::cell::UnsafeCell;
use std::marker::PhantomData;

use ocaml::sys::Value;

/// `struct gclosure_local_roots` of `src/shim.c`: OCaml's
/// `struct caml__roots_block` (next, ntables, nitems, tables[5]) and the
/// two rooted cells.
#[repr(C)]
struct Frame {
    next: *mut std::ffi::c_void,
    ntables: isize,
    nitems: isize,
    tables: [*mut Value; 5],
    v: [Value; 2],
}

extern "C" {
    fn gclosure_shim_local_roots_push(r: *mut Frame, v0: Value, v1: Value);
    fn gclosure_shim_local_roots_pop(r: *mut Frame);
    #[cfg(test)]
    fn gclosure_shim_local_roots_size() -> usize;
}

/// Room for two local roots, on the caller's stack (not yet linked).
pub struct LocalRoot(UnsafeCell<Frame>);

impl LocalRoot {
    /// An unlinked frame.
    #[inline(always)]
    pub fn new() -> Self {
        LocalRoot(UnsafeCell::new(Frame {
            next: std::ptr::null_mut(),
            ntables: 0,
            nitems: 0,
            tables: [std::ptr::null_mut(); 5],
            v: [ocaml::sys::UNIT; 2],
        }))
    }

    /// Links the frame, holding `v0` and `v1`, until the guard drops. The borrow keeps
    /// the frame at its address meanwhile.
    ///
    /// # Safety
    /// The calling thread holds its domain lock, and keeps it (or gives it
    /// up only through the runtime, which saves its local roots) until the
    /// guard drops; `v0` and `v1` are valid values; every frame linked after this one
    /// is unlinked before the guard drops (OCaml code and C stubs do that).
    #[inline(always)]
    pub unsafe fn push(&self, v0: Value, v1: Value) -> Pushed<'_> {
        // SAFETY: precondition; the frame lives and stays put while borrowed.
        unsafe { gclosure_shim_local_roots_push(self.0.get(), v0, v1) };
        Pushed { frame: self, _not_send: PhantomData }
    }
}

impl Default for LocalRoot {
    fn default() -> Self {
        Self::new()
    }
}

/// A linked [`LocalRoot`]; unlinked on drop.
pub struct Pushed<'a> {
    frame: &'a LocalRoot,
    _not_send: PhantomData<*mut ()>,
}

impl Pushed<'_> {
    /// Rooted value `i` (0 or 1) now (a collection may have moved it).
    ///
    /// # Safety
    /// The domain lock is held.
    #[inline(always)]
    pub unsafe fn get(&self, i: usize) -> Value {
        // SAFETY: the cells are ours; the GC writes them only while this
        // thread is stopped at an allocation or poll point.
        unsafe { (*self.frame.0.get()).v[i] }
    }

    /// Makes cell `i` (0 or 1) hold `v`.
    ///
    /// # Safety
    /// The domain lock is held; `v` is a valid value.
    #[inline(always)]
    pub unsafe fn set(&self, i: usize, v: Value) {
        // SAFETY: as in `get`; a local root is written without a barrier
        // (what `CAMLlocal` variables are).
        unsafe { (*self.frame.0.get()).v[i] = v }
    }
}

impl Drop for Pushed<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: linked by `push` on this thread (not Send), the innermost
        // frame by its precondition; the domain lock is held.
        unsafe { gclosure_shim_local_roots_pop(self.frame.0.get()) }
    }
}

/// Whether the Rust mirror has the C layout (a unit test checks it).
#[cfg(test)]
fn layout_matches() -> bool {
    // SAFETY: a constant from the shim.
    std::mem::size_of::<Frame>() == unsafe { gclosure_shim_local_roots_size() }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_frame_has_the_c_layout() {
        assert!(super::layout_matches());
    }
}
