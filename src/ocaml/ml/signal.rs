//! Externals of `Gobject.Signal`.

use glib::gobject_ffi as gobj;
use glib::translate::{FromGlib, ToGlibPtrMut};

use crate::ocaml::boundary::{invalid, BorrowedBytes, Text};
use crate::ocaml::boundary::externals;
use crate::ocaml::gvalue::{self, Data};
use crate::ocaml::handles::{Borrowed, ObjRef};
use glib::gobject_ffi::{GClosure, GObject};

/// `G_SIGNAL_TYPE_STATIC_SCOPE`, a flag bit GLib may set in signal types.
const STATIC_SCOPE: glib::ffi::GType = 1;

externals! {
    /// `Gobject.Signal.connect_by_name`. Its body runs no OCaml code (GLib's
    /// connect calls none), so object, name and closure are only borrowed.
    /// (It notes the object for the closure's ownership, `owners`, and
    /// returns the handler id negated when the object needs an owner.)
    fn ml_gobject_signal_connect_by_name("Gobject.Signal.connect_by_name", no_ocaml)
        (o: Borrowed<GObject>, name: BorrowedBytes, callback: Borrowed<GClosure>, after: bool) -> isize {
        let (id, detail) = crate::ocaml::signals::parse_bytes(F, o.class(), &name)?;
        // SAFETY: live object and closure (their handles' references, which
        // nothing drops during this body); `id` and `detail` are valid for
        // the object's class (parsed above).
        let h = unsafe { gobj::g_signal_connect_closure_by_id(o.ptr() as *mut _, id, detail, callback.ptr(), after as i32) };
        // SAFETY: an external: domain lock held, not in a GC finalizer; a
        // g_closure value holds a closure made by `Closure.create`, alive
        // for the body, as is the object.
        if h != 0 && unsafe { crate::ocaml::owners::note_connected(callback.ptr(), o.ptr()) } {
            // The object has no owner yet: the OCaml side makes one
            // (`Gobject.Signal.connect_by_name`), told by the sign.
            return Ok(-(h as isize));
        }
        Ok(h as isize)
    }

    /// `Gobject.Signal.disconnect`.
    fn ml_gobject_signal_disconnect("Gobject.Signal.disconnect") [d] (o: ObjRef, id: isize) -> () {
        let ok = id > 0
            // SAFETY: live object; any handler id may be asked about.
            && unsafe { gobj::g_signal_handler_is_connected(o.ptr() as *mut _, id as _) } != 0;
        if !ok {
            return Err(invalid(F, format!("handler {id} is not connected to this {}", o.class().name())));
        }
        // SAFETY: the handler is connected to this live object (checked).
        unsafe { gobj::g_signal_handler_disconnect(o.ptr() as *mut _, id as _) };
        // The closure may just have been invalidated: release its root now.
        crate::core::safepoint::safe_point(d);
        Ok(())
    }

    /// `Gobject.Signal.emit_by_name`: emits with `params` (the instance
    /// excluded) and returns the result (`NONE for a void signal).
    fn ml_gobject_signal_emit_by_name("Gobject.Signal.emit_by_name")
        (o: ObjRef, name: Text, params: Vec<Data>) -> Data {
        let class = o.class();
        let (id, detail) = crate::ocaml::signals::parse(F, class, name.as_cstr())?;
        let name = name.as_str();
        // SAFETY: a zeroed GSignalQuery is filled in by g_signal_query for a valid id.
        let mut q: gobj::GSignalQuery = unsafe { std::mem::zeroed() };
        // SAFETY: `id` is a valid signal id (parsed above).
        unsafe { gobj::g_signal_query(id, &mut q) };
        // GtkWidget's own signals that are not actions (map, realize,
        // show, destroy...) announce state changes GTK makes itself; their
        // class handlers assert that state (emitting "map" on a widget that
        // is not realized aborts in gtk_widget_real_map). Only GTK emits them.
        if crate::gtk::gtype::widget_type().is_some_and(|w| glib::translate::IntoGlib::into_glib(w) == q.itype)
            && q.signal_flags & gobj::G_SIGNAL_ACTION == 0
        {
            return Err(invalid(F, format!(
                "signal {name:?} of {} is GtkWidget's, which GTK emits itself as the widget's state changes: \
                 it cannot be emitted from outside",
                class.name()
            )));
        }
        if params.len() != q.n_params as usize {
            return Err(invalid(F, format!(
                "signal {name:?} of {} takes {} parameter(s), {} given",
                class.name(), q.n_params, params.len()
            )));
        }
        let mut values: Vec<glib::Value> = Vec::with_capacity(params.len() + 1);
        let mut inst = glib::Value::from_type(class);
        // SAFETY: `inst` is initialised with the object's own class.
        unsafe { gobj::g_value_set_object(inst.to_glib_none_mut().0, o.ptr() as *mut _) };
        values.push(inst);
        for (i, d) in params.iter().enumerate() {
            // SAFETY: `param_types` has `n_params` entries.
            let raw = unsafe { *q.param_types.add(i) } & !STATIC_SCOPE;
            // SAFETY: a parameter type of a registered signal is a registered type.
            let t = unsafe { glib::Type::from_glib(raw) };
            let mut v = glib::Value::from_type(t);
            // SAFETY: `v` is initialised and ours; lock held.
            unsafe { gvalue::write(v.to_glib_none_mut().0, d) }
                .map_err(|e| invalid(F, format!("signal {name:?}, parameter {}: {e}", i + 1)))?;
            values.push(v);
        }
        drop(params);
        let rt_raw = q.return_type & !STATIC_SCOPE;
        // SAFETY: the return type of a registered signal is a registered type.
        let rt = unsafe { glib::Type::from_glib(rt_raw) };
        let mut ret = (rt != glib::Type::UNIT).then(|| glib::Value::from_type(rt));
        let ret_ptr = ret.as_mut().map_or(std::ptr::null_mut(), |r| r.to_glib_none_mut().0);
        // SAFETY: `values` holds the instance and `n_params` parameters of the
        // right types; `ret_ptr` is null or a value of the return type. OCaml
        // callbacks may run: nothing here points into the OCaml heap.
        unsafe { gobj::g_signal_emitv(values.as_ptr() as *const _, id, detail, ret_ptr) };
        match ret {
            None => Ok(Data::None),
            // SAFETY: `ret` was initialised with the return type; lock held.
            Some(mut r) => unsafe { gvalue::read(r.to_glib_none_mut().0) }.map_err(|e| invalid(F, e)),
        }
    }
}
