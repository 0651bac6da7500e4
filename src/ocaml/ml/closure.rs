//! Externals of `Gobject.Closure`.

use crate::ocaml::boundary::{invalid, Res, Rooted};
use crate::ocaml::errors::GcError;
use crate::ocaml::boundary::externals;
use crate::ocaml::gvalue::{self, Data};
use crate::ocaml::handles::{ArgvHandle, ClosureRef, ValueHandle, RESULT_INDEX};
use crate::core::invocation::Invocation;

externals! {
    /// `Gobject.Closure.create : (argv -> unit) -> g_closure`.
    fn ml_gobject_closure_create("Gobject.Closure.create") (f: Rooted) -> ClosureRef {
        crate::gtk::toplevels::notice();
        // SAFETY: externals hold the domain lock, inside the library; `f` is
        // typed `argv -> unit`.
        unsafe { crate::ocaml::argv::create(f.0) }.map_err(|_| GcError::Closed)
    }
}

fn running<'a>(func: &str, argv: &'a ArgvHandle) -> Res<&'a Invocation> {
    argv.get().ok_or_else(|| invalid(func, "argv used after its callback returned (or from another thread)"))
}

fn param(func: &str, inv: &Invocation, pos: isize) -> Res<*mut glib::gobject_ffi::GValue> {
    usize::try_from(pos)
        .ok()
        .and_then(|p| inv.param(p))
        .ok_or_else(|| invalid(func, format!("position {pos} out of range (nargs = {})", inv.n)))
}

externals! {
    /// `Gobject.Closure.nargs`.
    fn ml_gobject_closure_nargs("Gobject.Closure.nargs") (argv: ArgvHandle) -> isize {
        Ok(running(F, &argv)?.n as isize)
    }
}

externals! {
    /// `Gobject.Closure.nth`.
    fn ml_gobject_closure_nth("Gobject.Closure.nth") (argv: ArgvHandle, pos: isize) -> ValueHandle {
        let inv = running(F, &argv)?;
        param(F, inv, pos)?;
        Ok(ValueHandle::Borrowed { inv, serial: inv.serial(), index: pos as u32 })
    }
}

externals! {
    /// `Gobject.Closure.get` (the OCaml side converts the representation).
    fn ml_gobject_closure_get("Gobject.Closure.get") (argv: ArgvHandle, pos: isize) -> Data {
        let inv = running(F, &argv)?;
        let v = param(F, inv, pos)?;
        // SAFETY: `v` is an argument of the running invocation; lock held.
        unsafe { gvalue::read(v) }.map_err(|e| invalid(F, e))
    }
}

externals! {
    /// `Gobject.Closure.get_type`.
    fn ml_gobject_closure_get_type("Gobject.Closure.get_type") (argv: ArgvHandle, pos: isize) -> isize {
        let inv = running(F, &argv)?;
        let v = param(F, inv, pos)?;
        // SAFETY: an argument of the running invocation.
        Ok(crate::gtk::gtype::to_int(unsafe { gvalue::type_of(v) }))
    }
}

externals! {
    /// `Gobject.Closure.result`.
    fn ml_gobject_closure_result("Gobject.Closure.result") (argv: ArgvHandle) -> ValueHandle {
        let inv = running(F, &argv)?;
        if inv.ret.is_null() {
            return Err(invalid(F, "this invocation expects no result"));
        }
        Ok(ValueHandle::Borrowed { inv, serial: inv.serial(), index: RESULT_INDEX })
    }
}

externals! {
    /// `Gobject.Closure.get_result_type` (`G_TYPE_NONE` when none is expected).
    fn ml_gobject_closure_get_result_type("Gobject.Closure.get_result_type") (argv: ArgvHandle) -> isize {
        let inv = running(F, &argv)?;
        let t = if inv.ret.is_null() {
            glib::Type::UNIT
        } else {
            // SAFETY: GLib initialised the result value before the invocation.
            unsafe { gvalue::type_of(inv.ret) }
        };
        Ok(crate::gtk::gtype::to_int(t))
    }
}

externals! {
    /// `Gobject.Closure.set_result`.
    fn ml_gobject_closure_set_result("Gobject.Closure.set_result") (argv: ArgvHandle, d: Data) -> () {
        let inv = running(F, &argv)?;
        // SAFETY: GLib initialised the result value before the invocation.
        if inv.ret.is_null() || glib::Type::UNIT == unsafe { unsafe_type(inv.ret) } {
            return Err(invalid(F, format!("{} given, but this invocation expects no result", d.kind())));
        }
        // SAFETY: the result value of the running invocation, ours to write; lock held.
        unsafe { gvalue::write(inv.ret, &d) }.map_err(|e| invalid(F, e))
    }
}

///
/// # Safety
/// `v` is a non-null GValue that GLib initialised.
unsafe fn unsafe_type(v: *mut glib::gobject_ffi::GValue) -> glib::Type {
    // SAFETY: precondition.
    unsafe { gvalue::type_of(v) }
}
