//! The one boundary between OCaml and Rust: every external of the OCaml
//! library is an `extern "C"` function made by [`externals!`], and runs
//! through [`call`]. Its contract, in order:
//!
//! 1. **Closed check first.** The thread is counted into the library and
//!    its life is read (`lifecycle::enter`) before anything else: before
//!    any runtime allocation or root. Closed: `Gclosure.Closed` is raised
//!    (a constant exception: nothing is allocated). Exiting: the thread
//!    parks and never returns into OCaml.
//! 2. **Arguments are owned or validated at entry** ([`Arg`]), before any
//!    call that could run OCaml code or allocate: strings are copied and
//!    checked for NUL bytes (and UTF-8 where GLib needs text), objects and
//!    closures are referenced (only borrowed by an external whose body can
//!    run no OCaml code: `handles::Borrowed`, [`BorrowedBytes`]), OCaml
//!    values that must survive are rooted.
//!    Nothing keeps a pointer into an OCaml block after that. No argument
//!    is rooted otherwise: reading them allocates nothing.
//! 3. **Panics never cross the boundary**: they become `Failure "<function>:
//!    internal error: …"` and the thread can panic again later.
//! 4. **Exceptions are raised only after every Rust value of the call has
//!    been dropped**: the exception value is built (allocating its
//!    message), the Rust message freed, the thread counted out, and only
//!    then does `caml_raise` unwind through this frame, which owns nothing.
//!
//! The result is converted to an OCaml value ([`Ret`]) inside the library,
//! after the arguments were dropped.

use std::ffi::{CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use ocaml::sys;

use crate::ocaml::errors::GcError;
use crate::core::lifecycle::{self, Accept};
use crate::core::safepoint;
use crate::core::token::Domain;

/// An OCaml value as it crosses the boundary (`value` in C).
pub type Val = sys::Value;

/// What a body returns: a value, or the error to raise.
pub type Res<T> = Result<T, GcError>;

/// `Invalid_argument "{func}: {what}"`.
pub fn invalid(func: &str, what: impl std::fmt::Display) -> GcError {
    GcError::invalid(func, what)
}

extern "C" {
    fn gclosure_shim_exn_with_string(exn: *const Val, msg: *const u8, len: usize) -> Val;
    fn gclosure_shim_alloc_tagged(tag: u8, field: Val) -> Val;
}

/// Runs one external's `body` under the contract above. `body` reads its
/// arguments (see [`externals!`]) and does the work.
///
/// # Safety
/// Called by an external stub only: the calling thread is an OCaml thread
/// holding its domain lock, not inside a GC finalizer.
#[inline(always)]
pub unsafe fn call<T: Ret>(func: &'static str, accept: Accept, body: impl FnOnce(Domain<'_>) -> Res<T>) -> Val {
    let Ok(inside) = lifecycle::enter(accept) else {
        // Closed (an Exiting state parked inside `enter`, unless this
        // thread runs the exit itself).
        // SAFETY: domain lock held; raising a constant exception allocates nothing.
        unsafe { raise_closed() }
    };
    // SAFETY: an external holds the domain lock, outside any finalizer
    // (precondition), for the whole call; inside the library (`inside`).
    let d = unsafe { Domain::assume(&inside) };
    let outcome = match catch_unwind(AssertUnwindSafe(|| -> Res<Val> {
        safepoint::at_entry(d);
        let r = body(d)?; // the arguments are dropped here
        // SAFETY: domain lock held.
        unsafe { r.into_ocaml() }
    })) {
        Ok(r) => r,
        Err(panic) => Err(GcError::Failure(format!("{func}: internal error: {}", panic_message(&*panic)))),
    };
    let outcome = outcome.map_err(|e| {
        // SAFETY: domain lock held, inside the library.
        unsafe { exception_value(e) } // the message is freed here
    });
    drop(inside);
    match outcome {
        Ok(v) => v,
        // SAFETY: an exception value; nothing of this frame needs dropping.
        Err(exn) => unsafe {
            sys::caml_raise(exn);
            unreachable!()
        },
    }
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "a Rust panic".to_string()
    }
}

static CLOSED_EXN: std::sync::atomic::AtomicPtr<Val> = std::sync::atomic::AtomicPtr::new(std::ptr::null_mut());

/// Looks up the exceptions the boundary raises, once, when `Gclosure`
/// initialises (after it registered them).
///
/// # Safety
/// Domain lock held.
pub unsafe fn cache_exceptions() {
    // SAFETY: precondition. Named values live (and are kept up to date by
    // the GC) until the runtime stops.
    let p = unsafe { sys::caml_named_value(c"gclosure.closed".as_ptr()) };
    CLOSED_EXN.store(p as *mut Val, std::sync::atomic::Ordering::Release);
}

/// Raises `Gclosure.Closed`.
///
/// # Safety
/// Domain lock held; nothing owned by the caller's frames needs dropping.
pub unsafe fn raise_closed() -> ! {
    let p = CLOSED_EXN.load(std::sync::atomic::Ordering::Acquire);
    // SAFETY: precondition; `p` is the named value's cell.
    unsafe {
        if p.is_null() {
            sys::caml_failwith(c"ocaml-gclosure is shut down".as_ptr());
        } else {
            sys::caml_raise(*p);
        }
    }
    unreachable!()
}

/// The OCaml exception for `e`; the message is copied into the OCaml heap
/// and the Rust string freed.
///
/// # Safety
/// Domain lock held.
unsafe fn exception_value(e: GcError) -> Val {
    let (name, msg) = match e {
        GcError::Closed => {
            let p = CLOSED_EXN.load(std::sync::atomic::Ordering::Acquire);
            if !p.is_null() {
                // SAFETY: the named value's cell.
                return unsafe { *p };
            }
            (c"gclosure.failure", "ocaml-gclosure is shut down".to_string())
        }
        GcError::InvalidArgument(m) => (c"gclosure.invalid_argument", m),
        GcError::Failure(m) => (c"gclosure.failure", m),
    };
    // SAFETY: precondition; the named exceptions are registered by Gclosure.
    unsafe {
        let exn = sys::caml_named_value(name.as_ptr());
        gclosure_shim_exn_with_string(exn, msg.as_ptr(), msg.len())
    }
}

// ---- arguments -------------------------------------------------------------

/// An argument read at entry. `read` allocates nothing in the OCaml heap, so
/// the other raw arguments stay valid while each is read.
pub trait Arg: Sized {
    /// The value only borrows the argument's block (or what it holds), so
    /// it is sound only while the body runs no OCaml code: allowed only in
    /// an external declared `no_ocaml` (see [`externals!`]; the compiler
    /// refuses it elsewhere).
    const BORROWS: bool = false;
    /// Reads, validates and owns argument `name` of `func`.
    ///
    /// # Safety
    /// `v` is a value of the OCaml type the external declares for it; the
    /// domain lock is held.
    unsafe fn read(v: Val, func: &'static str, name: &'static str) -> Res<Self>;
}

impl Arg for isize {
    unsafe fn read(v: Val, _: &'static str, _: &'static str) -> Res<Self> {
        Ok(v >> 1)
    }
}

impl Arg for bool {
    unsafe fn read(v: Val, _: &'static str, _: &'static str) -> Res<Self> {
        Ok(v != sys::FALSE)
    }
}

/// The bytes of an OCaml string, borrowed for the time of `f` (no allocation
/// may happen meanwhile).
///
/// # Safety
/// `v` is an OCaml string.
unsafe fn with_bytes<R>(v: Val, f: impl FnOnce(&[u8]) -> R) -> R {
    // SAFETY: precondition; the slice is used before anything can move it.
    unsafe { f(std::slice::from_raw_parts(sys::string_val(v), sys::caml_string_length(v))) }
}

/// Where the first NUL byte is, as an error.
fn no_nul(func: &str, name: &str, b: &[u8]) -> Res<()> {
    // CStr's own scan (memchr) finds the first NUL fastest.
    match CStr::from_bytes_until_nul(b).ok().map(|c| c.to_bytes().len()) {
        Some(i) => Err(invalid(func, format!("{name} {:?} contains a NUL byte (byte {i})", String::from_utf8_lossy(b)))),
        None => Ok(()),
    }
}

/// A string argument that GLib reads as text: UTF-8, no NUL byte, kept
/// NUL-terminated (inline when short: signal and property names).
pub enum Text {
    /// Up to 63 bytes, NUL-terminated, inline.
    Inline([u8; 64], usize),
    /// Longer.
    Heap(CString),
}

impl Text {
    /// Copies and checks `b`; errors name `what` (the messages are only
    /// formatted on error: this is on every call's path).
    pub fn new(func: &str, what: &str, b: &[u8]) -> Res<Text> {
        // Names are short ASCII: one pass checks both, the rest only then.
        if !b.iter().all(|&c| c != 0 && c < 0x80) {
            no_nul(func, what, b)?;
            if let Err(e) = std::str::from_utf8(b) {
                return Err(invalid(
                    func,
                    format!("{what} {:?} is not valid UTF-8 (byte {})", String::from_utf8_lossy(b), e.valid_up_to()),
                ));
            }
        }
        Ok(if b.len() < 64 {
            let mut buf = [0u8; 64];
            buf[..b.len()].copy_from_slice(b);
            Text::Inline(buf, b.len())
        } else {
            Text::Heap(CString::new(b).expect("checked: no NUL"))
        })
    }

    /// As a C string.
    pub fn as_cstr(&self) -> &CStr {
        match self {
            // SAFETY: `new` checked that there is no NUL byte in the first
            // `n` bytes, and wrote one at `n`.
            Text::Inline(buf, n) => unsafe { CStr::from_bytes_with_nul_unchecked(&buf[..=*n]) },
            Text::Heap(c) => c,
        }
    }

    /// As `&str` (checked UTF-8).
    pub fn as_str(&self) -> &str {
        // SAFETY: `new` checked that the bytes are UTF-8.
        unsafe { std::str::from_utf8_unchecked(self.as_cstr().to_bytes()) }
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_str().fmt(f)
    }
}

impl Arg for Text {
    unsafe fn read(v: Val, func: &'static str, name: &'static str) -> Res<Self> {
        // SAFETY: `v` is a string (precondition).
        unsafe { with_bytes(v, |b| Text::new(func, name, b)) }
    }
}

/// A string argument borrowed, not copied, for the one external whose body
/// runs no OCaml code and allocates nothing in the OCaml heap
/// (`Gobject.Signal.connect_by_name`, see `handles::Borrowed`): nothing can
/// move the string meanwhile. Checked only when used ([`Self::text`]):
/// a signal name already known is matched byte for byte instead.
pub struct BorrowedBytes {
    ptr: *const u8,
    len: usize,
}

impl BorrowedBytes {
    /// The bytes, for the body's time.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: the string cannot move or die before the body returns
        // (the type's rule), and `ptr`/`len` are its data.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }

    /// Copied and checked as [`Text`] (errors name `what`).
    pub fn text(&self, func: &str, what: &str) -> Res<Text> {
        Text::new(func, what, self.bytes())
    }
}

impl Arg for BorrowedBytes {
    const BORROWS: bool = true;
    unsafe fn read(v: Val, _: &'static str, _: &'static str) -> Res<Self> {
        // SAFETY: `v` is a string (precondition).
        unsafe { Ok(BorrowedBytes { ptr: sys::string_val(v) as *const u8, len: sys::caml_string_length(v) }) }
    }
}

/// A string argument that GLib reads as bytes (a file name): no NUL byte,
/// any encoding (used by `Gtk4`).
#[cfg_attr(not(feature = "gtk4"), allow(dead_code))]
pub struct Bytes(pub CString);

impl Arg for Bytes {
    unsafe fn read(v: Val, func: &'static str, name: &'static str) -> Res<Self> {
        // SAFETY: `v` is a string (precondition).
        unsafe {
            with_bytes(v, |b| {
                no_nul(func, name, b)?;
                Ok(Bytes(CString::new(b).expect("checked: no NUL")))
            })
        }
    }
}

impl<T: Arg> Arg for Option<T> {
    const BORROWS: bool = T::BORROWS;
    unsafe fn read(v: Val, func: &'static str, name: &'static str) -> Res<Self> {
        if v == sys::NONE {
            Ok(None)
        } else {
            // SAFETY: `Some x`: x is field 0, of T's type.
            unsafe { T::read(*sys::field(v, 0), func, name).map(Some) }
        }
    }
}

impl<T: Arg> Arg for Vec<T> {
    const BORROWS: bool = T::BORROWS;
    unsafe fn read(v: Val, func: &'static str, name: &'static str) -> Res<Self> {
        // SAFETY: `v` is an array of T (not a float array: no T here is a float).
        unsafe {
            let n = sys::wosize_val(v);
            (0..n).map(|i| T::read(*sys::field(v, i), func, name)).collect()
        }
    }
}

impl<A: Arg, B: Arg> Arg for (A, B) {
    const BORROWS: bool = A::BORROWS || B::BORROWS;
    unsafe fn read(v: Val, func: &'static str, name: &'static str) -> Res<Self> {
        // SAFETY: `v` is a pair.
        unsafe { Ok((A::read(*sys::field(v, 0), func, name)?, B::read(*sys::field(v, 1), func, name)?)) }
    }
}

/// An OCaml value kept across the call (and beyond): rooted at entry.
pub struct Rooted(pub crate::core::root::Root);

impl Arg for Rooted {
    unsafe fn read(v: Val, func: &'static str, _: &'static str) -> Res<Self> {
        // SAFETY: domain lock held (precondition); the root is allocated outside
        // the OCaml heap.
        unsafe { crate::core::root::Root::new(v) }
            .map(Rooted)
            .ok_or_else(|| GcError::Failure(format!("{func}: cannot root a value (out of memory)")))
    }
}

// ---- results ---------------------------------------------------------------

/// A result converted to an OCaml value at the end of the call.
pub trait Ret {
    /// The OCaml value.
    ///
    /// # Safety
    /// Domain lock held.
    unsafe fn into_ocaml(self) -> Res<Val>;
}

impl Ret for () {
    unsafe fn into_ocaml(self) -> Res<Val> {
        Ok(sys::UNIT)
    }
}

impl Ret for bool {
    unsafe fn into_ocaml(self) -> Res<Val> {
        Ok(if self { sys::TRUE } else { sys::FALSE })
    }
}

impl Ret for isize {
    unsafe fn into_ocaml(self) -> Res<Val> {
        Ok((self << 1) | 1)
    }
}

/// Bytes returned as an OCaml string, byte for byte (GLib strings that are
/// not UTF-8 are not altered).
pub struct OString(pub Vec<u8>);

impl From<String> for OString {
    fn from(s: String) -> Self {
        OString(s.into_bytes())
    }
}

impl Ret for OString {
    unsafe fn into_ocaml(self) -> Res<Val> {
        // SAFETY: domain lock held; one allocation, initialised from the bytes.
        Ok(unsafe { sys::caml_alloc_initialized_string(self.0.len(), self.0.as_ptr() as *const _) })
    }
}

impl<T: Ret> Ret for Option<T> {
    unsafe fn into_ocaml(self) -> Res<Val> {
        match self {
            None => Ok(sys::NONE),
            // SAFETY: domain lock held; the shim roots the field across the allocation.
            Some(x) => unsafe { Ok(alloc_tagged(0, x.into_ocaml()?)) },
        }
    }
}

/// A block of one field with tag `tag` (`Some x`, a constructor with one
/// argument); `field` is rooted across the allocation.
///
/// # Safety
/// Domain lock held; `field` is a valid value.
pub unsafe fn alloc_tagged(tag: u8, field: Val) -> Val {
    // SAFETY: precondition.
    unsafe { gclosure_shim_alloc_tagged(tag, field) }
}

/// Declares externals of the OCaml library. Each
///
/// ```ignore
/// /// doc
/// fn ml_name("Module.function") (arg: ArgType, ...) -> RetType { body }
/// ```
///
/// becomes `#[no_mangle] extern "C" fn ml_name(arg: value, ...) -> value`
/// that runs [`call`]: the arguments are read with [`Arg::read`] inside it
/// (so after the closed check) and `body` returns `Res<RetType>`, with `F`
/// naming the function for messages. `fn ml_name("…", any)` also runs when
/// the library is Closed (statistics, flush).
///
/// `fn ml_name("…", no_ocaml)` declares that the body runs no OCaml code,
/// allocates nothing in the OCaml heap and never gives up the domain lock:
/// only such an external may take arguments that borrow their blocks
/// ([`Arg::BORROWS`]: `handles::Borrowed`, [`BorrowedBytes`]), and any
/// other that names one fails to compile ("an argument that borrows its
/// block needs an external declared no_ocaml"). `fn ml_name("…") [d] (…)`
/// names the call's [`Domain`] token `d` for the body.
macro_rules! externals {
    ($(
        $(#[doc = $doc:literal])*
        fn $name:ident($func:literal $(, $opt:ident)*) $([$domain:ident])? ($($arg:ident : $ty:ty),* $(,)?) -> $ret:ty $body:block
    )*) => {$(
        $(#[doc = $doc])*
        ///
        /// # Safety
        /// Called by OCaml only, as the external of that name.
        #[no_mangle]
        #[allow(unused_unsafe)]
        pub unsafe extern "C" fn $name($($arg: $crate::ocaml::boundary::Val),*) -> $crate::ocaml::boundary::Val {
            #[allow(dead_code)]
            const F: &str = $func;
            #[allow(dead_code)]
            const NO_OCAML: bool = $crate::ocaml::boundary::externals!(@no_ocaml $($opt)*);
            $(const { assert!(NO_OCAML || !<$ty as $crate::ocaml::boundary::Arg>::BORROWS, "an argument that borrows its block needs an external declared no_ocaml") };)*
            // SAFETY: an external: OCaml thread, domain lock held.
            unsafe {
                $crate::ocaml::boundary::call(F, $crate::ocaml::boundary::externals!(@accept $($opt)*), move |_domain| -> $crate::ocaml::boundary::Res<$ret> {
                    $(let $domain: $crate::core::token::Domain<'_> = _domain;)?
                    // SAFETY: each argument has the type the external declares.
                    $(let $arg = unsafe { <$ty as $crate::ocaml::boundary::Arg>::read($arg, F, stringify!($arg))? };)*
                    $body
                })
            }
        }
    )*};
    (@accept) => { $crate::core::lifecycle::Accept::OpenOnly };
    (@accept any $($rest:ident)*) => { $crate::core::lifecycle::Accept::AnyButExit };
    (@accept no_ocaml $($rest:ident)*) => { $crate::ocaml::boundary::externals!(@accept $($rest)*) };
    (@no_ocaml) => { false };
    (@no_ocaml no_ocaml $($rest:ident)*) => { true };
    (@no_ocaml any $($rest:ident)*) => { $crate::ocaml::boundary::externals!(@no_ocaml $($rest)*) };
}
pub(crate) use externals;
