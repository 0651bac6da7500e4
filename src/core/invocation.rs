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
    /// This thread's next serial; 0 until its first invocation, which
    /// takes a range of its own (see [`SERIAL_BITS`]).
    static NEXT_SERIAL: Cell<u64> = const { Cell::new(0) };
}

/// Each thread numbers its invocations in a range of 2^40 serials of its
/// own (thread ranges are handed out in order, from 1), so that a serial
/// names one invocation in the process, not only on its thread: the C
/// API's tokens ([`find_serial`]) rely on it. A thread that ran 2^40
/// invocations takes a new range.
const SERIAL_BITS: u32 = 40;

/// The next thread range (its number, shifted by [`SERIAL_BITS`]).
static NEXT_RANGE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

#[cold]
fn new_range() -> u64 {
    let r = NEXT_RANGE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    // 2^22 ranges: past that (never, in practice) a serial could repeat,
    // so the numbering stops instead and tokens read as stale.
    assert!(r < 1 << (62 - SERIAL_BITS), "invocation serials exhausted");
    r << SERIAL_BITS
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
            let mut v = s.get();
            if v & ((1 << SERIAL_BITS) - 1) == 0 {
                v = new_range() | 1;
            }
            s.set(v + 1);
            v
        });
        self.prev = CURRENT.with(|c| c.replace(self as *const Invocation));
        Running { inv: self }
    }

    /// Its serial number, unique in the process (below 2^62).
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
///
/// # Safety
/// The reference is used only while that invocation runs: within the
/// library frame that looked it up, which runs inside the invocation's
/// callback (the invocation lives on the marshaller's stack below it).
pub unsafe fn find<'a>(ptr: *const Invocation, serial: u64) -> Option<&'a Invocation> {
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

/// The invocation with serial `serial`, if it is running on this thread
/// (serials are unique in the process: one of another thread is never
/// found here).
///
/// # Safety
/// As [`find`].
pub unsafe fn find_serial<'a>(serial: u64) -> Option<&'a Invocation> {
    let mut cur = CURRENT.with(|c| c.get());
    while !cur.is_null() {
        // SAFETY: as in `find`.
        let inv = unsafe { &*cur };
        if inv.serial == serial {
            return Some(inv);
        }
        cur = inv.prev;
    }
    None
}
