//! The Rust API: a gtk4-rs program starts OCaml, looks up OCaml callbacks
//! registered with `Callback.register`, and connects them to widgets as
//! ordinary [`glib::Closure`]s.
//!
//! ```no_run
//! use gtk4::prelude::*;
//! let ocaml = ocaml_gclosure::Runtime::start()?;          // runs OCaml's initialisers
//! let on_click = ocaml.callback("on_click")?;             // Callback.register "on_click" f
//! let button = gtk4::Button::with_label("Click");
//! ocaml_gclosure::connect_closure(&button, "clicked", false, &ocaml.closure(&on_click)?)?;
//! drop(ocaml); // ordered shutdown: closures invalidated, roots released
//! # Ok::<(), ocaml_gclosure::Error>(())
//! ```
//!
//! The OCaml callback has type `Gobject.Closure.argv -> unit`, exactly as
//! for `Gobject.Closure.create`. Everything here runs on the thread that
//! started the runtime (the types are not `Send`).
//!
//! ## The domain lock
//!
//! OCaml code runs only on a thread that holds its domain's lock. Here the
//! lock is held only *inside* calls: [`Runtime::start`] gives it up before
//! it returns, each call of this API takes it for its own duration, and so
//! does each OCaml callback, whichever thread GLib invokes it on. So a
//! gtk4-rs program runs its main loop as usual (`app.run()`), and a
//! closure invoked on a GLib worker thread (a `GTask`, `gio::spawn_blocking`)
//! takes the lock while the main thread waits in its loop.
//!
//! Code that calls the OCaml runtime itself (`ocaml::sys`) needs the lock
//! for as long as it does: [`Runtime::lock`] gives it as a guard,
//! [`Locked`], which gives it back when dropped.
//!
//! Taking the lock and giving it back is OCaml's price of a blocking
//! section with systhreads: about 470 instructions (four mutex operations
//! and a thread's runtime state saved and restored) per call or callback,
//! a fifth of an emission's cost (`bench/analysis.md`). Calls and
//! callbacks made while a [`Locked`] guard lives take nothing: a program
//! that emits signals in a loop can hold one across the loop and pay once.

use std::marker::PhantomData;
use std::sync::atomic::{AtomicU8, Ordering};

use glib::prelude::*;
use crate::core::root::Root;

use crate::core::closure;
use crate::ocaml::errors::GcError;
use glib::translate::{FromGlib, ToGlibPtr};

use crate::core::lifecycle::{self, Accept};
pub use crate::core::registry::Stats;

/// What the Rust API refuses, with a message naming the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// [`Runtime::start`] was called while a runtime exists or after one
    /// was dropped (OCaml can start once per process).
    AlreadyStarted,
    /// The library was shut down: no closure can be made any more.
    Closed,
    /// No OCaml value was registered under this name with `Callback.register`.
    UnknownCallback(String),
    /// Bad input, e.g. an unknown signal; the message names it.
    Invalid(String),
    /// An OCaml value could not be rooted: boxroot could not allocate
    /// (out of memory). The library is still open.
    OutOfMemory,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::AlreadyStarted => write!(f, "the OCaml runtime was already started in this process"),
            Error::Closed => write!(f, "ocaml-gclosure is shut down: no closure can be created"),
            Error::UnknownCallback(n) => write!(f, "no OCaml value registered as {n:?} (Callback.register {n:?} f)"),
            Error::Invalid(m) => write!(f, "{m}"),
            Error::OutOfMemory => write!(f, "cannot root an OCaml value: boxroot is out of memory"),
        }
    }
}

impl std::error::Error for Error {}

impl From<GcError> for Error {
    fn from(e: GcError) -> Self {
        match e {
            GcError::Closed => Error::Closed,
            GcError::InvalidArgument(m) | GcError::Failure(m) => Error::Invalid(m),
        }
    }
}

const NOT_STARTED: u8 = 0;
const RUNNING: u8 = 1;
const STOPPED: u8 = 2;
static STATE: AtomicU8 = AtomicU8::new(NOT_STARTED);

/// Whether OCaml was started from Rust ([`Runtime::start`]): this program's
/// end of life is the `Runtime`'s drop, not OCaml's exit.
pub fn is_embedded() -> bool {
    crate::core::life::is_embedded()
}

/// Inside the library for one call of this API, or `Err(Closed)`.
fn enter(accept: Accept) -> Result<lifecycle::Inside, Error> {
    lifecycle::enter(accept).map_err(|_| Error::Closed)
}

/// The OCaml runtime, started from Rust. Dropping it runs the ordered
/// shutdown (every closure invalidated, every root released, the library
/// closed) and then stops the runtime.
pub struct Runtime {
    _not_send: PhantomData<*mut ()>,
}

/// An OCaml function registered with `Callback.register`, rooted for as long
/// as this value lives.
pub struct Callback {
    root: Root,
    name: String,
}

impl Runtime {
    /// Starts OCaml on the calling thread: the OCaml code linked into the
    /// program runs its initialisers (and so its `Callback.register`s).
    pub fn start() -> Result<Runtime, Error> {
        STATE
            .compare_exchange(NOT_STARTED, RUNNING, Ordering::AcqRel, Ordering::Acquire)
            .map_err(|_| Error::AlreadyStarted)?;
        // SAFETY: `Runtime::start`, once (the state machine above).
        unsafe { crate::core::life::set_embedded() };
        let arg0 = c"ocaml-gclosure";
        let argv = [arg0.as_ptr(), std::ptr::null()];
        // SAFETY: first and only start in the process (the state machine
        // above); argv is a NULL-terminated array of C strings that outlives
        // the call. The calling thread then holds the domain lock.
        unsafe {
            ocaml::sys::caml_startup(argv.as_ptr());
            ocaml_boxroot_sys::boxroot_setup();
            crate::core::thread::presence::init();
            crate::gtk::affinity::note_main_thread();
            crate::gtk::toplevels::note_init_thread();
        }
        // SAFETY: this thread started the runtime (just above).
        unsafe { crate::core::thread::set_host() };
        // The lock is held only inside calls (module documentation): given
        // up now, taken back by each call and each callback.
        // SAFETY: this thread holds the lock (caml_startup returned with
        // it) and keeps no OCaml value.
        unsafe { crate::core::lock::release_for_good() };
        Ok(Runtime { _not_send: PhantomData })
    }

    /// The OCaml value registered as `name` (`Callback.register name f`).
    pub fn callback(&self, name: &str) -> Result<Callback, Error> {
        let _inside = enter(Accept::OpenOnly)?;
        let _lock = lock_for_this_call();
        let c = std::ffi::CString::new(name).map_err(|_| Error::UnknownCallback(name.into()))?;
        // SAFETY: the runtime runs and this thread holds the domain lock
        // (`self` exists and is not Send).
        let p = unsafe { ocaml::sys::caml_named_value(c.as_ptr()) };
        if p.is_null() {
            return Err(Error::UnknownCallback(name.into()));
        }
        // SAFETY: as above; `p` points to a live named value.
        let root = unsafe { Root::new(*p) }.ok_or(Error::OutOfMemory)?;
        Ok(Callback { root, name: name.into() })
    }

    /// A new GClosure that calls `cb` (an `argv -> unit` OCaml function).
    pub fn closure(&self, cb: &Callback) -> Result<glib::Closure, Error> {
        let _inside = enter(Accept::OpenOnly)?;
        let _lock = lock_for_this_call();
        // SAFETY: domain lock held (see `callback`); a new root of the same
        // value for the registry.
        let root = unsafe { Root::new(cb.root.get()) }.ok_or(Error::OutOfMemory)?;
        // SAFETY: domain lock held, inside the library; `cb` roots a function
        // value of the required type (the caller's contract with its OCaml code).
        unsafe { crate::ocaml::argv::create_glib(root) }.map_err(|_| Error::Closed)
    }

    /// Connects the OCaml callback registered as `name` to `signal` of `obj`.
    pub fn connect<O: IsA<glib::Object>>(
        &self,
        obj: &O,
        signal: &str,
        name: &str,
        after: bool,
    ) -> Result<glib::SignalHandlerId, Error> {
        let cb = self.callback(name)?;
        connect_closure(obj, signal, after, &self.closure(&cb)?)
    }

    /// Calls the OCaml function registered as `name` with the given objects
    /// as `Gobject.obj` values (`f o1`, `f o1 o2` or `f o1 o2 o3`), e.g. to
    /// hand widgets made in Rust to OCaml code. An exception it raises goes
    /// to the exception handler and comes back as `Err`.
    pub fn call_with_objects(&self, name: &str, objects: &[&glib::Object]) -> Result<(), Error> {
        if objects.is_empty() || objects.len() > 3 {
            return Err(Error::Invalid(format!("call_with_objects {name:?}: 1 to 3 objects, {} given", objects.len())));
        }
        let f = self.callback(name)?;
        let _inside = enter(Accept::OpenOnly)?;
        let _lock = lock_for_this_call();
        // Each handle is rooted as soon as it is made (the next one allocates).
        let mut args: Vec<Root> = Vec::with_capacity(objects.len());
        for o in objects {
            // SAFETY: a live object (borrowed): the handle takes its own
            // reference; domain lock held, inside the library.
            let v = unsafe {
                let r = crate::ocaml::handles::ObjRef::from_none(o.to_glib_none().0).expect("a live object");
                crate::ocaml::boundary::Ret::into_ocaml(r).map_err(Error::from)?
            };
            // SAFETY: domain lock held; `v` was just made, nothing allocated since.
            args.push(unsafe { Root::new(v) }.ok_or(Error::OutOfMemory)?);
        }
        let res = {
            // SAFETY: domain lock held; read right before the call, with no
            // allocation in between.
            let raw: Vec<ocaml::sys::Value> = args.iter().map(|a| unsafe { a.get() }).collect();
            let _in_ocaml = lifecycle::suspend_for_callback();
            // SAFETY: domain lock held; `f` is a function of that many object
            // arguments (the caller's contract with its OCaml code); the
            // arguments are rooted until the call returns.
            unsafe { ocaml::sys::caml_callbackN_exn(f.root.get(), raw.len(), raw.as_ptr() as *mut _) }
        };
        drop(args);
        if ocaml::sys::is_exception_result(res) {
            // SAFETY: an exception result, lock held, inside the library.
            unsafe { closure::handle_exception(ocaml::sys::extract_exception(res)) };
            return Err(Error::Invalid(format!("the OCaml function {name:?} raised an exception")));
        }
        Ok(())
    }

    /// Runs `f` with the domain lock given up if this thread holds it: in
    /// the scope of a [`Locked`] guard, or in Rust code that an OCaml
    /// callback called (a nested main loop, a modal dialog run from a
    /// handler). Elsewhere it just runs `f`: the lock is held only inside
    /// calls, so a main loop needs no wrapper (`app.run()` as usual). Kept
    /// for programs written when `Runtime::start` returned with the lock
    /// held and the main loop had to run here.
    pub fn run_unlocked<R>(&self, f: impl FnOnce() -> R) -> R {
        if !crate::core::lock::held() {
            return f();
        }
        // SAFETY: this thread holds the lock (checked) and holds no OCaml
        // value across `f` (the caller's OCaml values are rooted: a
        // `Locked` guard's holder keeps none it has not rooted, and OCaml
        // code that called into Rust gave its arguments as roots); no
        // token exists outside the library's own frames.
        unsafe { lifecycle::without_lock(f) }
    }

    /// The domain lock for this thread until the guard is dropped, so that
    /// code may call the OCaml runtime directly (`ocaml::sys`). Taken from
    /// whoever holds it (another thread running OCaml code, a GLib worker's
    /// callback) when it is free; if this thread holds it already (the
    /// guard is made inside an OCaml callback, or inside another guard),
    /// the guard takes nothing and gives nothing back.
    ///
    /// Do not keep a guard across a main loop (`app.run()`): a callback
    /// invoked on another thread would wait for the lock until the guard
    /// goes (callbacks on this thread still run).
    pub fn lock(&self) -> Locked<'_> {
        Locked { _lock: lock_for_this_call(), _runtime: PhantomData }
    }

    /// A safe point: releases queued roots and deferred references now.
    pub fn flush(&self) {
        let Ok(inside) = enter(Accept::AnyButExit) else { return };
        let _lock = lock_for_this_call();
        // SAFETY: domain lock held, inside the library; not inside a GC finalizer.
        crate::core::safepoint::flush(unsafe { crate::core::token::Domain::assume(&inside) })
    }

    /// The closure counters (the same as `Gclosure.stats` in OCaml).
    pub fn stats(&self) -> Stats {
        crate::core::callbacks::REGISTRY.stats()
    }
}

/// The domain lock for one call of the API, when this thread does not hold
/// it (the usual case: it holds it only inside calls). The thread that
/// started the runtime is known to it.
fn lock_for_this_call() -> Option<crate::core::lock::Acquired> {
    lifecycle::lock_for_call()
}

/// The OCaml domain lock, held by this thread while the guard lives (see
/// [`Runtime::lock`]). It borrows the [`Runtime`], so the runtime cannot
/// be stopped under it, and it is not `Send`: it is given back on the
/// thread that took it.
///
/// ```no_run
/// let ocaml = ocaml_gclosure::Runtime::start()?;
/// let n = {
///     let _locked = ocaml.lock();
///     // SAFETY: `_locked` holds the domain lock; "answer" is a
///     // `unit -> int` registered with Callback.register.
///     unsafe {
///         let f = ocaml::sys::caml_named_value(c"answer".as_ptr());
///         ocaml::sys::int_val(ocaml::sys::caml_callback(*f, ocaml::sys::UNIT))
///     }
/// }; // the lock is given back here
/// # let _ = n;
/// # Ok::<(), ocaml_gclosure::Error>(())
/// ```
#[must_use = "the lock is given back when the guard is dropped"]
pub struct Locked<'r> {
    _lock: Option<crate::core::lock::Acquired>,
    _runtime: PhantomData<&'r Runtime>,
}

impl Callback {
    /// The name it was registered under.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for Runtime {
    /// The Rust program's end of OCaml: the ordered shutdown (the library
    /// becomes Closed: closures invoked later, on any thread, do nothing),
    /// then OCaml's `at_exit` functions (so its buffered output is
    /// flushed), then the domain lock is given back, so that a thread
    /// still waiting for it in a closure invocation gets it, sees the
    /// library closed, and returns.
    fn drop(&mut self) {
        let lock = lock_for_this_call();
        if let Ok(inside) = enter(Accept::AnyButExit) {
            // SAFETY: domain lock held, inside the library; the runtime runs.
            unsafe { crate::ocaml::shutdown::shutdown(crate::core::token::Domain::assume(&inside)) };
            // SAFETY: domain lock held; a named value of the standard library.
            let at_exit = unsafe { ocaml::sys::caml_named_value(c"Pervasives.do_at_exit".as_ptr()) };
            if !at_exit.is_null() {
                let _in_ocaml = lifecycle::suspend_for_callback();
                // SAFETY: `unit -> unit`; an exception it raises is dropped.
                unsafe { ocaml::sys::caml_callback_exn(*at_exit, ocaml::sys::UNIT) };
            }
        }
        STATE.store(STOPPED, Ordering::Release);
        // Given back (if this call took it; else an enclosing frame, an
        // OCaml callback, holds it and gives it back itself).
        drop(lock);
    }
}

/// Connects any `glib::Closure` (such as one from [`Runtime::closure`]) to
/// `signal` of `obj`. glib 0.22's `ObjectExt::connect_closure` only takes
/// closures made in Rust, hence this function; an unknown signal is an
/// `Err` naming it and the class (glib-rs would panic).
pub fn connect_closure<O: IsA<glib::Object>>(
    obj: &O,
    signal: &str,
    after: bool,
    closure: &glib::Closure,
) -> Result<glib::SignalHandlerId, Error> {
    const F: &str = "ocaml_gclosure::connect_closure";
    let name = std::ffi::CString::new(signal)
        .map_err(|e| Error::Invalid(format!("{F}: signal name {signal:?} contains a NUL byte (byte {})", e.nul_position())))?;
    let (id, detail) = crate::ocaml::signals::parse(F, obj.type_(), &name)?;
    // SAFETY: live object and closure (borrowed); `id`/`detail` were parsed
    // for the object's class. GLib takes its own reference on the closure.
    let h = unsafe {
        glib::gobject_ffi::g_signal_connect_closure_by_id(
            obj.as_ref().to_glib_none().0,
            id,
            detail,
            closure.to_glib_none().0,
            after as i32,
        )
    };
    // SAFETY: a successful connection returns a non-zero handler id.
    Ok(unsafe { glib::SignalHandlerId::from_glib(h) })
}

/// The statistics, readable without a runtime handle.
pub fn stats() -> Stats {
    crate::core::callbacks::REGISTRY.stats()
}
