//! Externals of `Gobject.Signal`.

use glib::gobject_ffi as gobj;
use glib::translate::{FromGlib, ToGlibPtrMut};

use super::{enter, invalid};
use crate::gvalue::{self, Data};
use crate::handles::{ClosureHandle, ObjHandle};
use crate::ml::gobject::class_of;

/// `G_SIGNAL_TYPE_STATIC_SCOPE`, a flag bit GLib may set in signal types.
const STATIC_SCOPE: glib::ffi::GType = 1;

fn parse(gc: &ocaml::Runtime, func: &str, o: *mut gobj::GObject, name: &str) -> Result<(u32, u32), ocaml::Error> {
    crate::signals::parse(func, class_of(o), name).map_err(|e| crate::errors::to_ocaml(gc, e))
}

/// `Gobject.Signal.connect_by_name`.
#[ocaml::bytecode_func] // see ml/mod.rs: no per-call Runtime::init
#[ocaml::sig("obj -> string -> g_closure -> bool -> int")]
pub fn ml_gobject_signal_connect_by_name(
    o: &ObjHandle,
    name: &str,
    callback: &ClosureHandle,
    after: bool,
) -> Result<ocaml::Int, ocaml::Error> {
    const F: &str = "Gobject.Signal.connect_by_name";
    enter()?;
    let (id, detail) = parse(gc, F, o.ptr(), name)?;
    // SAFETY: live object and closure (held by their handles); `id` and
    // `detail` are valid for the object's class (parsed above).
    let h = unsafe { gobj::g_signal_connect_closure_by_id(o.ptr() as *mut _, id, detail, callback.ptr(), after as i32) };
    Ok(h as ocaml::Int)
}

/// `Gobject.Signal.disconnect`.
#[ocaml::bytecode_func] // see ml/mod.rs: no per-call Runtime::init
#[ocaml::sig("obj -> int -> unit")]
pub fn ml_gobject_signal_disconnect(o: &ObjHandle, id: ocaml::Int) -> Result<(), ocaml::Error> {
    const F: &str = "Gobject.Signal.disconnect";
    enter()?;
    let ok = id > 0
        // SAFETY: live object; any handler id may be asked about.
        && unsafe { gobj::g_signal_handler_is_connected(o.ptr() as *mut _, id as _) } != 0;
    if !ok {
        return Err(invalid(gc, F, format!("handler {id} is not connected to this {}", class_of(o.ptr()).name())));
    }
    // SAFETY: the handler is connected to this live object (checked).
    unsafe { gobj::g_signal_handler_disconnect(o.ptr() as *mut _, id as _) };
    // The closure may just have been invalidated: release its root now.
    // SAFETY: external, domain lock held, not in a finalizer.
    unsafe { crate::lifecycle::safe_point() };
    Ok(())
}

/// `Gobject.Signal.emit_by_name`: emits with `params` (the instance
/// excluded) and returns the result (`NONE for a void signal).
#[ocaml::bytecode_func] // see ml/mod.rs: no per-call Runtime::init
#[ocaml::sig("obj -> string -> data_repr array -> data_repr")]
pub fn ml_gobject_signal_emit_by_name(o: &ObjHandle, name: &str, params: Vec<Data>) -> Result<Data, ocaml::Error> {
    const F: &str = "Gobject.Signal.emit_by_name";
    enter()?;
    let obj = o.ptr();
    let (id, detail) = parse(gc, F, obj, name)?;
    // SAFETY: a zeroed GSignalQuery is filled in by g_signal_query for a valid id.
    let mut q: gobj::GSignalQuery = unsafe { std::mem::zeroed() };
    // SAFETY: `id` is a valid signal id (parsed above).
    unsafe { gobj::g_signal_query(id, &mut q) };
    if params.len() != q.n_params as usize {
        return Err(invalid(gc, F, format!(
            "signal {name:?} of {} takes {} parameter(s), {} given",
            class_of(obj).name(), q.n_params, params.len()
        )));
    }
    let mut values: Vec<glib::Value> = Vec::with_capacity(params.len() + 1);
    // SAFETY: `obj` is a live object of a class whose type is valid.
    let mut inst = glib::Value::from_type(class_of(obj));
    // SAFETY: `inst` is initialised with the object's own class.
    unsafe { gobj::g_value_set_object(inst.to_glib_none_mut().0, obj as *mut _) };
    values.push(inst);
    for (i, d) in params.iter().enumerate() {
        // SAFETY: `param_types` has `n_params` entries.
        let raw = unsafe { *q.param_types.add(i) } & !STATIC_SCOPE;
        // SAFETY: a parameter type of a registered signal is a registered type.
        let t = unsafe { glib::Type::from_glib(raw) };
        let mut v = glib::Value::from_type(t);
        // SAFETY: `v` is initialised and ours; lock held.
        unsafe { gvalue::write(v.to_glib_none_mut().0, d) }
            .map_err(|e| invalid(gc, F, format!("signal {name:?}, parameter {}: {e}", i + 1)))?;
        values.push(v);
    }
    let rt_raw = q.return_type & !STATIC_SCOPE;
    // SAFETY: the return type of a registered signal is a registered type.
    let rt = unsafe { glib::Type::from_glib(rt_raw) };
    let mut ret = (rt != glib::Type::UNIT).then(|| glib::Value::from_type(rt));
    let ret_ptr = ret.as_mut().map_or(std::ptr::null_mut(), |r| r.to_glib_none_mut().0);
    // SAFETY: `values` holds the instance and `n_params` parameters of the
    // right types; `ret_ptr` is null or a value of the return type. OCaml
    // callbacks may run: only rooted values are held across the call.
    unsafe { gobj::g_signal_emitv(values.as_ptr() as *const _, id, detail, ret_ptr) };
    match ret {
        None => Ok(Data::None),
        // SAFETY: `ret` was initialised with the return type; lock held.
        Some(mut r) => unsafe { gvalue::read(r.to_glib_none_mut().0) }.map_err(|e| invalid(gc, F, e)),
    }
}
