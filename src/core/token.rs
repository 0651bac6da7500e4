//! The capability a function needs to touch OCaml's heap or run a safe
//! point, as a value: [`Domain`].
//!
//! A `Domain<'a>` says, for `'a`: the calling thread holds its domain
//! lock, is inside the library (it borrows the thread's
//! `lifecycle::Inside`, which only `lifecycle::enter` makes), and is not
//! running a GC finalizer. A function that needs those takes the token
//! instead of stating them in a `# Safety` note; the compiler then checks
//! that every caller has one. Tokens are made only where the library is
//! entered ([`Domain::assume`], an `unsafe fn`): an external (`ocaml::
//! boundary::call`), the marshaller (`core::closure::invoke`), the Rust
//! API's calls, the C API's functions and the library's own main-loop
//! idles. It is `Copy` (a proof, not a resource) and neither `Send` nor
//! `Sync` (the lock is this thread's).

use std::marker::PhantomData;


/// This thread inside the library: made only by `lifecycle::enter`
/// (which counts the thread in); leaving happens on drop (`lifecycle`'s
/// `Drop for Inside`, which counts it out). Defined here so that a token
/// can borrow it.
#[must_use]
pub struct Inside {
    pub(in crate::core) _not_send: PhantomData<*mut ()>,
}

/// The domain lock held, inside the library, not in a GC finalizer, for
/// `'a` (module documentation).
#[derive(Clone, Copy)]
pub struct Domain<'a> {
    _inside: PhantomData<&'a Inside>,
    _not_send: PhantomData<*mut ()>,
}

impl<'a> Domain<'a> {
    /// The token for a thread inside the library.
    ///
    /// # Safety
    /// For `'a`, the calling thread holds its domain lock (and does not
    /// give it up while the token lives) and is not running a GC
    /// finalizer.
    #[inline(always)]
    pub unsafe fn assume(_inside: &'a Inside) -> Domain<'a> {
        Domain { _inside: PhantomData, _not_send: PhantomData }
    }
}
