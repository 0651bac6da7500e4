//! Externals of `Gclosure`.

use crate::ocaml::boundary::{OString, Res, Ret, Val};
use crate::ocaml::boundary::externals;
use crate::core::lifecycle::{self, Life};
use crate::ocaml::shutdown;

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

/// `Gclosure.stats`, as the record `{live; pending_release; released; invalidated}`.
pub struct MlStats(crate::core::registry::Stats);

impl Ret for MlStats {
    unsafe fn into_ocaml(self) -> Res<Val> {
        let s = self.0;
        let fields = [s.live, s.pending_release, s.released, s.invalidated];
        // SAFETY: domain lock held (precondition); a fresh block of 4 fields,
        // each set to an immediate integer (no write barrier needed).
        unsafe {
            let v = ocaml::sys::caml_alloc_tuple(fields.len());
            for (i, f) in fields.into_iter().enumerate() {
                *ocaml::sys::field(v, i) = ocaml::sys::val_int(f as isize);
            }
            Ok(v)
        }
    }
}

/// `Gclosure.life`'s integers (`Gclosure.life` in `gclosure.ml`).
fn life_code(l: Life) -> isize {
    match l {
        Life::Open => 0,
        Life::Closed => 1,
        Life::Exiting => 2,
    }
}

externals! {
    /// `Gclosure.glib_version : unit -> string`.
    fn ml_gclosure_glib_version("Gclosure.glib_version", any) () -> OString {
        Ok(OString(glib_version().into_bytes()))
    }

    /// Called once when the OCaml module `Gclosure` initialises, after it
    /// registered its exceptions: boxroot needs its setup on OCaml 4.14 (a
    /// no-op on OCaml 5), and the exceptions are looked up for later.
    fn ml_gclosure_init("Gclosure.init", any) () -> () {
        // SAFETY: called from OCaml module initialisation, on the main
        // thread, with the runtime lock held and before any thread is created.
        unsafe {
            ocaml_boxroot_sys::boxroot_setup();
            crate::core::thread::presence::init();
            crate::ocaml::boundary::cache_exceptions();
        }
        crate::ocaml::caml_boxed::gtype(); // registered up front, so Type.from_name finds it
        crate::gtk::affinity::note_main_thread();
        crate::gtk::toplevels::note_init_thread();
        Ok(())
    }

    /// `Gclosure.stats`.
    fn ml_gclosure_stats("Gclosure.stats", any) () -> MlStats {
        Ok(MlStats(crate::core::callbacks::REGISTRY.stats()))
    }

    /// `Gclosure.created`.
    fn ml_gclosure_created("Gclosure.created", any) () -> isize {
        Ok(crate::core::callbacks::REGISTRY.stats().created as isize)
    }

    /// `Gclosure.flush`: a safe point (nothing is queued after shutdown).
    fn ml_gclosure_flush("Gclosure.flush", any) [d] () -> () {
        crate::core::safepoint::flush(d);
        Ok(())
    }

    /// `Gclosure.shutdown`: the explicit shutdown (Open → Closed).
    fn ml_gclosure_shutdown("Gclosure.shutdown", any) [d] () -> () {
        // SAFETY: as above; the runtime runs.
        unsafe { shutdown::shutdown(d) };
        Ok(())
    }

    /// The exit (`at_exit`): Open or Closed → Exiting, unless this program
    /// is a Rust program that embeds OCaml: dropping its `Runtime` is its
    /// shutdown (Closed), and its threads go on after OCaml's `at_exit`.
    fn ml_gclosure_at_exit("Gclosure.at_exit", any) [d] () -> () {
        // SAFETY: as above; OCaml's at_exit runs before the runtime stops.
        unsafe {
            if crate::core::life::is_embedded() {
                shutdown::shutdown(d);
            } else {
                shutdown::exit(d);
            }
        }
        Ok(())
    }

    /// `Gclosure.life`: 0 open, 1 closed, 2 exiting.
    fn ml_gclosure_life("Gclosure.life", any) () -> isize {
        Ok(life_code(lifecycle::life()))
    }
}

externals! {
    /// For the boundary's tests only (`tests/ocaml/test_boundary.ml`
    /// declares it): panics, to show that a panic becomes `Failure` and
    /// that the thread can panic again. Not part of the OCaml API.
    fn ml_gclosure_test_panic("Gclosure.test_panic", any) (what: crate::ocaml::boundary::Text) -> () {
        panic!("deliberate panic for the boundary test: {}", what.as_str())
    }
}

externals! {
    /// For tests only (`tests/ocaml/test_shutdown.ml` declares it): how
    /// many `GclosureCaml` boxes still hold a root. Not part of the OCaml API.
    fn ml_gclosure_test_caml_boxes("Gclosure.test_caml_boxes", any) () -> isize {
        Ok(crate::ocaml::caml_boxed::rooted() as isize)
    }
}
