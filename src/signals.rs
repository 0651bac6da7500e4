//! Signal names, checked before GLib sees them.

use glib::gobject_ffi as gobj;
use glib::translate::IntoGlib;

use crate::errors::GcError;

/// The signal id and detail quark of `name` (`"clicked"`, `"notify::label"`)
/// on class `t`, or an error naming both.
pub fn parse(func: &str, t: glib::Type, name: &std::ffi::CStr) -> Result<(u32, u32), GcError> {
    let (mut id, mut detail) = (0u32, 0u32);
    // SAFETY: `name` is a NUL-terminated string, `t` a registered type, and
    // the two out-pointers are valid.
    let ok = unsafe { gobj::g_signal_parse_name(name.as_ptr(), t.into_glib(), &mut id, &mut detail, 1) };
    if ok == 0 {
        return Err(GcError::invalid(func, format!("unknown signal {:?} for class {}", name.to_string_lossy(), t.name())));
    }
    Ok((id, detail))
}
