//! Externals of owned closures (`owners`; the OCaml side is
//! `Gclosure_core.own` in `ocaml-lib/core/gclosure_core.ml`).

use glib::gobject_ffi::{GClosure, GObject};

use crate::boundary::{externals, Rooted};
use crate::handles::Borrowed;
use crate::owners::{self, OwnerOf, RecordOf};

externals! {
    /// `Gclosure_core.record_of`: a closure's record, if it is live.
    fn ml_gclosure_record_of("Gclosure.record_of") (c: Borrowed<GClosure>) -> RecordOf {
        // SAFETY: a g_closure value holds a closure of ours (only
        // `Closure.create` makes them), alive for the body.
        Ok(RecordOf(unsafe { crate::closure::key_of(c.ptr()) }))
    }

    /// `Gclosure_core.owner_get`: an object's owner ephemeron, if any.
    fn ml_gclosure_owner_get("Gclosure.owner_get") (o: Borrowed<GObject>) -> OwnerOf {
        Ok(OwnerOf(o.ptr()))
    }

    /// `Gclosure_core.owner_set`: records an object's owner ephemeron.
    fn ml_gclosure_owner_set("Gclosure.owner_set") (o: Borrowed<GObject>, eph: Rooted) -> () {
        // SAFETY: an external: domain lock held, not in a GC finalizer; the
        // object is alive (its handle's reference, for the body).
        unsafe { owners::set_owner(o.ptr(), eph.0) };
        Ok(())
    }

    /// `Gclosure_core.owner_unreachable`: the finaliser of an owning
    /// object's wrapper. Never raises (a finaliser's exception would
    /// surface at any allocation): a closed library does nothing.
    fn ml_gclosure_owner_unreachable("Gclosure.owner_unreachable", any) (w: Rooted) -> () {
        if crate::lifecycle::is_open() {
            // SAFETY: an external: domain lock held, inside the library,
            // not in a GC finalizer; `w` is an obj block (the only values
            // this finaliser is registered on).
            unsafe { owners::unreachable(w.0) };
        }
        Ok(())
    }
}
