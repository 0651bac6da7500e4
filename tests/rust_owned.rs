//! Owned closures on the Rust host (design invariant 11, `src/ocaml/owners.rs`):
//! a widget whose OCaml handle is dropped while it sits in a live window
//! keeps its handlers. A GC, then an emission from C, must still run the
//! handler, also when the GC runs on a GLib worker thread while the main
//! thread, which holds the domain lock only inside calls, changes the
//! widget's reference count without it.
//!
//! GTK needs a display: without `DISPLAY` the test runs itself again under
//! `scripts/xvfb.sh` (its own process: one runtime each).

use std::process::Command;
use std::time::{Duration, Instant};

use glib::prelude::*;
use glib::translate::ToGlibPtr;
use gtk4::prelude::*;
use ocaml_gclosure::Runtime;

const UNDER_XVFB: &str = "OCAML_GCLOSURE_TEST_UNDER_XVFB";

fn call_int(ocaml: &Runtime, name: &str) -> isize {
    let _locked = ocaml.lock();
    // SAFETY: `_locked` holds the domain lock; the named value is `unit -> int`.
    unsafe {
        let f = ocaml::sys::caml_named_value(std::ffi::CString::new(name).unwrap().as_ptr());
        assert!(!f.is_null(), "{name} not registered");
        ocaml::sys::int_val(ocaml::sys::caml_callback(*f, ocaml::sys::UNIT))
    }
}

/// Full major GCs (the owners' finalisers run), a safe point, and the main
/// context's pending idles (where a widget's fate is decided), three times.
fn settle(ocaml: &Runtime) {
    for _ in 0..3 {
        {
            let _locked = ocaml.lock();
            // SAFETY: `_locked` holds the domain lock; no OCaml value is held.
            unsafe {
                ocaml::sys::caml_gc_full_major(ocaml::sys::UNIT);
            }
        }
        ocaml.flush();
        let ctx = glib::MainContext::default();
        while ctx.iteration(false) {}
    }
}

/// "clicked" emitted from C through a pointer that holds no reference (as
/// GTK emits on a child it knows only through its parent).
fn emit_from_c(button: *mut glib::gobject_ffi::GObject) {
    // SAFETY: the button is alive (its box holds it: checked by the
    // caller's weak reference); a signal without arguments or return value.
    unsafe { glib::gobject_ffi::g_signal_emit_by_name(button, c"clicked".as_ptr()) };
}

#[test]
fn a_widget_dropped_in_a_live_window_keeps_its_handlers() {
    if std::env::var_os(UNDER_XVFB).is_none() && std::env::var_os("DISPLAY").is_none() {
        let xvfb = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/xvfb.sh");
        let me = std::env::current_exe().unwrap();
        let st = Command::new(xvfb)
            .arg(me)
            .args(["--exact", "a_widget_dropped_in_a_live_window_keeps_its_handlers", "--nocapture"])
            .env(UNDER_XVFB, "1")
            .status()
            .expect("run scripts/xvfb.sh (Xvfb, for GTK)");
        assert!(st.success(), "the test failed under Xvfb");
        return;
    }
    let ocaml = Runtime::start().expect("start");
    gtk4::init().expect("GTK needs a display");

    let window = gtk4::Window::new();
    let bx = gtk4::Box::new(gtk4::Orientation::Vertical, 0);
    window.set_child(Some(&bx));
    window.present();
    let raw: *mut glib::gobject_ffi::GObject;
    let weak;
    {
        let button = gtk4::Button::with_label("in a live window");
        bx.append(&button);
        // OCaml connects a handler that captures the button's handle, then
        // drops the handle.
        ocaml.call_with_objects("owned.bind", &[button.upcast_ref()]).expect("owned.bind");
        raw = button.upcast_ref::<glib::Object>().to_glib_none().0;
        weak = button.downgrade();
    } // Rust's reference goes too: the box's is the only one left but OCaml's.

    settle(&ocaml);
    assert!(weak.upgrade().is_some(), "the button is alive in its box");
    emit_from_c(raw);
    assert_eq!(call_int(&ocaml, "owned.ran"), 1, "after a GC, an emission from C runs the handler");

    // The GC on a GLib worker thread (its handler collects), while this
    // thread takes and drops references on the button without the lock.
    let cancellable = gtk4::gio::Cancellable::new();
    ocaml.connect(&cancellable, "cancelled", "owned.gc", false).expect("connect owned.gc");
    let worker = {
        let c = cancellable.clone();
        std::thread::spawn(move || {
            for _ in 0..20 {
                c.emit_by_name::<()>("cancelled", &[]);
            }
        })
    };
    let t0 = Instant::now();
    while !worker.is_finished() && t0.elapsed() < Duration::from_secs(60) {
        let b = bx.first_child().expect("the button is in its box");
        drop(b);
        glib::MainContext::default().iteration(false);
    }
    assert!(worker.is_finished(), "the worker's 20 collections ended within 60 s");
    worker.join().unwrap();
    settle(&ocaml);
    assert!(weak.upgrade().is_some(), "the button is alive in its box");
    emit_from_c(raw);
    assert_eq!(call_int(&ocaml, "owned.ran"), 2, "after GCs on a worker thread, an emission from C runs the handler");

    // Control: once the window lets it go, the button goes with its handler.
    window.set_child(None::<&gtk4::Widget>);
    drop(bx);
    window.destroy();
    settle(&ocaml);
    assert!(weak.upgrade().is_none(), "the button, held only by its own handler, is freed after a GC");
    drop(ocaml);
}
