//! The arguments of one closure invocation, and when they may be read.
//!
//! GLib lends the marshaller its `GValue`s only for the duration of the
//! call. OCaml's `argv` (and the `g_value`s taken from it) may outlive it,
//! so they hold a pointer to an [`Invocation`] *and* its serial number, and
//! every access first checks, with [`find`], that this very invocation is
//! still running on the calling thread. A stale or foreign `argv` is an
//! error, never a read of freed memory.

use std::cell::Cell;

use glib::gobject_ffi::GValue;

/// One running invocation, on the marshaller's stack.
pub struct Invocation {
    /// Where the result goes; null when none is expected.
    pub ret: *mut GValue,
    /// The arguments (the instance first, for signals).
    pub params: *const GValue,
    /// How many arguments.
    pub n: u32,
    /// The closure invoked (set by the marshaller; null otherwise).
    pub closure: *mut glib::gobject_ffi::GClosure,
    /// GLib's invocation hint (signal emissions), or null.
    pub hint: glib::ffi::gpointer,
    serial: u64,
    prev: *const Invocation,
}

thread_local! {
    static CURRENT: Cell<*const Invocation> = const { Cell::new(std::ptr::null()) };
    static NEXT_SERIAL: Cell<u64> = const { Cell::new(1) };
}

/// Marks an invocation as running until dropped.
pub struct Running<'a> {
    inv: &'a Invocation,
}

impl Invocation {
    /// An invocation over GLib's arguments (not yet running).
    pub fn new(ret: *mut GValue, n: u32, params: *const GValue) -> Self {
        Invocation { ret, params, n, closure: std::ptr::null_mut(), hint: std::ptr::null_mut(), serial: 0, prev: std::ptr::null() }
    }

    /// Starts it on this thread; it stays valid while the guard lives (the
    /// borrow keeps it from moving).
    pub fn start(&mut self) -> Running<'_> {
        self.serial = NEXT_SERIAL.with(|s| {
            let v = s.get();
            s.set(v + 1);
            v
        });
        self.prev = CURRENT.with(|c| c.replace(self as *const Invocation));
        Running { inv: self }
    }

    /// Its serial number, unique on its thread.
    pub fn serial(&self) -> u64 {
        self.serial
    }

    /// The `i`-th argument, if in range.
    pub fn param(&self, i: usize) -> Option<*mut GValue> {
        // SAFETY: `params` points to `n` GValues lent by GLib for the call,
        // and the caller obtained `self` through `find`, so the call runs.
        (i < self.n as usize).then(|| unsafe { self.params.add(i) as *mut GValue })
    }
}

impl Running<'_> {
    /// The running invocation.
    pub fn invocation(&self) -> &Invocation {
        self.inv
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.inv.prev));
    }
}

/// The invocation `ptr` with serial `serial`, if it is running on this
/// thread (nested invocations are searched innermost first).
pub fn find<'a>(ptr: *const Invocation, serial: u64) -> Option<&'a Invocation> {
    let mut cur = CURRENT.with(|c| c.get());
    while !cur.is_null() {
        // SAFETY: every pointer in the chain is a running invocation on this
        // thread's stack (pushed by `start`, popped by `Running::drop`).
        let inv = unsafe { &*cur };
        if cur == ptr && inv.serial == serial {
            return Some(inv);
        }
        cur = inv.prev;
    }
    None
}
