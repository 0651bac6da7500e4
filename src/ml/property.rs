//! Externals of `Gobject.Property`.

use glib::gobject_ffi as gobj;
use glib::object::ObjectClassExt;
use glib::translate::{ToGlibPtr, ToGlibPtrMut};

use crate::boundary::{invalid, Res, Text};
use crate::boundary::externals;
use crate::gvalue::{self, Data};
use crate::handles::ObjRef;

/// The property `name` of the object's class, or an error naming both.
fn find(func: &str, o: &ObjRef, name: &Text) -> Res<glib::ParamSpec> {
    let t = o.class();
    let klass = glib::object::ObjectClass::from_type(t).expect("an object's class");
    klass
        .find_property(name.as_str())
        .ok_or_else(|| invalid(func, format!("class {} has no property {:?}", t.name(), name.as_str())))
}

externals! {
    /// `Gobject.Property.set_dyn`.
    fn ml_gobject_property_set("Gobject.Property.set_dyn") (o: ObjRef, name: Text, d: Data) -> () {
        let p = find(F, &o, &name)?;
        // The value first: what the caller passed is checked whatever the
        // property's flags.
        let mut v = glib::Value::from_type(p.value_type());
        // SAFETY: `v` is an initialised value we own; lock held.
        unsafe { gvalue::write(v.to_glib_none_mut().0, &d) }
            .map_err(|e| invalid(F, format!("property {:?}: {e}", name.as_str())))?;
        let flags = p.flags();
        if !flags.contains(glib::ParamFlags::WRITABLE) || flags.contains(glib::ParamFlags::CONSTRUCT_ONLY) {
            return Err(invalid(F, format!("property {:?} of {} is not writable after construction", name.as_str(), o.class().name())));
        }
        // SAFETY: live object; a writable property of its class; a value of
        // the property's type. Notify handlers (OCaml callbacks) may run.
        unsafe { gobj::g_object_set_property(o.ptr(), name.as_cstr().as_ptr(), v.to_glib_none().0) };
        Ok(())
    }

    /// `Gobject.Property.get_dyn`.
    fn ml_gobject_property_get("Gobject.Property.get_dyn") (o: ObjRef, name: Text) -> Data {
        let p = find(F, &o, &name)?;
        if !p.flags().contains(glib::ParamFlags::READABLE) {
            return Err(invalid(F, format!("property {:?} of {} is not readable", name.as_str(), o.class().name())));
        }
        let mut v = glib::Value::from_type(p.value_type());
        // SAFETY: live object; a readable property of its class; `v` holds
        // the property's type.
        unsafe { gobj::g_object_get_property(o.ptr(), name.as_cstr().as_ptr(), v.to_glib_none_mut().0) };
        // SAFETY: `v` is initialised; lock held.
        unsafe { gvalue::read(v.to_glib_none().0) }.map_err(|e| invalid(F, format!("property {:?}: {e}", name.as_str())))
    }

    /// `Gobject.Property.get_type`: the property's value type.
    fn ml_gobject_property_get_type("Gobject.Property.get_type") (o: ObjRef, name: Text) -> isize {
        Ok(crate::gtype::to_int(find(F, &o, &name)?.value_type()))
    }

    /// `Gobject.Property.notify`: emits `notify::name`.
    fn ml_gobject_property_notify("Gobject.Property.notify") (o: ObjRef, name: Text) -> () {
        let p = find(F, &o, &name)?;
        // SAFETY: live object and a property of its class.
        unsafe { gobj::g_object_notify_by_pspec(o.ptr(), p.to_glib_none().0) };
        Ok(())
    }
}
