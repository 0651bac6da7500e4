//! Externals of `Gobject.Property`.

use glib::gobject_ffi as gobj;
use glib::object::ObjectClassExt;
use glib::translate::{ToGlibPtr, ToGlibPtrMut};

use crate::ocaml::boundary::{invalid, Res, Text};
use crate::ocaml::boundary::externals;
use crate::ocaml::gvalue::{self, Data};
use crate::ocaml::handles::ObjRef;

/// The property `name` of the object's class, or an error naming both.
fn find(func: &str, o: &ObjRef, name: &Text) -> Res<glib::ParamSpec> {
    let t = o.class();
    let klass = glib::object::ObjectClass::from_type(t)
        .ok_or_else(|| invalid(func, format!("{} has no object class", t.name())))?;
    klass
        .find_property(name.as_str())
        .ok_or_else(|| invalid(func, format!("class {} has no property {:?}", t.name(), name.as_str())))
}

/// The C contracts of a property write that the library can see, beyond
/// the value's type (which [`gvalue::write`] checks), for
/// `Property.set_dyn` (`target` is the object) and `unsafe_create` (`None`):
///
/// * NULL (`STRING None) into a string property whose declared default is
///   not NULL: its setter may not expect NULL (GtkEntry's `text` passes it
///   to `strlen`). A property whose default is NULL takes NULL.
/// * A widget into a widget-valued property (`child`, `titlebar`...): not
///   the target itself nor one of its ancestors (a cycle in the widget
///   tree, which GTK walks until the stack overflows), and not a toplevel
///   (a `GtkRoot`, such as a window) unless the property is typed for one
///   (`transient-for`), as `Gtk4.Window.set_child` refuses.
/// * `visible` set on a popover (a GtkNative that is not a toplevel) that
///   has no parent: GTK would realize it on a parent surface that is not
///   there.
pub(crate) fn check_write(class: glib::Type, pspec: &glib::ParamSpec, d: &Data, target: Option<&ObjRef>) -> Result<(), String> {
    let vt = pspec.value_type();
    if let Data::String(None) = d {
        if vt.is_a(glib::Type::STRING) {
            // SAFETY: a live param spec; its default value is initialised
            // with the property's (string) type, owned by the spec.
            let default = unsafe { gobj::g_value_get_string(gobj::g_param_spec_get_default_value(pspec.to_glib_none().0)) };
            if !default.is_null() {
                return Err("`STRING None (NULL) refused: the property's default is not NULL, so its setter may not take NULL".into());
            }
        }
    }
    #[cfg(feature = "gtk4")]
    if let Data::Object(Some(w)) = d {
        check_widget_value(vt, w, target)?;
    }
    #[cfg(feature = "gtk4")]
    if let (Data::Bool(true), "visible") = (d, pspec.name()) {
        check_can_show(class, target)?;
    }
    #[cfg(not(feature = "gtk4"))]
    let _ = (class, target);
    Ok(())
}

/// A native surface that is not a toplevel (a GtkPopover) is realized on
/// its parent's surface: shown without a parent, GTK dereferences the
/// missing surface (`gdk_surface_new_popup`). `target` is `None` for a new
/// object of `class`, which has no parent yet.
#[cfg(feature = "gtk4")]
fn check_can_show(class: glib::Type, target: Option<&ObjRef>) -> Result<(), String> {
    use glib::prelude::StaticType;
    use glib::translate::FromGlibPtrNone;
    use gtk4::prelude::WidgetExt;
    if !class.is_a(gtk4::Native::static_type()) || class.is_a(gtk4::Root::static_type()) {
        return Ok(());
    }
    let parented = target.is_some_and(|t| {
        // SAFETY: a live widget (its class is a GtkNative), borrowed
        // through its handle's reference for the call.
        let w = unsafe { gtk4::Widget::from_glib_none(t.ptr() as *mut gtk4::ffi::GtkWidget) };
        w.parent().is_some()
    });
    if parented {
        return Ok(());
    }
    Err(format!("a {} without a parent cannot be shown: GTK needs its parent's surface", class.name()))
}

/// The widget-tree part of [`check_write`].
#[cfg(feature = "gtk4")]
fn check_widget_value(vt: glib::Type, w: &ObjRef, target: Option<&ObjRef>) -> Result<(), String> {
    use glib::prelude::StaticType;
    use glib::translate::FromGlibPtrNone;
    use gtk4::prelude::WidgetExt;
    let wt = w.class();
    if !crate::gtk::gtype::is_widget(wt) {
        return Ok(());
    }
    let root = gtk4::Root::static_type();
    if wt.is_a(root) && !vt.is_a(root) {
        return Err(format!("a {} is a toplevel and cannot be a child", wt.name()));
    }
    if let Some(t) = target {
        if t.ptr() == w.ptr() {
            return Err(format!("a {} cannot be its own child", wt.name()));
        }
        if crate::gtk::gtype::is_widget(t.class()) {
            // SAFETY: both are live widgets (checked classes), borrowed for
            // the call through their handles' references.
            let (tw, ww) = unsafe {
                (
                    gtk4::Widget::from_glib_none(t.ptr() as *mut gtk4::ffi::GtkWidget),
                    gtk4::Widget::from_glib_none(w.ptr() as *mut gtk4::ffi::GtkWidget),
                )
            };
            if tw.is_ancestor(&ww) {
                return Err(format!(
                    "this {} is an ancestor of the {}: it would make a cycle in the widget tree",
                    wt.name(),
                    t.class().name()
                ));
            }
        }
    }
    Ok(())
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
        check_write(o.class(), &p, &d, Some(&o))
            .map_err(|e| invalid(F, format!("property {:?} of {}: {e}", name.as_str(), o.class().name())))?;
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
        Ok(crate::gtk::gtype::to_int(find(F, &o, &name)?.value_type()))
    }

    /// `Gobject.Property.notify`: emits `notify::name`.
    fn ml_gobject_property_notify("Gobject.Property.notify") (o: ObjRef, name: Text) -> () {
        let p = find(F, &o, &name)?;
        // SAFETY: live object and a property of its class.
        unsafe { gobj::g_object_notify_by_pspec(o.ptr(), p.to_glib_none().0) };
        Ok(())
    }
}
