//! Externals of `Gclosure`.

extern "C" {
    static glib_major_version: u32;
    static glib_minor_version: u32;
    static glib_micro_version: u32;
}

/// The version of the GLib the process runs with, as `"2.74.6"`.
pub fn glib_version() -> String {
    // SAFETY: GLib exports these as constant `const guint` variables,
    // initialised before any code of the process runs.
    let (a, b, c) = unsafe { (glib_major_version, glib_minor_version, glib_micro_version) };
    format!("{a}.{b}.{c}")
}

/// `Gclosure.glib_version : unit -> string`.
#[ocaml::func]
#[ocaml::sig("unit -> string")]
pub fn ml_gclosure_glib_version() -> String {
    glib_version()
}
