//! Externals of `Gobject.Property`.

use glib::gobject_ffi as gobj;
use glib::object::ObjectClassExt;
use glib::translate::{ToGlibPtr, ToGlibPtrMut};

use super::{enter, invalid};
use crate::gvalue::{self, Data};
use crate::handles::ObjHandle;
use crate::ml::gobject::class_of;

/// The property `name` of the object's class, or an error naming both.
fn find(gc: &ocaml::Runtime, func: &str, o: &ObjHandle, name: &str) -> Result<glib::ParamSpec, ocaml::Error> {
    let t = class_of(o.ptr());
    let klass = glib::object::ObjectClass::from_type(t).expect("an object's class");
    klass
        .find_property(name)
        .ok_or_else(|| invalid(gc, func, format!("class {} has no property {name:?}", t.name())))
}

/// `Gobject.Property.set_dyn`.
#[ocaml::func]
#[ocaml::sig("obj -> string -> data_repr -> unit")]
pub fn ml_gobject_property_set(o: &ObjHandle, name: &str, d: Data) -> Result<(), ocaml::Error> {
    const F: &str = "Gobject.Property.set_dyn";
    enter()?;
    let p = find(gc, F, o, name)?;
    let flags = p.flags();
    if !flags.contains(glib::ParamFlags::WRITABLE) || flags.contains(glib::ParamFlags::CONSTRUCT_ONLY) {
        return Err(invalid(gc, F, format!("property {name:?} of {} is not writable after construction", class_of(o.ptr()).name())));
    }
    let mut v = glib::Value::from_type(p.value_type());
    // SAFETY: `v` is an initialised value we own; lock held.
    unsafe { gvalue::write(v.to_glib_none_mut().0, &d) }
        .map_err(|e| invalid(gc, F, format!("property {name:?}: {e}")))?;
    let c = std::ffi::CString::new(name).expect("found above, so no NUL");
    // SAFETY: live object; a writable property of its class; a value of the
    // property's type. Notify handlers (OCaml callbacks) may run.
    unsafe { gobj::g_object_set_property(o.ptr(), c.as_ptr(), v.to_glib_none().0) };
    Ok(())
}

/// `Gobject.Property.get_dyn`.
#[ocaml::func]
#[ocaml::sig("obj -> string -> data_repr")]
pub fn ml_gobject_property_get(o: &ObjHandle, name: &str) -> Result<Data, ocaml::Error> {
    const F: &str = "Gobject.Property.get_dyn";
    enter()?;
    let p = find(gc, F, o, name)?;
    if !p.flags().contains(glib::ParamFlags::READABLE) {
        return Err(invalid(gc, F, format!("property {name:?} of {} is not readable", class_of(o.ptr()).name())));
    }
    let mut v = glib::Value::from_type(p.value_type());
    let c = std::ffi::CString::new(name).expect("found above, so no NUL");
    // SAFETY: live object; a readable property of its class; `v` holds the
    // property's type.
    unsafe { gobj::g_object_get_property(o.ptr(), c.as_ptr(), v.to_glib_none_mut().0) };
    // SAFETY: `v` is initialised; lock held.
    unsafe { gvalue::read(v.to_glib_none().0) }.map_err(|e| invalid(gc, F, format!("property {name:?}: {e}")))
}

/// `Gobject.Property.get_type`: the property's value type.
#[ocaml::func]
#[ocaml::sig("obj -> string -> int")]
pub fn ml_gobject_property_get_type(o: &ObjHandle, name: &str) -> Result<isize, ocaml::Error> {
    enter()?;
    Ok(crate::gtype::to_int(find(gc, "Gobject.Property.get_type", o, name)?.value_type()))
}

/// `Gobject.Property.notify`: emits `notify::name`.
#[ocaml::func]
#[ocaml::sig("obj -> string -> unit")]
pub fn ml_gobject_property_notify(o: &ObjHandle, name: &str) -> Result<(), ocaml::Error> {
    enter()?;
    let p = find(gc, "Gobject.Property.notify", o, name)?;
    // SAFETY: live object and a property of its class.
    unsafe { gobj::g_object_notify_by_pspec(o.ptr(), p.to_glib_none().0) };
    Ok(())
}
