//! Externals of `Gclosure`.

use crate::lifecycle;

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

/// Called once when the OCaml module `Gclosure` initialises, after it
/// registered its exceptions: boxroot needs its setup on OCaml 4.14 (a
/// no-op on OCaml 5), and the `Closed` exception is kept for later.
#[ocaml::func]
#[ocaml::sig("unit -> unit")]
pub fn ml_gclosure_init() {
    // SAFETY: called from OCaml module initialisation, on the main thread,
    // with the runtime lock held and before any thread is created.
    unsafe {
        ocaml_boxroot_sys::boxroot_setup();
        super::cache_exceptions();
        crate::caml_boxed::gtype(); // registered up front, so Type.from_name finds it
    }
}

/// `Gclosure.stats`, as the record `{live; pending_release; released; invalidated}`.
#[derive(ocaml::ToValue)]
pub struct MlStats {
    live: ocaml::Int,
    pending_release: ocaml::Int,
    released: ocaml::Int,
    invalidated: ocaml::Int,
}

/// `Gclosure.stats`.
#[ocaml::func]
#[ocaml::sig("unit -> stats")]
pub fn ml_gclosure_stats() -> MlStats {
    let s = lifecycle::stats();
    MlStats {
        live: s.live as _,
        pending_release: s.pending_release as _,
        released: s.released as _,
        invalidated: s.invalidated as _,
    }
}

/// `Gclosure.created`.
#[ocaml::func]
#[ocaml::sig("unit -> int")]
pub fn ml_gclosure_created() -> ocaml::Int {
    lifecycle::stats().created as _
}

/// `Gclosure.flush`.
#[ocaml::func]
#[ocaml::sig("unit -> unit")]
pub fn ml_gclosure_flush() {
    // SAFETY: externals hold the domain lock and never run in a finalizer.
    unsafe { lifecycle::flush() }
}

/// `Gclosure.shutdown`.
#[ocaml::func]
#[ocaml::sig("unit -> unit")]
pub fn ml_gclosure_shutdown() {
    // SAFETY: as above; OCaml's at_exit runs it before the runtime stops.
    unsafe { lifecycle::shutdown() }
}

/// `Gclosure.is_closed`.
#[ocaml::func]
#[ocaml::sig("unit -> bool")]
pub fn ml_gclosure_is_closed() -> bool {
    lifecycle::is_closed()
}
