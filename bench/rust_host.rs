//! The Rust host's side of the benchmarks (bench/README.md): what a gtk4-rs
//! program that embeds OCaml pays per OCaml callback and per call of the
//! Rust API, the domain lock included (since the lock is held only inside
//! calls, each pays for taking it and giving it back).
//!
//! ```text
//! rust_host emit N REPS [WRAP]    g_signal_emit_by_name from Rust, 1 OCaml handler
//! rust_host invoke N REPS [WRAP]  g_closure_invoke from Rust on a Runtime::closure
//! rust_host flush N REPS [WRAP]   Runtime::flush with nothing queued (the cheapest API call)
//! rust_host closure N REPS [WRAP] Runtime::closure, connect_closure, disconnect, drop
//! ```
//!
//! Each repetition prints `RESULT rust_<mode> ours 1 <ns per op> ns/op`, as
//! bench.exe does. A warm-up of N/10 operations comes first; the callback
//! is tests/embed/callbacks.ml's "count" (it increments a counter, checked
//! after every repetition). WRAP `--unlocked` runs the measured loops
//! inside `Runtime::run_unlocked` (a no-op now; on a commit where
//! `Runtime::start` returned with the lock held, the main loop of an app
//! ran there); `--locked` runs them holding a `Runtime::lock` guard (a
//! burst of calls then takes the lock once). Without arguments (as `cargo test` runs it) it does a short
//! run of every mode and checks the counts.
//!
//! A `[[test]]` target with its own `main` (`harness = false`), so that it
//! gets the tests' OCaml side linked in; `scripts/bench.sh` builds it with
//! `cargo test --release --no-run` and runs it each round.

use std::time::Instant;

use glib::translate::ToGlibPtr;
use ocaml_gclosure::Runtime;

/// `f` run with the domain lock held by a guard (on a commit without
/// `Runtime::lock`, the thread holds it already).
fn locked<R>(ocaml: &Runtime, f: impl FnOnce() -> R) -> R {
    let _locked = ocaml.lock();
    f()
}

fn clicks(ocaml: &Runtime) -> isize {
    let _locked = ocaml.lock();
    // SAFETY: `_locked` holds the domain lock; "clicks" is `unit -> int`.
    unsafe {
        let f = ocaml::sys::caml_named_value(c"clicks".as_ptr());
        assert!(!f.is_null(), "clicks is not registered (tests/embed/callbacks.ml)");
        ocaml::sys::int_val(ocaml::sys::caml_callback(*f, ocaml::sys::UNIT))
    }
}

/// Fields drop in order: the runtime last.
struct Bench {
    obj: gtk4::gio::Cancellable,
    count: ocaml_gclosure::Callback,
    closure: glib::Closure,
    ocaml: Runtime,
}

impl Bench {
    /// `n` operations of `mode`; the nanoseconds they took. Never inlined:
    /// callgrind counts inside it (`--toggle-collect='*Bench*run*'`).
    #[inline(never)]
    fn run(&self, mode: &str, n: usize) -> u128 {
        let obj: *mut glib::gobject_ffi::GObject = glib::prelude::Cast::upcast_ref::<glib::Object>(&self.obj).to_glib_none().0;
        let t0 = Instant::now();
        match mode {
            "emit" => {
                for _ in 0..n {
                    // SAFETY: a live GCancellable; "cancelled" has no
                    // argument and no return value.
                    unsafe { glib::gobject_ffi::g_signal_emit_by_name(obj, c"cancelled".as_ptr()) };
                }
            }
            "invoke" => {
                let mut instance = glib::Value::from(&self.obj);
                let c: *mut glib::gobject_ffi::GClosure = self.closure.to_glib_none().0;
                let v: *mut glib::gobject_ffi::GValue = glib::translate::ToGlibPtrMut::to_glib_none_mut(&mut instance).0;
                for _ in 0..n {
                    // SAFETY: a live closure of ours, one initialised GValue
                    // argument, no return value.
                    unsafe { glib::gobject_ffi::g_closure_invoke(c, std::ptr::null_mut(), 1, v, std::ptr::null_mut()) };
                }
            }
            "flush" => {
                for _ in 0..n {
                    self.ocaml.flush();
                }
            }
            "closure" => {
                for i in 0..n {
                    let c = self.ocaml.closure(&self.count).expect("closure");
                    let h = ocaml_gclosure::connect_closure(&self.obj, "cancelled", false, &c).expect("connect");
                    glib::prelude::ObjectExt::disconnect(&self.obj, h);
                    drop(c);
                    if i % 1000 == 999 {
                        self.ocaml.flush();
                    }
                }
                self.ocaml.flush();
            }
            m => panic!("rust_host: unknown mode {m} (emit, invoke, flush, closure)"),
        }
        t0.elapsed().as_nanos()
    }

    /// How many callbacks `n` operations of `mode` run.
    fn expected_calls(mode: &str, n: usize) -> isize {
        match mode {
            "emit" | "invoke" => n as isize,
            _ => 0,
        }
    }

    fn measure(&self, mode: &str, n: usize, reps: usize, wrap: &str) {
        let go = |n| match wrap {
            "--unlocked" => self.ocaml.run_unlocked(|| self.run(mode, n)),
            "--locked" => locked(&self.ocaml, || self.run(mode, n)),
            _ => self.run(mode, n),
        };
        go((n / 10).max(1));
        for _ in 0..reps {
            let c0 = clicks(&self.ocaml);
            let ns = go(n);
            let ran = clicks(&self.ocaml) - c0;
            assert_eq!(ran, Self::expected_calls(mode, n), "rust_{mode}: {n} operations ran {ran} callbacks");
            println!("RESULT rust_{mode} ours 1 {:.3} ns/op", ns as f64 / n as f64);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let wrap = args.iter().find(|a| a.starts_with("--")).cloned().unwrap_or_default();
    let args: Vec<&str> = args.iter().map(String::as_str).filter(|a| !a.starts_with("--")).collect();
    let ocaml = Runtime::start().expect("start OCaml");
    let obj = gtk4::gio::Cancellable::new();
    let count = ocaml.callback("count").expect("count (tests/embed/callbacks.ml)");
    let closure = ocaml.closure(&count).expect("closure");
    // The emission's one handler (invoke calls the same closure directly).
    ocaml_gclosure::connect_closure(&obj, "cancelled", false, &closure).expect("connect");
    let b = Bench { obj, count, closure, ocaml };
    match args.as_slice() {
        [] => {
            // `cargo test`: a short run of each mode, counts checked.
            for mode in ["emit", "invoke", "flush", "closure"] {
                b.measure(mode, 2000, 1, "");
            }
        }
        [mode, n, reps] => {
            let n: usize = n.parse().expect("N: a number of operations");
            let reps: usize = reps.parse().expect("REPS: a number of repetitions");
            b.measure(mode, n, reps, &wrap);
        }
        _ => {
            eprintln!("usage: rust_host (emit|invoke|flush|closure) N REPS [--unlocked|--locked]");
            std::process::exit(2);
        }
    }
    drop(b);
}
