//! The Rust embedding's end of life (its own process: one runtime each).
//!
//! A worker thread emits into OCaml callbacks while the `Runtime` is
//! dropped: it must be joinable within a second (it finds the library
//! closed instead of waiting for a domain lock nobody gives back), OCaml's
//! `at_exit` must have run (a buffered channel is written out), and
//! `run_unlocked`, nested or inside a `Locked` guard, must not crash.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use glib::prelude::*;
use ocaml_gclosure::Runtime;

#[test]
fn worker_emitting_while_the_runtime_drops() {
    let ocaml = Runtime::start().expect("start");

    // run_unlocked runs without the lock already (it is held only inside
    // calls): nested, it just runs; inside a guard, it gives the guard's
    // lock up and takes it back.
    let v = ocaml.run_unlocked(|| ocaml.run_unlocked(|| 41) + 1);
    assert_eq!(v, 42);
    {
        let _locked = ocaml.lock();
        assert_eq!(ocaml.run_unlocked(|| ocaml.run_unlocked(|| 43)), 43);
    }

    let obj = gtk4::gio::Cancellable::new();
    let count = ocaml.callback("count").unwrap();
    ocaml_gclosure::connect_closure(&obj, "cancelled", false, &ocaml.closure(&count).unwrap()).unwrap();

    // A channel OCaml writes and does not flush.
    let path = std::env::temp_dir().join(format!("gclosure-eol-{}.txt", std::process::id()));
    let locked = ocaml.lock();
    // SAFETY: `locked` holds the domain lock; the named value is
    // `string -> unit`.
    unsafe {
        let f = ocaml::sys::caml_named_value(c"write_unflushed".as_ptr());
        let s = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
        let v = ocaml::sys::caml_copy_string(s.as_ptr());
        ocaml::sys::caml_callback(*f, v);
    }
    drop(locked);

    let stop = Arc::new(AtomicBool::new(false));
    let emissions = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let worker = {
        let (obj, stop, emissions) = (obj.clone(), stop.clone(), emissions.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                obj.emit_by_name::<()>("cancelled", &[]);
                emissions.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    // Let the worker run OCaml callbacks (this thread holds no lock).
    let t0 = Instant::now();
    while emissions.load(Ordering::Relaxed) < 100 && t0.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(emissions.load(Ordering::Relaxed) >= 100, "the worker ran callbacks");

    drop(ocaml); // the worker is still emitting

    let after = emissions.load(Ordering::Relaxed);
    let t0 = Instant::now();
    while emissions.load(Ordering::Relaxed) < after + 100 && t0.elapsed() < Duration::from_secs(1) {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(
        emissions.load(Ordering::Relaxed) >= after + 100,
        "after the drop, the worker's emissions go on (closures do nothing) instead of blocking"
    );
    stop.store(true, Ordering::Relaxed);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(worker.join().is_ok()).unwrap());
    assert_eq!(rx.recv_timeout(Duration::from_secs(1)), Ok(true), "the worker joins within 1 s");

    let written = std::fs::read_to_string(&path).unwrap_or_default();
    let _ = std::fs::remove_file(&path);
    assert_eq!(written, "written by OCaml, flushed at its exit\n", "OCaml's at_exit ran (flush_all)");
    let s = ocaml_gclosure::stats();
    assert_eq!((s.live, s.pending_release), (0, 0));
}
