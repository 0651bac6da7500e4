//! Externals of owned closures (`owners`; the OCaml side is
//! `Gclosure_core.new_owner` in `ocaml-lib/core/gclosure_core.ml`; the
//! noalloc ones are in `src/owners_gc.c`).

use glib::gobject_ffi::GObject;

use crate::ocaml::boundary::{externals, Rooted};
use crate::ocaml::owners;

externals! {
    /// `Gclosure_core.owner_set`: records an object's owner ephemeron and
    /// its wrapper's finaliser. The object is given by address (an OCaml
    /// int): a binding's wrapper is not one of our blocks.
    fn ml_gclosure_owner_set("Gclosure.owner_set") (addr: isize, eph: Rooted, fin: Rooted) -> () {
        // SAFETY: an external: domain lock held, not in a GC finalizer;
        // `new_owner` runs on the main domain only, right after a
        // connection to the object (ours) or from `ocgc_closure_own`
        // (whose caller holds the object): alive.
        unsafe { owners::set_owner(addr as *mut GObject, eph.0, fin.0) };
        Ok(())
    }

    /// `Gclosure_core.owner_unreachable`: the finaliser of an owning
    /// object's wrapper. Never raises (a finaliser's exception would
    /// surface at any allocation): a closed library does nothing.
    fn ml_gclosure_owner_unreachable("Gclosure.owner_unreachable", any) (addr: isize, w: Rooted) -> () {
        if crate::core::lifecycle::is_open() {
            // SAFETY: an external: domain lock held, inside the library,
            // not in a GC finalizer; `w` is a block (Gc.finalise's values
            // are), and the address is only used once its entry is found
            // with `w` as key.
            unsafe { owners::unreachable(addr as *mut GObject, w.0) };
        }
        Ok(())
    }
}
