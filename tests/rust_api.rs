//! The Rust API against a real OCaml runtime and real GObject signals.
//! The OCaml side is tests/embed/callbacks.ml, linked in by build.rs.
//!
//! One runtime per process: every check runs in one test, in order.

use glib::prelude::*;
use ocaml_gclosure::{Error, Runtime};

fn call_int(ocaml: &Runtime, name: &str) -> isize {
    let _locked = ocaml.lock();
    // SAFETY: `_locked` holds the domain lock; the named value is `unit -> int`.
    unsafe {
        let f = ocaml::sys::caml_named_value(std::ffi::CString::new(name).unwrap().as_ptr());
        assert!(!f.is_null(), "{name} not registered");
        let r = ocaml::sys::caml_callback(*f, ocaml::sys::UNIT);
        ocaml::sys::int_val(r)
    }
}

fn emit(o: &gtk4::gio::Cancellable) {
    o.emit_by_name::<()>("cancelled", &[]);
}

#[test]
fn rust_api_end_to_end() {
    let ocaml = Runtime::start().expect("start");
    assert_eq!(Runtime::start().err(), Some(Error::AlreadyStarted));

    // An OCaml callback as a glib::Closure on a real signal.
    let obj = gtk4::gio::Cancellable::new();
    let count = ocaml.callback("count").expect("count");
    let closure = ocaml.closure(&count).expect("closure");
    let id = ocaml_gclosure::connect_closure(&obj, "cancelled", false, &closure).expect("connect");
    for _ in 0..5 {
        emit(&obj);
    }
    assert_eq!(call_int(&ocaml, "clicks"), 5);
    assert_eq!(call_int(&ocaml, "last_nargs"), 1, "argv holds the instance");

    // The lock is held only inside calls: a worker thread's emission runs
    // its OCaml callback while this thread just waits (no run_unlocked).
    // (The worker ends here: the shutdown below invalidates on the GLib
    // side only when no other live thread has entered the library.)
    let (tx, rx) = std::sync::mpsc::channel();
    let worker = {
        let obj = obj.clone();
        std::thread::spawn(move || {
            emit(&obj);
            tx.send(()).unwrap();
        })
    };
    assert_eq!(
        rx.recv_timeout(std::time::Duration::from_secs(20)),
        Ok(()),
        "a worker thread's callback got the domain lock while this thread waited"
    );
    worker.join().unwrap();
    assert_eq!(call_int(&ocaml, "clicks"), 6);
    // A Locked guard inside which the API is called again (the lock is
    // then not taken twice) and a callback runs on this thread.
    {
        let _locked = ocaml.lock();
        emit(&obj);
        let _ = ocaml.callback("count").unwrap();
    }
    assert_eq!(call_int(&ocaml, "clicks"), 7);

    // Disconnected: no more calls; the root is released once GLib drops it.
    obj.disconnect(id);
    drop(closure);
    emit(&obj);
    assert_eq!(call_int(&ocaml, "clicks"), 7);
    ocaml.flush();
    let s = ocaml.stats();
    assert_eq!((s.live, s.pending_release, s.released), (0, 0, 1));

    // Errors name the problem.
    assert_eq!(ocaml.callback("nope").err(), Some(Error::UnknownCallback("nope".into())));
    match ocaml.connect(&obj, "no-such-signal", "count", false) {
        Err(Error::Invalid(m)) => assert!(m.contains("no-such-signal") && m.contains("GCancellable"), "{m}"),
        other => panic!("expected Invalid, got {other:?}"),
    }

    // An exception in OCaml goes to the handler; the emission goes on.
    ocaml.connect(&obj, "cancelled", "raise", false).unwrap();
    ocaml.connect(&obj, "cancelled", "count", true).unwrap();
    emit(&obj);
    assert_eq!(call_int(&ocaml, "clicks"), 8);

    // GC pressure while closures are connected.
    for _ in 0..1000 {
        let c = ocaml.closure(&count).unwrap();
        let h = ocaml_gclosure::connect_closure(&obj, "cancelled", false, &c).unwrap();
        obj.disconnect(h);
    }
    call_int(&ocaml, "gc");
    ocaml.flush();
    assert_eq!(ocaml.stats().live, 2, "the two still connected");

    // The guard's drop is the ordered shutdown.
    drop(ocaml);
    let s = ocaml_gclosure::stats();
    assert_eq!((s.live, s.pending_release), (0, 0));
    assert_eq!(s.released, s.created);
    // Shutdown invalidated the closures on the GLib side too: GLib removed
    // their handlers.
    let id = glib::subclass::signal::SignalId::lookup("cancelled", obj.type_()).unwrap();
    assert!(!glib::signal::signal_has_handler_pending(&obj, id, None, true), "handlers left connected");
    emit(&obj); // and nothing can reach OCaml
    assert_eq!(Runtime::start().err(), Some(Error::AlreadyStarted));
}
