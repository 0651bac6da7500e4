//! Externals of `Gobject.Value`.

use crate::ocaml::boundary::invalid;
use crate::ocaml::boundary::externals;
use crate::gtk::gtype::of_int;
use crate::ocaml::gvalue::{self, Data};
use crate::ocaml::handles::{ValueHandle, ValueRef};

externals! {
    /// `Gobject.Value.create : g_type -> g_value`; raises `Invalid_argument`
    /// naming the integer when it is not a registered GType.
    fn ml_gobject_value_create("Gobject.Value.create") (t: isize) -> ValueHandle {
        let t = of_int(t).map_err(|e| invalid(F, e))?;
        // SAFETY: g_type_check_is_value_type accepts any registered type.
        let ok = unsafe { glib::gobject_ffi::g_type_check_is_value_type(glib::translate::IntoGlib::into_glib(t)) } != 0;
        if !ok {
            return Err(invalid(F, format!("{} is not a value type", t.name())));
        }
        // SAFETY: a zeroed GValue is the documented start state for g_value_init.
        let mut b: Box<glib::gobject_ffi::GValue> = Box::new(unsafe { std::mem::zeroed() });
        // SAFETY: `b` is zeroed and `t` a value type (checked).
        unsafe { glib::gobject_ffi::g_value_init(&mut *b, glib::translate::IntoGlib::into_glib(t)) };
        Ok(ValueHandle::Owned(Some(b)))
    }

    /// `Gobject.Value.get`.
    fn ml_gobject_value_get("Gobject.Value.get") (v: ValueRef) -> Data {
        // SAFETY: a live, initialised GValue (resolved at entry); lock held.
        unsafe { gvalue::read(v.ptr) }.map_err(|e| invalid(F, e))
    }

    /// `Gobject.Value.set`: on the caller's own values and on a callback's
    /// result; a callback's arguments are GLib's, read-only.
    fn ml_gobject_value_set("Gobject.Value.set") (v: ValueRef, d: Data) -> () {
        if !v.writable {
            return Err(invalid(F, "a callback's argument is read-only (only Closure.result may be set)"));
        }
        // SAFETY: as above; the value is ours or the running invocation's result.
        unsafe { gvalue::write(v.ptr, &d) }.map_err(|e| invalid(F, e))
    }

    /// `Gobject.Value.get_type`.
    fn ml_gobject_value_get_type("Gobject.Value.get_type") (v: ValueRef) -> isize {
        // SAFETY: as above.
        Ok(crate::gtk::gtype::to_int(unsafe { gvalue::type_of(v.ptr) }))
    }
}
