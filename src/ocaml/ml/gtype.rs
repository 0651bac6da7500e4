//! Externals of `Gobject.Type`.

use crate::ocaml::boundary::{invalid, OString, Text};
use crate::ocaml::boundary::externals;
use crate::gtk::gtype::{self, of_int};

externals! {
    /// `Gobject.Type.from_name : string -> g_type`; raises `Invalid_argument`
    /// naming the type when GLib knows no such type.
    fn ml_gobject_type_from_name("Gobject.Type.from_name") (name: Text) -> isize {
        gtype::from_name(name.as_str())
            .map(gtype::to_int)
            .ok_or_else(|| invalid(F, format!("unknown type {:?}", name.as_str())))
    }

    /// `Gobject.Type.name : g_type -> string`; raises `Invalid_argument`
    /// naming the integer when it is not a registered GType.
    fn ml_gobject_type_name("Gobject.Type.name") (id: isize) -> OString {
        let t = of_int(id).map_err(|e| invalid(F, e))?;
        Ok(OString(t.name().as_bytes().to_vec()))
    }

    /// `Gobject.Type.is_a`; raises as `name` does.
    fn ml_gobject_type_is_a("Gobject.Type.is_a") (t: isize, parent: isize) -> bool {
        let t = of_int(t).map_err(|e| invalid(F, e))?;
        let parent = of_int(parent).map_err(|e| invalid(F, e))?;
        Ok(t.is_a(parent))
    }
}
