//! Externals of `Gobject` (objects).

use glib::gobject_ffi as gobj;
use glib::object::ObjectClassExt;
use glib::translate::{FromGlib, IntoGlib};
use ocaml::Pointer;

use super::{enter, invalid};
use crate::gvalue::{self, Data};
use crate::handles::ObjHandle;
use crate::ml::gtype::of_int;

/// The class of a live object.
pub fn class_of(o: *mut gobj::GObject) -> glib::Type {
    // SAFETY: `o` is a live GObject (held by its handle); every instance
    // starts with its class pointer, whose first field is the GType.
    unsafe { glib::Type::from_glib((*(*(o as *mut gobj::GTypeInstance)).g_class).g_type) }
}

/// GtkWidget's GType. GTK 4.8's `gtk_widget_get_type` is not safe to call
/// for the first time from two threads at once (two domains creating
/// objects raced here and registered GtkWidget twice), so it is called once.
fn widget_type() -> glib::Type {
    static WIDGET: std::sync::OnceLock<glib::Type> = std::sync::OnceLock::new();
    *WIDGET.get_or_init(<gtk4::Widget as glib::prelude::StaticType>::static_type)
}

/// `Gobject.get_type`.
#[ocaml::func]
#[ocaml::sig("obj -> int")]
pub fn ml_gobject_get_type(o: &ObjHandle) -> isize {
    crate::gtype::to_int(class_of(o.ptr()))
}

/// `Gobject.is_a`: false for a type name GLib does not know.
#[ocaml::func]
#[ocaml::sig("obj -> string -> bool")]
pub fn ml_gobject_is_a(o: &ObjHandle, name: &str) -> bool {
    crate::gtype::from_name(name).is_some_and(|t| class_of(o.ptr()).is_a(t))
}

/// `Gobject.Type.is_a`.
#[ocaml::func]
#[ocaml::sig("int -> int -> bool")]
pub fn ml_gobject_type_is_a(t: isize, parent: isize) -> bool {
    of_int(t).is_a(of_int(parent))
}

/// `Gobject.unsafe_create ~classe params`: a new object with those
/// properties; the caller's handle owns its one reference.
#[ocaml::func]
#[ocaml::sig("string -> (string * data_repr) array -> obj")]
pub fn ml_gobject_unsafe_create(classe: &str, params: Vec<(String, Data)>) -> Result<Pointer<ObjHandle>, ocaml::Error> {
    const F: &str = "Gobject.unsafe_create";
    enter()?;
    let t = crate::gtype::from_name(classe).ok_or_else(|| invalid(gc, F, format!("unknown class {classe:?}")))?;
    if !t.is_a(glib::Type::OBJECT) {
        return Err(invalid(gc, F, format!("{classe} is not a GObject class")));
    }
    // SAFETY: `t` is a registered type.
    if unsafe { gobj::g_type_test_flags(t.into_glib(), gobj::G_TYPE_FLAG_ABSTRACT) } != 0 {
        return Err(invalid(gc, F, format!("{classe} is abstract and cannot be instantiated")));
    }
    if t.is_a(widget_type()) && !gtk4::is_initialized() {
        return Err(invalid(gc, F, format!("{classe} is a GTK widget: call Gtk4.init () first")));
    }
    let klass = glib::object::ObjectClass::from_type(t).expect("object class");
    let mut names = Vec::with_capacity(params.len());
    let mut values: Vec<glib::Value> = Vec::with_capacity(params.len());
    for (name, d) in &params {
        let pspec = klass
            .find_property(name)
            .ok_or_else(|| invalid(gc, F, format!("class {classe} has no property {name:?}")))?;
        if !pspec.flags().contains(glib::ParamFlags::WRITABLE) {
            return Err(invalid(gc, F, format!("property {name:?} of {classe} is not writable")));
        }
        let mut v = glib::Value::from_type(pspec.value_type());
        // SAFETY: `v` is an initialised value we own; lock held.
        unsafe { gvalue::write(glib::translate::ToGlibPtrMut::to_glib_none_mut(&mut v).0, d) }
            .map_err(|e| invalid(gc, F, format!("property {name:?} of {classe}: {e}")))?;
        names.push(std::ffi::CString::new(name.as_str()).expect("property names have no NUL"));
        values.push(v);
    }
    let name_ptrs: Vec<*const std::ffi::c_char> = names.iter().map(|n| n.as_ptr()).collect();
    // SAFETY: `t` is an instantiable non-abstract object type; the names and
    // values are `n` valid, writable properties of it, initialised above.
    let o = unsafe {
        gobj::g_object_new_with_properties(
            t.into_glib(),
            name_ptrs.len() as u32,
            name_ptrs.as_ptr() as *mut _,
            values.as_ptr() as *const glib::gobject_ffi::GValue,
        )
    };
    // SAFETY: `o` is the new object; ref_sink makes a floating reference
    // ours, or (for a non-floating one) adds one that we drop right away.
    unsafe {
        if gobj::g_object_is_floating(o as *mut _) != 0 {
            gobj::g_object_ref_sink(o as *mut _);
        }
        ObjHandle::take(o).ok_or_else(super::closed)
    }
}
