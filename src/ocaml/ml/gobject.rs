//! Externals of `Gobject` (objects).

use glib::gobject_ffi as gobj;
use glib::object::ObjectClassExt;
use glib::prelude::StaticType;
use glib::translate::IntoGlib;

use crate::ocaml::boundary::{invalid, Text};
use crate::ocaml::boundary::externals;
use crate::ocaml::gvalue::{self, Data};
use crate::ocaml::handles::ObjRef;

/// Classes whose own constructor crashes when a construct-only property
/// is left at its default (NULL), with those properties. GLib has no way
/// to say that a property is required, so this is a list of the classes
/// where it was seen (the fuzz test, tests/ocaml/test_fuzz.ml): GBinding's
/// constructor passes its NULL property names to `strchr`, and
/// GPropertyAction's looks its NULL property name up on a NULL object.
/// Other classes with such constructors remain the caller's duty (the
/// README's boundary paragraph).
const REQUIRED_AT_CONSTRUCTION: [(&str, &[&str]); 2] = [
    ("GBinding", &["source", "target", "source-property", "target-property"]),
    ("GPropertyAction", &["name", "object", "property-name"]),
];

/// The construct-only properties of `t` (or a class it derives from) that
/// [`REQUIRED_AT_CONSTRUCTION`] lists and `given` does not set to a non-NULL
/// value.
fn missing_at_construction(t: glib::Type, given: &[(Text, Data)]) -> Vec<&'static str> {
    let mut missing = Vec::new();
    for (class, props) in REQUIRED_AT_CONSTRUCTION {
        if !glib::Type::from_name(class).is_some_and(|c| t.is_a(c)) {
            continue;
        }
        for p in props.iter() {
            let set = given.iter().any(|(n, d)| {
                n.as_str() == *p && !matches!(d, Data::None | Data::String(None) | Data::Object(None))
            });
            if !set {
                missing.push(*p);
            }
        }
    }
    missing
}

externals! {
    /// `Gobject.get_type`.
    fn ml_gobject_get_type("Gobject.get_type") (o: ObjRef) -> isize {
        Ok(crate::gtk::gtype::to_int(o.class()))
    }

    /// `Gobject.is_a`: false for a type name GLib does not know.
    fn ml_gobject_is_a("Gobject.is_a") (o: ObjRef, name: Text) -> bool {
        Ok(crate::gtk::gtype::from_name(name.as_str()).is_some_and(|t| o.class().is_a(t)))
    }

    /// `Gobject.unsafe_create ~classe params`: a new object with those
    /// properties; the caller's handle owns its one reference.
    fn ml_gobject_unsafe_create("Gobject.unsafe_create") (classe: Text, params: Vec<(Text, Data)>) -> ObjRef {
        let classe = classe.as_str();
        let t = crate::gtk::gtype::from_name(classe).ok_or_else(|| invalid(F, format!("unknown class {classe:?}")))?;
        // An interface whose prerequisite is GObject (GFile) is_a GObject
        // too: it has no class to instantiate.
        if t.is_a(glib::Type::INTERFACE) {
            return Err(invalid(F, format!("{classe} is an interface, not a class: it cannot be instantiated")));
        }
        if !t.is_a(glib::Type::OBJECT) {
            return Err(invalid(F, format!("{classe} is not a GObject class")));
        }
        // SAFETY: `t` is a registered type.
        if unsafe { gobj::g_type_test_flags(t.into_glib(), gobj::G_TYPE_FLAG_ABSTRACT) } != 0 {
            return Err(invalid(F, format!("{classe} is abstract and cannot be instantiated")));
        }
        #[cfg(feature = "gtk4")]
        if crate::gtk::gtype::is_widget(t) && !gtk4::is_initialized() {
            return Err(invalid(F, format!("{classe} is a GTK widget: call Gtk4.init () first")));
        }
        let missing = missing_at_construction(t, &params);
        if !missing.is_empty() {
            return Err(invalid(F, format!(
                "{classe}'s constructor needs {} (non-NULL): its own code crashes without",
                missing.join(", ")
            )));
        }
        let klass = glib::object::ObjectClass::from_type(t)
            .ok_or_else(|| invalid(F, format!("{classe} has no object class: it cannot be instantiated")))?;
        let mut names = Vec::with_capacity(params.len());
        let mut values: Vec<glib::Value> = Vec::with_capacity(params.len());
        for (name, d) in &params {
            let name = name.as_str();
            let pspec = klass
                .find_property(name)
                .ok_or_else(|| invalid(F, format!("class {classe} has no property {name:?}")))?;
            if !pspec.flags().contains(glib::ParamFlags::WRITABLE) {
                return Err(invalid(F, format!("property {name:?} of {classe} is not writable")));
            }
            let mut v = glib::Value::from_type(pspec.value_type());
            // SAFETY: `v` is an initialised value we own; lock held.
            unsafe { gvalue::write(glib::translate::ToGlibPtrMut::to_glib_none_mut(&mut v).0, d) }
                .map_err(|e| invalid(F, format!("property {name:?} of {classe}: {e}")))?;
            crate::ocaml::ml::property::check_write(t, &pspec, d, None)
                .map_err(|e| invalid(F, format!("property {name:?} of {classe}: {e}")))?;
            if names.iter().any(|n: &std::ffi::CString| n.as_bytes() == name.as_bytes()) {
                return Err(invalid(F, format!("property {name:?} of {classe} is given twice")));
            }
            // Text refused NUL bytes at entry: this cannot fail.
            let cname = std::ffi::CString::new(name)
                .map_err(|_| invalid(F, format!("property name {name:?} contains a NUL byte")))?;
            names.push(cname);
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
        // gtk-rs's rule: an initially-unowned object's returned reference is
        // floating (sunk: ours), or already owned by someone else (GTK's
        // list of toplevels owns a new GtkWindow's): ref_sink then adds our
        // own. Any other object's returned reference is ours.
        // SAFETY: `o` is the new, live object.
        unsafe {
            if t.is_a(glib::InitiallyUnowned::static_type()) {
                gobj::g_object_ref_sink(o as *mut _);
            }
            ObjRef::from_full(o)
                .ok_or_else(|| crate::ocaml::errors::GcError::Failure(format!("{F}: g_object_new made no {classe} (see GLib's message)")))
        }
    }
}
