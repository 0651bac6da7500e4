//! A local root (what C's `CAMLlocal1` makes) kept by Rust code across a
//! call: the C API's marshaller roots a binding's argv with it across the
//! callback, where a boxroot cost an allocation and a deletion per
//! invocation (issue 25, `bench/analysis.md`).
//!
//! The frame is linked into the thread's local roots (`src/shim.c`,
//! `gclosure_shim_local_root_push`) and unlinked by [`Pushed`]'s drop, on
//! every path out of the marshaller (a panic included), before any frame
//! linked earlier is: the LIFO order of C's `CAMLparam`/`CAMLreturn`.

use std::cell::UnsafeCell;
use std::marker::PhantomData;

use ocaml::sys::Value;

/// `struct gclosure_local_root` of `src/shim.c`: OCaml's
/// `struct caml__roots_block` (next, ntables, nitems, tables[5]) and the
/// rooted cell.
#[repr(C)]
struct Frame {
    next: *mut std::ffi::c_void,
    ntables: isize,
    nitems: isize,
    tables: [*mut Value; 5],
    v: Value,
}

extern "C" {
    fn gclosure_shim_local_root_push(r: *mut Frame, v: Value);
    fn gclosure_shim_local_root_pop(r: *mut Frame);
    #[cfg(test)]
    fn gclosure_shim_local_root_size() -> usize;
}

/// Room for one local root, on the caller's stack (not yet linked).
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
            v: ocaml::sys::UNIT,
        }))
    }

    /// Links the frame, holding `v`, until the guard drops. The borrow keeps
    /// the frame at its address meanwhile.
    ///
    /// # Safety
    /// The calling thread holds its domain lock, and keeps it (or gives it
    /// up only through the runtime, which saves its local roots) until the
    /// guard drops; `v` is a valid value; every frame linked after this one
    /// is unlinked before the guard drops (OCaml code and C stubs do that).
    #[inline(always)]
    pub unsafe fn push(&self, v: Value) -> Pushed<'_> {
        // SAFETY: precondition; the frame lives and stays put while borrowed.
        unsafe { gclosure_shim_local_root_push(self.0.get(), v) };
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
    /// The rooted value now (a collection may have moved it).
    ///
    /// # Safety
    /// The domain lock is held.
    #[inline(always)]
    pub unsafe fn get(&self) -> Value {
        // SAFETY: the cell is ours; the GC writes it only while this thread
        // is stopped at an allocation or poll point.
        unsafe { (*self.frame.0.get()).v }
    }
}

impl Drop for Pushed<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: linked by `push` on this thread (not Send), the innermost
        // frame by its precondition; the domain lock is held.
        unsafe { gclosure_shim_local_root_pop(self.frame.0.get()) }
    }
}

/// Whether the Rust mirror has the C layout (a unit test checks it).
#[cfg(test)]
fn layout_matches() -> bool {
    // SAFETY: a constant from the shim.
    std::mem::size_of::<Frame>() == unsafe { gclosure_shim_local_root_size() }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_frame_has_the_c_layout() {
        assert!(super::layout_matches());
    }
}
