//! Signal names, checked before GLib sees them.

use glib::gobject_ffi as gobj;
use glib::translate::IntoGlib;

use crate::errors::GcError;

/// The signal id and detail quark of `name` (`"clicked"`, `"notify::label"`)
/// on class `t`, or an error naming both.
pub fn parse(func: &str, t: glib::Type, name: &str) -> Result<(u32, u32), GcError> {
    let unknown = || GcError::invalid(func, format!("unknown signal {name:?} for class {}", t.name()));
    if name.as_bytes().contains(&0) {
        return Err(unknown());
    }
    // A NUL-terminated copy, on the stack for the usual short names.
    let mut buf = [0u8; 96];
    let heap;
    let c: *const std::ffi::c_char = if name.len() < buf.len() {
        buf[..name.len()].copy_from_slice(name.as_bytes());
        buf.as_ptr() as *const _
    } else {
        heap = std::ffi::CString::new(name).map_err(|_| unknown())?;
        heap.as_ptr()
    };
    let (mut id, mut detail) = (0u32, 0u32);
    // SAFETY: `c` is a NUL-terminated string without interior NUL, `t` a
    // registered type, and the two out-pointers are valid.
    let ok = unsafe { gobj::g_signal_parse_name(c, t.into_glib(), &mut id, &mut detail, 1) };
    if ok == 0 {
        return Err(unknown());
    }
    Ok((id, detail))
}
