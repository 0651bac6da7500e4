//! What the core asks of the layers above it, at a safe point: declared
//! here, with each contract, and defined there (by symbol name, resolved
//! when the crate links), so that the core names no module above it.
//!
//! * the owners of closures (`ocaml::owners`): the work that objects gone
//!   on threads without the domain lock left, and a closure's slots in its
//!   owners' tables when its root is released;
//! * the destroyed GTK 4 windows (`gtk::toplevels`), disposed at full safe
//!   points.
//!
//! Each is one direct call (the crate is built as one codegen unit, so the
//! compiler sees the definitions and inlines them like any other call).
//!
//! Why symbols and not function pointers registered at start-up: the
//! library has three ways in (an OCaml program, a binding's C code, a Rust
//! host), none of which is sure to run an initialisation before the first
//! safe point, and a hook missed there would leak silently. A symbol
//! cannot be missed: a build without its definition does not link. The
//! cost is four `gclosure_hook_*` names in the static library.

use crate::core::callbacks::CallbackRoot;
use crate::core::token::Domain;

extern "Rust" {
    fn gclosure_hook_owners_maintain() -> usize;
    fn gclosure_hook_owners_release_root(p: CallbackRoot);
    fn gclosure_hook_windows_queued() -> bool;
    fn gclosure_hook_windows_dispose() -> usize;
}

/// Drops the roots left by objects that went away on threads without the
/// domain lock, and, on the main domain, does the slot work other domains
/// left (`ocaml::owners::maintain`). Returns how many items it handled.
/// It allocates in the OCaml heap: full safe points only.
#[inline(always)]
pub fn owners_maintain(_: Domain<'_>) -> usize {
    // SAFETY: defined by `ocaml::owners` with this signature; its
    // precondition (domain lock held, inside the library, not in a GC
    // finalizer) is the token's.
    unsafe { gclosure_hook_owners_maintain() }
}

/// A closure's root is being released: its slots in its owners' tables
/// are freed first (`ocaml::owners::release_root`). Allocates nothing and
/// runs no OCaml code.
#[inline(always)]
pub fn owners_release_root(_: Domain<'_>, p: CallbackRoot) {
    // SAFETY: defined by `ocaml::owners` with this signature; its
    // precondition (domain lock held, not in a GC finalizer) is the token's.
    unsafe { gclosure_hook_owners_release_root(p) }
}

/// Whether a destroyed window waits for its dispose (one atomic load;
/// `gtk::toplevels::has_queued`).
#[inline(always)]
pub fn windows_queued() -> bool {
    // SAFETY: defined by `gtk::toplevels` with this signature; no precondition.
    unsafe { gclosure_hook_windows_queued() }
}

/// Disposes the queued windows, on GTK's thread (`gtk::toplevels::
/// dispose_queued`); returns how many. Runs OCaml code ("destroy" handlers).
#[inline(always)]
pub fn windows_dispose(_: Domain<'_>) -> usize {
    // SAFETY: defined by `gtk::toplevels` with this signature; its
    // precondition is the token's.
    unsafe { gclosure_hook_windows_dispose() }
}
