//! GType look-ups by name, for `Gobject.Type`.
//!
//! A class that GLib has not registered yet (no instance made so far) is
//! found the way GtkBuilder finds it: its name is turned into the name of its
//! `_get_type` function (`GSocketClient` → `g_socket_client_get_type`), which
//! is looked up among the process's symbols and called.
//!
//! An integer that OCaml hands back as a `g_type` is checked to be a
//! registered GType before GLib sees it ([`of_int`]).

use glib::translate::{FromGlib, IntoGlib};

/// The symbol of the `_get_type` function for a type name:
/// `GtkButton` → `gtk_button_get_type`, `GSocketClient` → `g_socket_client_get_type`.
///
/// A word starts at an upper-case letter that follows a lower-case one, or
/// that follows an upper-case one and precedes a lower-case one.
pub fn get_type_symbol(type_name: &str) -> String {
    let chars: Vec<char> = type_name.chars().collect();
    let mut sym = String::with_capacity(type_name.len() + 12);
    for (i, &c) in chars.iter().enumerate() {
        if i > 0 && c.is_ascii_uppercase() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase() || (prev.is_ascii_uppercase() && next_lower) {
                sym.push('_');
            }
        }
        sym.push(c.to_ascii_lowercase());
    }
    sym.push_str("_get_type");
    sym
}

/// `Dl_info` of `<dlfcn.h>`.
#[repr(C)]
struct DlInfo {
    dli_fname: *const std::ffi::c_char,
    dli_fbase: *mut std::ffi::c_void,
    dli_sname: *const std::ffi::c_char,
    dli_saddr: *mut std::ffi::c_void,
}

extern "C" {
    fn dlsym(handle: *mut std::ffi::c_void, symbol: *const std::ffi::c_char) -> *mut std::ffi::c_void;
    fn dladdr(addr: *const std::ffi::c_void, info: *mut DlInfo) -> std::ffi::c_int;
}

/// Libraries whose `*_get_type` functions are not GType getters: they
/// take an argument (cairo's `cairo_pattern_get_type (cairo_pattern_t *)`
/// reads its pattern's kind; fribidi's `fribidi_get_type (FriBidiChar)`,
/// reached from the name `Fribidi`, indexes a table with it), so calling
/// one without is undefined. Cairo's GTypes live in a companion library
/// (`libcairo-gobject`), found as usual. Found by listing the `*_get_type`
/// symbols that GTK 4 and every library it links export, outside the
/// GObject-based ones.
const NOT_GTYPE_LIBRARIES: [&str; 2] = ["libcairo.so", "libfribidi.so"];

/// Functions named like GType getters that take an argument, in the
/// libraries this crate links (GLib, GIO, GTK 4 and what GTK links):
/// found by reading every `*_get_type (...)` declaration of their
/// installed headers, whose parameter list is not `(void)`. Cairo's are
/// all covered by [`NOT_GTYPE_LIBRARIES`]; these two are GLib's.
/// (`GVariant` itself is a fundamental type GLib registers at start-up,
/// so `g_type_from_name` answers for it and nothing is called.)
const NOT_GTYPE_GETTERS: [&str; 2] = [
    "g_variant_get_type",      // (GVariant *value): the value's GVariantType
    "g_io_extension_get_type", // (GIOExtension *extension): from "GIoExtension"
];

/// Prefixes of symbols that are OCaml externals (`ml_*`, lablgtk's and
/// this crate's own, such as `ml_gobject_get_type (value)`, reached from
/// the name `MlGobject`) or the OCaml runtime's (`caml_*`): they take OCaml
/// values. An OCaml executable exports its symbols, so dlsym finds them.
const NOT_GTYPE_PREFIXES: [&str; 2] = ["ml_", "caml_"];

/// Whether `name` is written as GType names are, in CamelCase: an ASCII
/// upper-case letter, then ASCII letters and digits only, with at least
/// one lower-case letter (`GtkButton`, `GSocketClient`, `GtkGLArea`).
/// GLib allows `-`, `_` and `+` in type names too, but no `_get_type`
/// symbol is derived from those, and a name such as `g_variant` (which
/// lower-cases to a real C function, `g_variant_get_type (GVariant *)`)
/// must never reach one.
fn is_camel_case_type_name(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() >= 2
        && b[0].is_ascii_uppercase()
        && b.iter().all(|c| c.is_ascii_alphanumeric())
        && b.iter().any(|c| c.is_ascii_lowercase())
}

/// Whether the function at `f` may be called as `GType (*)(void)`: it is
/// not in a library of [`NOT_GTYPE_LIBRARIES`].
fn in_getter_library(f: *const std::ffi::c_void) -> bool {
    let mut info = DlInfo {
        dli_fname: std::ptr::null(),
        dli_fbase: std::ptr::null_mut(),
        dli_sname: std::ptr::null(),
        dli_saddr: std::ptr::null_mut(),
    };
    // SAFETY: `f` is an address dlsym returned; `info` is a valid out-pointer.
    if unsafe { dladdr(f, &mut info) } == 0 || info.dli_fname.is_null() {
        return true; // in the executable itself
    }
    // SAFETY: dladdr sets dli_fname to a NUL-terminated path it owns.
    let path = unsafe { std::ffi::CStr::from_ptr(info.dli_fname) }.to_string_lossy();
    let base = path.rsplit('/').next().unwrap_or(&path);
    !NOT_GTYPE_LIBRARIES.iter().any(|lib| base.starts_with(lib))
}

/// The `GType (*)(void)` that registers the type named `name`, if calling
/// it is known to be sound; see [`from_name`] for the rule.
fn getter_for(name: &str) -> Option<extern "C" fn() -> glib::ffi::GType> {
    if !is_camel_case_type_name(name) {
        return None;
    }
    let sym = get_type_symbol(name);
    if NOT_GTYPE_GETTERS.contains(&sym.as_str()) || NOT_GTYPE_PREFIXES.iter().any(|p| sym.starts_with(p)) {
        return None;
    }
    let sym = std::ffi::CString::new(sym).ok()?;
    // SAFETY: RTLD_DEFAULT (null) searches the global symbol table; the
    // symbol is a NUL-terminated string that outlives the call.
    let f = unsafe { dlsym(std::ptr::null_mut(), sym.as_ptr()) };
    if f.is_null() || !in_getter_library(f) {
        return None;
    }
    // SAFETY: `f` is a function named `<type>_get_type`, derived from a
    // CamelCase type name, outside the libraries and names whose functions
    // of that shape take an argument: by GObject's convention (which
    // G_DEFINE_TYPE and glib-mkenums generate, and GtkBuilder relies on),
    // such a symbol is a `GType (*)(void)` that registers the type.
    Some(unsafe { std::mem::transmute::<*mut std::ffi::c_void, extern "C" fn() -> glib::ffi::GType>(f) })
}

/// The `GType` registered under `name`, registering it first through its
/// `_get_type` function when GLib does not know it yet.
///
/// The rule, so that only functions that are truly `GType (*)(void)` are
/// ever called (calling one that takes an argument is already the crash,
/// so nothing can be checked after the call that would make it safe):
///
/// 1. `g_type_from_name`: a registered type is found without any call.
/// 2. Only for a name that is not registered yet, written in CamelCase as
///    type names are ([`is_camel_case_type_name`]: `g_variant`, `GFile*`,
///    `gtk_button` are refused here), the symbol is derived as GtkBuilder
///    derives it (`GSocketClient` → `g_socket_client_get_type`), and called
///    only if it is not one of the known functions of that shape that take
///    an argument ([`NOT_GTYPE_GETTERS`], [`NOT_GTYPE_LIBRARIES`],
///    [`NOT_GTYPE_PREFIXES`]).
/// 3. The type it returns must have exactly that name (a lower-cased clash,
///    such as `GtkGlArea` and `GtkGLArea`, both `gtk_gl_area_get_type`,
///    answers for the registered spelling only).
///
/// What remains trusted is the convention itself: a library loaded into
/// the process that exports a `<snake>_get_type` taking arguments, under a
/// CamelCase name that GLib does not know, would be called. The headers of
/// every library this crate links were read for such functions (the two
/// lists above).
///
/// Returns `None` for a name that is neither registered nor has such a
/// `_get_type` function in the process.
pub fn from_name(name: &str) -> Option<glib::Type> {
    if let Some(t) = glib::Type::from_name(name) {
        return Some(t);
    }
    let get_type = getter_for(name)?;
    let gtype = get_type();
    // SAFETY: a value returned by a `_get_type` function is a registered GType
    // (or 0, G_TYPE_INVALID, which `is_valid` refuses below).
    let t = unsafe { glib::Type::from_glib(gtype) };
    // The function may belong to another name (a lower-cased clash): check.
    (t.is_valid() && t.name() == name).then_some(t)
}

/// GtkWidget's GType. GTK 4.8's `gtk_widget_get_type` is not safe to call
/// for the first time from two threads at once (two domains creating
/// objects raced here and registered GtkWidget twice), so it is called once.
#[cfg(feature = "gtk4")]
pub fn widget_type() -> Option<glib::Type> {
    static WIDGET: std::sync::OnceLock<glib::Type> = std::sync::OnceLock::new();
    Some(*WIDGET.get_or_init(<gtk4::Widget as glib::prelude::StaticType>::static_type))
}

/// GtkWidget's GType once some GTK (the binding's: 3 or 4) has registered
/// it; `None` before, and in a process without GTK. Without the `gtk4`
/// feature the crate does not link GTK, so the type is only looked up by
/// name (never registered by this crate).
#[cfg(not(feature = "gtk4"))]
pub fn widget_type() -> Option<glib::Type> {
    static WIDGET: std::sync::OnceLock<glib::Type> = std::sync::OnceLock::new();
    if let Some(t) = WIDGET.get() {
        return Some(*t);
    }
    let t = glib::Type::from_name("GtkWidget")?;
    Some(*WIDGET.get_or_init(|| t))
}

/// Whether `t` is GtkWidget or a subclass of it.
pub fn is_widget(t: glib::Type) -> bool {
    widget_type().is_some_and(|w| t.is_a(w))
}

/// The class of a live object.
///
/// # Safety
/// `o` is a live GObject (the caller holds a reference).
pub unsafe fn class_of(o: *mut glib::gobject_ffi::GObject) -> glib::Type {
    // SAFETY: a live GObject (precondition); every
    // instance starts with its class pointer, whose first field is the GType.
    unsafe { glib::Type::from_glib((*(*(o as *mut glib::gobject_ffi::GTypeInstance)).g_class).g_type) }
}

/// The `glib::Type` behind an OCaml `g_type`, or an error naming `id`
/// when it is not a registered GType.
///
/// `Gobject.g_type` is abstract, but its externals take plain integers: a
/// program may declare one at `int` (or use `Obj.magic`), so `id` is
/// checked. GLib cannot check it: a GType above its fundamental range is
/// the address of GLib's node for the type, read by every `g_type_*`
/// function (a bogus one segfaulted `Gobject.Type.name`, `is_a` and
/// `Value.create`), and a fundamental one of no registered type gives
/// `g_type_name` NULL (a segfault in glib-rs) or another type's node
/// (`5` named `void`). See [`is_registered`].
pub fn of_int(id: isize) -> Result<glib::Type, String> {
    let t = id as glib::ffi::GType;
    if id > 0 && is_registered(t) {
        // SAFETY: `t` is a registered GType (checked just above).
        Ok(unsafe { glib::Type::from_glib(t) })
    } else {
        Err(format!("{id} is not a registered GType (a g_type comes only from this library)"))
    }
}

/// GLib's largest fundamental GType (`G_TYPE_FUNDAMENTAL_MAX`): up to it,
/// a GType indexes GLib's static table of fundamental nodes; above it, it
/// is a node's address.
const FUNDAMENTAL_MAX: glib::ffi::GType = 255 << 2;

/// Every derived GType found by the last walk of GLib's type tree, and
/// GLib's registration serial read before that walk.
static DERIVED: std::sync::RwLock<(u32, Option<std::collections::HashSet<glib::ffi::GType>>)> =
    std::sync::RwLock::new((0, None));

/// Whether `t` is a registered GType, found without ever handing GLib an
/// address that might not be one of its nodes.
///
/// - A fundamental id is looked up in GLib's static table (any index up to
///   [`FUNDAMENTAL_MAX`] is in bounds), and must be its node's own type:
///   `g_type_name` answers for the ids 4 to 7 alike, with the node of 4.
/// - A derived id is looked up in the set of GTypes found by walking the
///   tree from every registered fundamental type (`g_type_children`, which
///   only hands out registered types). GLib never unregisters a type, so
///   the set only grows: it is walked again when an id is missing from it
///   and GLib's registration serial changed since the last walk (a type
///   registered since). A bogus id costs one walk at most per registration;
///   a real one, a read lock and a hash look-up.
fn is_registered(t: glib::ffi::GType) -> bool {
    use glib::gobject_ffi as g;
    if t == 0 {
        return false;
    }
    if t <= FUNDAMENTAL_MAX {
        // SAFETY: in bounds of GLib's fundamental table; an empty slot
        // gives NULL, a slot's name is the node's type's.
        let name = unsafe { g::g_type_name(t) };
        // SAFETY: `name` is NULL or the node's name, as GLib returned it.
        return !name.is_null() && unsafe { g::g_type_from_name(name) } == t;
    }
    {
        let known = DERIVED.read().unwrap_or_else(|e| e.into_inner());
        if known.1.as_ref().is_some_and(|s| s.contains(&t)) {
            return true;
        }
        // SAFETY: an atomic read of a counter, no precondition.
        if known.1.is_some() && known.0 == unsafe { g::g_type_get_type_registration_serial() } {
            return false;
        }
    }
    let mut known = DERIVED.write().unwrap_or_else(|e| e.into_inner());
    // Read before the walk: a type registered during it is walked again.
    // SAFETY: as above.
    let serial = unsafe { g::g_type_get_type_registration_serial() };
    if known.0 != serial || known.1.is_none() {
        let mut set = std::collections::HashSet::new();
        for n in 1..=(FUNDAMENTAL_MAX >> 2) {
            let f = n << 2;
            // SAFETY: in bounds of the fundamental table (above).
            if !unsafe { g::g_type_name(f) }.is_null() {
                add_children(f, &mut set);
            }
        }
        *known = (serial, Some(set));
    }
    known.1.as_ref().is_some_and(|s| s.contains(&t))
}

/// Adds the descendants of the registered type `t` to `set`.
fn add_children(t: glib::ffi::GType, set: &mut std::collections::HashSet<glib::ffi::GType>) {
    let mut n = 0u32;
    // SAFETY: `t` is registered (a fundamental found in GLib's table, or a
    // child GLib listed); `n` is a valid out-pointer. GLib copies the list
    // under its type lock and gives it to the caller.
    let children = unsafe { glib::gobject_ffi::g_type_children(t, &mut n) };
    if children.is_null() {
        return;
    }
    // SAFETY: GLib returned `n` GTypes at `children`.
    let list = unsafe { std::slice::from_raw_parts(children, n as usize) }.to_vec();
    // SAFETY: ours to free (g_type_children's contract).
    unsafe { glib::ffi::g_free(children as glib::ffi::gpointer) };
    for c in list {
        if set.insert(c) {
            add_children(c, set);
        }
    }
}

/// The GType's integer, as handed to OCaml (`Gobject.g_type` is abstract).
pub fn to_int(t: glib::Type) -> isize {
    t.into_glib() as isize
}

#[cfg(test)]
mod tests {
    use super::*;
    use glib::prelude::StaticType;

    #[test]
    fn symbol_names_follow_gobject_convention() {
        assert_eq!(get_type_symbol("GtkButton"), "gtk_button_get_type");
        assert_eq!(get_type_symbol("GSocketClient"), "g_socket_client_get_type");
        assert_eq!(get_type_symbol("GObject"), "g_object_get_type");
        assert_eq!(get_type_symbol("GtkApplicationWindow"), "gtk_application_window_get_type");
    }

    #[test]
    #[cfg(feature = "gtk4")]
    fn fundamental_and_lazy_types_are_found() {
        assert_eq!(from_name("GObject"), Some(glib::Type::OBJECT));
        // Link libgio in (a type that is not the one under test)...
        let _ = gtk4::gio::Cancellable::static_type();
        // ...then GSocketClient is not registered until its _get_type runs:
        // found through the symbol.
        assert_eq!(glib::Type::from_name("GSocketClient"), None);
        let t = from_name("GSocketClient").expect("GSocketClient");
        assert_eq!(t.name(), "GSocketClient");
        assert!(t.is_a(glib::Type::OBJECT));
        assert_eq!(from_name("NoSuchTypeAnywhere"), None);
    }

    #[test]
    #[cfg(feature = "gtk4")]
    fn functions_that_take_an_argument_are_not_called() {
        // cairo_pattern_get_type (cairo_pattern_t *) is cairo's, not a
        // GType getter: it must not be called (it would read a pattern at
        // whatever address the argument register holds).
        let _ = gtk4::cairo::ImageSurface::create(gtk4::cairo::Format::ARgb32, 1, 1); // link libcairo in
        if glib::Type::from_name("CairoPattern").is_none() {
            assert_eq!(from_name("CairoPattern"), None);
        }
    }

    #[test]
    #[cfg(feature = "gtk4")]
    fn of_int_accepts_registered_types_only() {
        for bogus in [0, 1, 3, 5, 1000, 1 << 40, 123_456_789, -4, isize::MAX] {
            let e = of_int(bogus).expect_err("a bogus id");
            assert!(e.contains(&bogus.to_string()), "{e}");
        }
        for t in [glib::Type::OBJECT, glib::Type::I32, glib::Type::INTERFACE, glib::Type::STRING] {
            assert_eq!(of_int(to_int(t)), Ok(t));
        }
        let _ = gtk4::gio::Cancellable::static_type(); // link libgio in
        // A type registered after a walk is found by the next one.
        assert!(of_int(1 << 40).is_err());
        let fresh = glib::Type::from_name("GThreadedSocketService").is_none();
        let t = from_name("GThreadedSocketService").expect("GThreadedSocketService");
        assert_eq!(of_int(to_int(t)), Ok(t), "registered after the walk: {fresh}");
        assert_eq!(of_int(to_int(t) + 1).map(|t| t.name()), Err(format!("{} is not a registered GType (a g_type comes only from this library)", to_int(t) + 1)));
    }

    #[test]
    fn only_camel_case_names_derive_a_symbol() {
        assert!(is_camel_case_type_name("GtkButton"));
        assert!(is_camel_case_type_name("GtkGLArea"));
        assert!(!is_camel_case_type_name("g_variant"));
        assert!(!is_camel_case_type_name("gtk_button"));
        assert!(!is_camel_case_type_name("Gtk_Button"));
        assert!(!is_camel_case_type_name("GTK"));
        assert!(!is_camel_case_type_name(""));
    }

    #[test]
    #[cfg(feature = "gtk4")]
    fn getters_that_take_an_argument_are_never_called() {
        // g_variant_get_type (GVariant *) and g_io_extension_get_type
        // (GIOExtension *) are linked in (libglib, libgio): their names must
        // not lead to a call.
        let _ = gtk4::gio::Cancellable::static_type();
        assert!(getter_for("g_variant").is_none());
        assert!(getter_for("GIoExtension").is_none());
        assert!(getter_for("Fribidi").is_none(), "fribidi_get_type (FriBidiChar) is linked in by GTK");
        assert!(getter_for("MlGobject").is_none(), "an OCaml external, ml_gobject_get_type (value)");
        assert!(getter_for("CamlRuntime").is_none());
        assert_eq!(from_name("g_variant"), None);
        assert_eq!(from_name("GIoExtension"), None);
        assert!(getter_for("GSocketClient").is_some());
    }
}
