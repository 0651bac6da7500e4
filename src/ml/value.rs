//! Externals of `Gobject.Value`.

use ocaml::Pointer;

use super::{enter, invalid};
use crate::gvalue::{self, Data};
use crate::handles::ValueHandle;
use crate::ml::gtype::of_int;

/// `Gobject.Value.create : g_type -> g_value`.
#[ocaml::func]
#[ocaml::sig("int -> g_value")]
pub fn ml_gobject_value_create(t: isize) -> Result<Pointer<ValueHandle>, ocaml::Error> {
    enter()?;
    let t = of_int(t);
    // SAFETY: g_type_check_is_value_type accepts any registered type.
    let ok = unsafe { glib::gobject_ffi::g_type_check_is_value_type(glib::translate::IntoGlib::into_glib(t)) } != 0;
    if !ok {
        return Err(invalid(gc, "Gobject.Value.create", format!("{} is not a value type", t.name())));
    }
    // SAFETY: a zeroed GValue is the documented start state for g_value_init.
    let mut b: Box<glib::gobject_ffi::GValue> = Box::new(unsafe { std::mem::zeroed() });
    // SAFETY: `b` is zeroed and `t` a value type (checked).
    unsafe { glib::gobject_ffi::g_value_init(&mut *b, glib::translate::IntoGlib::into_glib(t)) };
    crate::handles::alloc(ValueHandle::Owned(Some(b))).ok_or_else(super::closed)
}

fn get_ptr(gc: &ocaml::Runtime, func: &str, v: &mut ValueHandle) -> Result<*mut glib::gobject_ffi::GValue, ocaml::Error> {
    v.get().map_err(|e| invalid(gc, func, e))
}

/// `Gobject.Value.get`.
#[ocaml::func]
#[ocaml::sig("g_value -> data_repr")]
pub fn ml_gobject_value_get(v: &mut ValueHandle) -> Result<Data, ocaml::Error> {
    let p = get_ptr(gc, "Gobject.Value.get", v)?;
    // SAFETY: `p` is a live, initialised GValue (checked by `get`); lock held.
    unsafe { gvalue::read(p) }.map_err(|e| invalid(gc, "Gobject.Value.get", e))
}

/// `Gobject.Value.set`.
#[ocaml::func]
#[ocaml::sig("g_value -> data_repr -> unit")]
pub fn ml_gobject_value_set(v: &mut ValueHandle, d: Data) -> Result<(), ocaml::Error> {
    let p = get_ptr(gc, "Gobject.Value.set", v)?;
    // SAFETY: as above; the value is ours or the running invocation's.
    unsafe { gvalue::write(p, &d) }.map_err(|e| invalid(gc, "Gobject.Value.set", e))
}

/// `Gobject.Value.get_type`.
#[ocaml::func]
#[ocaml::sig("g_value -> int")]
pub fn ml_gobject_value_get_type(v: &mut ValueHandle) -> Result<isize, ocaml::Error> {
    let p = get_ptr(gc, "Gobject.Value.get_type", v)?;
    // SAFETY: as above.
    Ok(crate::gtype::to_int(unsafe { gvalue::type_of(p) }))
}
