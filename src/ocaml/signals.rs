//! Signal names, checked before GLib sees them, and the few last ones
//! remembered per thread.
//!
//! `g_signal_parse_name` is a hash lookup under GLib's signal lock plus an
//! ancestry check: about 400 instructions, as much as the rest of a
//! `connect_by_name` of ours beyond GLib's own connect (bench/analysis.md).
//! Programs connect the same few signals over and over ("clicked" on every
//! button of a list), so each thread keeps its last [`SLOTS`] answers,
//! keyed by the instance's exact type and the name's bytes.
//!
//! An answer stays right as long as the class it was read from lives. A
//! class of a static type lives until the process ends; a class of a type
//! registered by a `GTypePlugin` (a loadable module) can be finalized and
//! made again with new signal ids, so an answer that involves such a type
//! (the type, an ancestor or an interface) is never remembered. Unknown
//! names are not remembered either: every call with one asks GLib.

use std::cell::RefCell;

use glib::gobject_ffi as gobj;
use glib::translate::IntoGlib;

use crate::ocaml::errors::GcError;

/// How many answers a thread remembers.
pub const SLOTS: usize = 8;

/// The longest name (in bytes) remembered; longer ones always ask GLib.
const LONGEST: usize = 48;

#[derive(Clone, Copy)]
struct Answer {
    /// 0: an empty slot (no type is 0).
    type_: glib::ffi::GType,
    len: u8,
    name: [u8; LONGEST],
    id: u32,
    detail: u32,
}

const EMPTY: Answer = Answer { type_: 0, len: 0, name: [0; LONGEST], id: 0, detail: 0 };

struct Remembered {
    answers: [Answer; SLOTS],
    /// The slot the next new answer replaces (round robin).
    next: usize,
}

thread_local! {
    static REMEMBERED: RefCell<Remembered> = const { RefCell::new(Remembered { answers: [EMPTY; SLOTS], next: 0 }) };
}

/// [`parse`] for a name not checked yet: a name this thread already knows
/// for `t` is answered without a copy; any other is checked as text (NUL
/// bytes, UTF-8: errors name the argument `name`) before GLib sees it.
pub fn parse_bytes(func: &str, t: glib::Type, name: &crate::ocaml::boundary::BorrowedBytes) -> Result<(u32, u32), GcError> {
    match recall(t.into_glib(), name.bytes()) {
        Some(found) => Ok(found),
        None => ask_glib(func, t, name.text(func, "name")?.as_cstr()),
    }
}

/// The signal id and detail quark of `name` (`"clicked"`, `"notify::label"`)
/// on instances of type `t`, or an error naming both.
pub fn parse(func: &str, t: glib::Type, name: &std::ffi::CStr) -> Result<(u32, u32), GcError> {
    match recall(t.into_glib(), name.to_bytes()) {
        Some(found) => Ok(found),
        None => ask_glib(func, t, name),
    }
}

/// [`parse`] by GLib, the answer remembered when it may be.
fn ask_glib(func: &str, t: glib::Type, name: &std::ffi::CStr) -> Result<(u32, u32), GcError> {
    let type_ = t.into_glib();
    let (mut id, mut detail) = (0u32, 0u32);
    // SAFETY: `name` is a NUL-terminated string, `t` a registered type, and
    // the two out-pointers are valid.
    let ok = unsafe { gobj::g_signal_parse_name(name.as_ptr(), type_, &mut id, &mut detail, 1) };
    if ok == 0 {
        return Err(GcError::invalid(func, format!("unknown signal {:?} for class {}", name.to_string_lossy(), t.name())));
    }
    let bytes = name.to_bytes();
    if bytes.len() <= LONGEST && lives_until_exit(type_) {
        remember(type_, bytes, id, detail);
    }
    Ok((id, detail))
}

fn recall(type_: glib::ffi::GType, name: &[u8]) -> Option<(u32, u32)> {
    REMEMBERED
        .try_with(|r| {
            let r = r.borrow();
            r.answers
                .iter()
                .find(|a| a.type_ == type_ && a.len as usize == name.len() && &a.name[..name.len()] == name)
                .map(|a| (a.id, a.detail))
        })
        .ok()
        .flatten()
}

fn remember(type_: glib::ffi::GType, name: &[u8], id: u32, detail: u32) {
    let _ = REMEMBERED.try_with(|r| {
        let mut r = r.borrow_mut();
        let mut a = Answer { type_, len: name.len() as u8, name: [0; LONGEST], id, detail };
        a.name[..name.len()].copy_from_slice(name);
        let i = r.next;
        r.answers[i] = a;
        r.next = (i + 1) % SLOTS;
    });
}

/// Whether no class that a signal of `type_` can come from is ever
/// finalized: neither `type_`, nor an ancestor, nor an interface it
/// implements is registered by a `GTypePlugin`.
fn lives_until_exit(type_: glib::ffi::GType) -> bool {
    // SAFETY (each call below): `type_` is a registered type (an instance
    // of it exists), and so are its ancestors and interfaces; these GType
    // queries are thread-safe.
    let static_type = |t| unsafe { gobj::g_type_get_plugin(t) }.is_null();
    let mut t = type_;
    while t != 0 {
        if !static_type(t) {
            return false;
        }
        // SAFETY: as above.
        t = unsafe { gobj::g_type_parent(t) };
    }
    let mut n = 0u32;
    // SAFETY: as above; the array (inherited interfaces included) is ours.
    let ifaces = unsafe { gobj::g_type_interfaces(type_, &mut n) };
    if ifaces.is_null() {
        return true;
    }
    // SAFETY: g_type_interfaces returned `n` types there.
    let all_static = unsafe { std::slice::from_raw_parts(ifaces, n as usize) }.iter().all(|&i| static_type(i));
    // SAFETY: the array is ours, freed once.
    unsafe { glib::ffi::g_free(ifaces as glib::ffi::gpointer) };
    all_static
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_known_names_per_type_and_refuses_unknown_ones() {
        let _instance = glib::Object::new::<glib::Object>(); // its class registers "notify"
        let t = glib::Type::OBJECT;
        let (id, detail) = parse("test", t, c"notify::name").unwrap();
        assert!(id != 0 && detail != 0);
        assert_eq!(parse("test", t, c"notify::name").unwrap(), (id, detail), "answered from memory");
        assert_eq!(parse("test", t, c"notify").unwrap(), (id, 0), "another name, another answer");
        let e = parse("test", t, c"no-such-signal").unwrap_err();
        assert!(format!("{e:?}").contains("unknown signal"), "{e:?}");
        assert!(parse("test", t, c"no-such-signal").is_err(), "an unknown name is never remembered");
        for i in 0..(2 * SLOTS) {
            let name = std::ffi::CString::new(format!("notify::p{i}")).unwrap();
            assert_eq!(parse("test", t, &name).unwrap().0, id, "round robin past {SLOTS} answers");
        }
        assert!(lives_until_exit(glib::Type::OBJECT.into_glib()));
    }
}
