//! Externals of `Gobject.Closure`.

use ocaml::{Pointer, Value};

use super::{closed, enter, invalid};
use crate::closure;
use crate::gvalue::{self, Data};
use crate::handles::{ArgvHandle, ClosureHandle, ValueHandle, RESULT_INDEX};
use crate::invocation::Invocation;

/// `Gobject.Closure.create : (argv -> unit) -> g_closure`.
#[ocaml::bytecode_func] // see ml/mod.rs: no per-call Runtime::init
#[ocaml::sig("(argv -> unit) -> g_closure")]
pub fn ml_gobject_closure_create(f: Value) -> Result<Pointer<ClosureHandle>, ocaml::Error> {
    enter()?;
    // SAFETY: externals hold the domain lock; `f` is typed `argv -> unit`.
    let c = unsafe { closure::create(f.raw().0) }.map_err(|_| closed())?;
    // SAFETY: `create` returned a reference we own.
    unsafe { ClosureHandle::take(c) }.ok_or_else(closed)
}

fn running<'a>(gc: &ocaml::Runtime, func: &str, argv: &'a ArgvHandle) -> Result<&'a Invocation, ocaml::Error> {
    argv.get().ok_or_else(|| invalid(gc, func, "argv used after its callback returned (or from another thread)"))
}

fn param(gc: &ocaml::Runtime, func: &str, inv: &Invocation, pos: ocaml::Int) -> Result<*mut glib::gobject_ffi::GValue, ocaml::Error> {
    usize::try_from(pos)
        .ok()
        .and_then(|p| inv.param(p))
        .ok_or_else(|| invalid(gc, func, format!("position {pos} out of range (nargs = {})", inv.n)))
}

/// `Gobject.Closure.nargs`.
#[ocaml::bytecode_func] // see ml/mod.rs: no per-call Runtime::init
#[ocaml::sig("argv -> int")]
pub fn ml_gobject_closure_nargs(argv: &ArgvHandle) -> Result<ocaml::Int, ocaml::Error> {
    Ok(running(gc, "Gobject.Closure.nargs", argv)?.n as ocaml::Int)
}

/// `Gobject.Closure.nth`.
#[ocaml::bytecode_func] // see ml/mod.rs: no per-call Runtime::init
#[ocaml::sig("argv -> int -> g_value")]
pub fn ml_gobject_closure_nth(argv: &ArgvHandle, pos: ocaml::Int) -> Result<Pointer<ValueHandle>, ocaml::Error> {
    let inv = running(gc, "Gobject.Closure.nth", argv)?;
    param(gc, "Gobject.Closure.nth", inv, pos)?;
    crate::handles::alloc(ValueHandle::Borrowed { inv, serial: inv.serial(), index: pos as u32 }).ok_or_else(closed)
}

/// `Gobject.Closure.get` (the OCaml side converts the representation).
#[ocaml::bytecode_func] // see ml/mod.rs: no per-call Runtime::init
#[ocaml::sig("argv -> int -> data_repr")]
pub fn ml_gobject_closure_get(argv: &ArgvHandle, pos: ocaml::Int) -> Result<Data, ocaml::Error> {
    let inv = running(gc, "Gobject.Closure.get", argv)?;
    let v = param(gc, "Gobject.Closure.get", inv, pos)?;
    // SAFETY: `v` is an argument of the running invocation; lock held.
    unsafe { gvalue::read(v) }.map_err(|e| invalid(gc, "Gobject.Closure.get", e))
}

/// `Gobject.Closure.get_type`.
#[ocaml::bytecode_func] // see ml/mod.rs: no per-call Runtime::init
#[ocaml::sig("argv -> int -> int")]
pub fn ml_gobject_closure_get_type(argv: &ArgvHandle, pos: ocaml::Int) -> Result<isize, ocaml::Error> {
    let inv = running(gc, "Gobject.Closure.get_type", argv)?;
    let v = param(gc, "Gobject.Closure.get_type", inv, pos)?;
    // SAFETY: an argument of the running invocation.
    Ok(crate::gtype::to_int(unsafe { gvalue::type_of(v) }))
}

/// `Gobject.Closure.result`.
#[ocaml::bytecode_func] // see ml/mod.rs: no per-call Runtime::init
#[ocaml::sig("argv -> g_value")]
pub fn ml_gobject_closure_result(argv: &ArgvHandle) -> Result<Pointer<ValueHandle>, ocaml::Error> {
    let inv = running(gc, "Gobject.Closure.result", argv)?;
    if inv.ret.is_null() {
        return Err(invalid(gc, "Gobject.Closure.result", "this invocation expects no result"));
    }
    crate::handles::alloc(ValueHandle::Borrowed { inv, serial: inv.serial(), index: RESULT_INDEX }).ok_or_else(closed)
}

/// `Gobject.Closure.get_result_type` (`G_TYPE_NONE` when none is expected).
#[ocaml::bytecode_func] // see ml/mod.rs: no per-call Runtime::init
#[ocaml::sig("argv -> int")]
pub fn ml_gobject_closure_get_result_type(argv: &ArgvHandle) -> Result<isize, ocaml::Error> {
    let inv = running(gc, "Gobject.Closure.get_result_type", argv)?;
    let t = if inv.ret.is_null() {
        glib::Type::UNIT
    } else {
        // SAFETY: GLib initialised the result value before the invocation.
        unsafe { gvalue::type_of(inv.ret) }
    };
    Ok(crate::gtype::to_int(t))
}

/// `Gobject.Closure.set_result`.
#[ocaml::bytecode_func] // see ml/mod.rs: no per-call Runtime::init
#[ocaml::sig("argv -> data_repr -> unit")]
pub fn ml_gobject_closure_set_result(argv: &ArgvHandle, d: Data) -> Result<(), ocaml::Error> {
    const F: &str = "Gobject.Closure.set_result";
    let inv = running(gc, F, argv)?;
    if inv.ret.is_null() || glib::Type::UNIT == unsafe_type(inv.ret) {
        return Err(invalid(gc, F, format!("{} given, but this invocation expects no result", d.kind())));
    }
    // SAFETY: the result value of the running invocation, ours to write; lock held.
    unsafe { gvalue::write(inv.ret, &d) }.map_err(|e| invalid(gc, F, e))
}

fn unsafe_type(v: *mut glib::gobject_ffi::GValue) -> glib::Type {
    // SAFETY: callers pass a non-null value GLib initialised.
    unsafe { gvalue::type_of(v) }
}
