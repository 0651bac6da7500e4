/* gclosure.h: the C API of ocaml-gclosure, for the C stubs of OCaml
   bindings of GLib libraries (ocgtk, lablgtk, ...).

   What it gives a binding: GClosures around OCaml callbacks whose roots live
   in the library's registry (closure->data is only a key, never a root),
   with the binding's own argv value, and the library's policies:

   - domain lock: a closure invoked on a thread without the domain lock (a
     GLib worker, a main loop run in a blocking section) takes it for the
     call, registering the thread if the runtime never saw it;
   - exceptions: a callback's exception never crosses GLib's C frames; the
     binding's on_exception hook sees it first, then the library's handler
     (Gclosure.set_exception_handler; default: printed with its backtrace);
   - stale invocations: a closure that is invalidated, released or shut
     down does nothing when invoked (return_value stays as GLib set it up);
     an invocation handle kept past its callback reads as stale;
   - exit: the core dune library (gclosure.core) registers the ordered
     shutdown with OCaml's at_exit; once the exit has begun, a thread that
     enters the library parks (gives up its domain lock and waits for the
     process to end) and is never handed an exception.

   Linking: name `gclosure.core` in the binding's (libraries ...): it holds
   the static archive, GLib's link flags and one OCaml module
   (Gclosure_core, linked with -linkall: the named exceptions, the at-exit
   shutdown, a GC alarm that drains the deferred releases). It defines no
   module named Gobject, Gclosure or Gtk4. This header is installed with it
   and on the include path of C stubs of libraries that depend on it.

   Conventions, per function below:
   "lock"      the calling thread holds its OCaml domain lock;
   "external"  called from an OCaml external (C stub) with the lock, not
               inside a GC finalizer (custom block finalizer, Gc.finalise
               of C);
   "any"       any thread, with or without the lock, including inside a GC
               finalizer.
   Functions that may raise do so with caml_raise: the caller must hold no
   C resource that needs freeing (boxroot.h style: CAMLparam'd values are
   fine).

   Ownership: "takes" means the caller hands over what it owned (a
   reference, a boxed copy, a GValue's contents, a cell) and must not use,
   release or hand it over again afterwards; the library releases it at a
   later safe point. Each function's "Preconditions" are what the caller
   must guarantee: the library cannot check them, and breaking one is
   undefined behaviour (in Rust these are `unsafe extern "C"`). A function
   without one (ocgc_is_closed, ocgc_cell_count, ocgc_invocation_of_token)
   is safe to call with any argument. */

#ifndef OCAML_GCLOSURE_H
#define OCAML_GCLOSURE_H

#include <glib-object.h>
#include <caml/mlvalues.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- invocations -------------------------------------------------------- */

/* One running invocation of a closure made by ocgc_closure_new. A pointer
   to it is valid only during the call of build_argv / finish /
   on_exception that received it, or while the callback it belongs to runs
   (as returned by ocgc_invocation_of_handle), and only on that thread. */
typedef struct ocgc_invocation ocgc_invocation;

/* Number of GLib parameters (for a signal, the instance is parameter 0).
   Precondition: inv is valid (above). Any thread. */
guint ocgc_invocation_n_params(const ocgc_invocation *inv);

/* Parameter i, or NULL when i >= n_params. Borrowed from GLib for the
   invocation: copy it to keep it. Precondition: inv is valid. */
const GValue *ocgc_invocation_param(const ocgc_invocation *inv, guint i);

/* Where the result goes, or NULL when the caller expects none. GLib has
   initialised it to the expected type. Precondition: inv is valid. */
GValue *ocgc_invocation_return_value(const ocgc_invocation *inv);

/* The closure invoked, and GLib's invocation hint (a GSignalInvocationHint*
   for signal emissions, else NULL). Precondition: inv is valid. */
GClosure *ocgc_invocation_closure(const ocgc_invocation *inv);
gpointer ocgc_invocation_hint(const ocgc_invocation *inv);

/* A new OCaml custom block naming the invocation, to put into the
   binding's argv (ocgtk: the argv record's `args`). It holds no pointer
   the GC follows and has no finalizer. After the callback returns it is
   stale: ocgc_invocation_of_handle gives NULL.
   Preconditions: lock; inv is valid. Allocates in the OCaml heap: store or
   root the result before the next allocation. */
value ocgc_invocation_handle(const ocgc_invocation *inv);

/* The invocation that `handle` names, if it still runs on this thread;
   NULL when the callback returned, on another thread, or when `handle` is
   not a handle made by ocgc_invocation_handle (the binding then raises,
   e.g. Invalid_argument). Preconditions: lock; handle is a valid OCaml
   value. Allocates nothing. */
const ocgc_invocation *ocgc_invocation_of_handle(value handle);

/* ---- invocation tokens (added for issue 25) ------------------------------ */

/* An OCaml integer naming the invocation: what ocgc_invocation_handle
   gives, without allocating (a binding's argv built on every invocation
   then costs one block less). Tokens are unique in the process (a 62-bit
   serial: the invocation's thread's range and its number there), so a
   token kept past its callback, or used on another thread, names no
   running invocation.
   Preconditions: inv is valid (above). Any thread; allocates nothing. */
value ocgc_invocation_token(const ocgc_invocation *inv);

/* The invocation that `token` names, if it still runs on this thread;
   NULL when its callback returned, on another thread, or when `token` is
   not an integer made by ocgc_invocation_token (a block, a negative
   integer, or an integer no running invocation of this thread has).
   No precondition: `token` is read as a word, never dereferenced (any
   value, even a stale one, is fine). Any thread; allocates nothing. */
const ocgc_invocation *ocgc_invocation_of_token(value token);

/* ---- closures ----------------------------------------------------------- */

typedef struct {
  /* Builds the value the OCaml callback receives. Lock held; may allocate
     (the result is rooted by the library at once); must not raise (use
     the *_exn runtime functions); must not call ocgc_shutdown. Called
     only for a closure that is live when the invocation starts (then the
     callback runs, unless the exit begins). NULL: the callback receives
     the invocation handle itself. */
  value (*build_argv)(const ocgc_invocation *inv, void *user_data);
  /* Called after the callback (normal return, or exception after it was
     handled), lock held, the invocation still valid: copy results back
     (e.g. argv.result -> ocgc_invocation_return_value). `argv` is the
     value build_argv returned; `raised` is 1 if the callback raised. Not
     called when the callback did not run (closure not live) nor once the
     exit has begun. Must not raise. May be NULL. */
  void (*finish)(const ocgc_invocation *inv, value argv, int raised, void *user_data);
  /* The callback raised `exn`: called first (lock held), then the
     library's exception handler. Must not raise. May be NULL. */
  void (*on_exception)(value exn, void *user_data);
  /* Passed to the three functions; never freed by the library. */
  void *user_data;
} ocgc_marshal_spec;

/* A new floating GClosure that calls `ml_function` (any OCaml value; the
   builder decides how it is called: it is applied to one argument, the
   argv) with the library's marshaller. `ml_function` is rooted
   in the library's registry until the closure is invalidated (GLib's
   invalidation, finalization, or shutdown) and then released at the next
   safe point; GLib memory never holds a root.
   Preconditions: external; spec is non-NULL and stays valid, unchanged,
   for the closure's whole life (a static const struct).
   Raises: the core library's Gclosure_core.Closed (Failure when the core
   module is not linked) after shutdown; Failure when spec is NULL. */
GClosure *ocgc_closure_new(value ml_function, const ocgc_marshal_spec *spec);

/* ---- owned closures ----------------------------------------------------- */

/* Makes `closure`, which the binding has just connected to `object` (e.g.
   g_signal_connect_closure), owned by `object`: its ml_function is no
   longer rooted on its own, but kept alive while the object is *held*:
   referenced by anything but `wrapper` (GLib's reference count above 1: a
   parent widget, a view's model, GTK's toplevel list, C code, another
   wrapper of the binding), or while `wrapper` is reachable from OCaml by a
   path that does not go through the object's own handlers. So a handler
   that captures its own object no longer keeps it alive: when only its
   handlers reach `wrapper` and nothing else references the object, the
   object is disposed (g_object_run_dispose, with its handlers' callbacks
   still alive: its "destroy"-like handlers run, then its handlers are
   destroyed) and `wrapper` is collected with its last reference, as C
   would free it. A closure owned by two objects lives while either does.

   `wrapper`: the binding's OCaml value for `object`, as its users hold it
   (a custom block, or any heap block), whose unreachability means that the
   binding dropped its last handle of the object through it. It must hold
   one reference on `object`, released after the wrapper died through
   ocgc_defer_object_unref (what the binding's finalizer does). Several
   wrappers of one object, each with its own reference, are fine: each
   keeps the count above 1. The library registers a Gc.finalise finaliser
   on the first wrapper it sees for an object, which owns the object's
   closures while it lives (later calls with another wrapper of the same
   object join it). The library touches `object` only while that wrapper
   lives (its reference keeps the object alive).

   When: while the binding's users hold the closure (its OCaml value for
   it), the callback stays rooted, since they may connect it again later;
   the move to the objects happens when that value's finalizer releases
   its reference through ocgc_defer_closure_unref (the next safe point on
   the main domain after it), for the objects it is then still connected
   to. A binding that holds no OCaml value for its closures gets no
   ownership from this call. Only on OCaml's main domain (domain 0): on
   another, nothing is done and the closure stays rooted as before (OCaml
   5 never frees the finaliser table of a domain that ends).

   May allocate and run OCaml code (the first call for an object registers
   its finaliser): CAMLparam the caller's values.
   Returns 1 if the closure will be owned by `object`, 0 if nothing was
   done (another domain, a closure already invalidated, or not one made by
   ocgc_closure_new).
   Preconditions: external; `object` alive and referenced by `wrapper`;
   `closure` made by ocgc_closure_new, alive. Nothing is
   taken from or given to the caller: no reference on `object` or
   `closure` changes hands.
   Raises: Gclosure_core.Closed after shutdown; Invalid_argument when
   `object` or `closure` is NULL or `wrapper` is not a heap block. */
int ocgc_closure_own(GObject *object, value wrapper, GClosure *closure);

/* ---- deferred release --------------------------------------------------- */

/* For GC finalizers of the binding's custom blocks: each only enqueues
   (a short Rust lock and malloc; no OCaml runtime call, no GLib call). The
   queue is drained at safe points by a thread that holds the lock: the end
   of a closure invocation, the end of a major GC cycle (the core module's
   GC alarm), ocgc_flush, shutdown. A GTK widget's last unref reached on
   another thread than GTK's is handed to the main context. After shutdown
   the queue is drained only by ocgc_flush (at exit, its contents are left
   to the process's end). NULL arguments are ignored.
   Each has exactly the signature of the GLib function it replaces, so a
   binding may rename those calls with -D at build time.
   Every function of this section: any thread, with or without the lock,
   and may be called from a GC finalizer (and a GLib destroy notify). Each
   takes ownership of what it is given (above). */

/* g_closure_unref, deferred. Takes one reference on `closure`.
   Precondition: closure is NULL or a live GClosure on which the caller
   owns the reference it hands over. */
void ocgc_defer_closure_unref(GClosure *closure);     /* g_closure_unref */

/* g_object_unref, deferred. Takes one reference on `object`.
   Precondition: object is NULL or a live GObject instance on which the
   caller owns the reference it hands over. */
void ocgc_defer_object_unref(gpointer object);        /* g_object_unref */

/* g_boxed_free, deferred. Takes `boxed`.
   Preconditions: type is a registered boxed GType; boxed is NULL or a
   boxed value of that type that the caller owns (one g_boxed_free (type,
   boxed) may free). */
void ocgc_defer_boxed_free(GType type, gpointer boxed); /* g_boxed_free */

/* g_value_unset, deferred: the GValue's contents are moved into the queue
   (its bytes are copied) and *value is zeroed, so the memory holding it may
   be freed at once. A zeroed (uninitialised) GValue is ignored. Takes the
   contents, not the memory of *value.
   Precondition: value is NULL, zeroed, or an initialised GValue the caller
   owns, readable and writable for the call. */
void ocgc_defer_value_unset(GValue *value);           /* g_value_unset */

/* Anything else: fn(data) once, at a later safe point, on whichever thread
   reaches it with a lock held (not in a GC finalizer), or never (pushed
   after shutdown, or left at exit). Takes `data` for fn.
   Preconditions: fn is NULL or a function that may allocate and call OCaml
   (caml_callback*_exn) but neither raises, nor unwinds, nor calls
   ocgc_shutdown; data is what fn expects and stays valid until fn ran. */
void ocgc_defer(GDestroyNotify fn, gpointer data);

/* ---- lifecycle ---------------------------------------------------------- */

/* A safe point: drains the deferred releases and the registry's queued
   roots now (may run OCaml code: signal handlers of disposed objects).
   Precondition: external. Does nothing once the exit has begun.

   Destroyed GTK 4 windows: once GTK 4 is initialised (found at run time
   with dlsym, never loaded by the library), a window that leaves GTK's list
   of toplevels (gtk_window_destroy) is disposed (g_object_run_dispose) at
   the next safe point on GTK's thread, or at the main loop's next turn,
   as GTK 3's gtk_widget_destroy did: its handlers are destroyed and its
   children unparented, so a handler that captures its window no longer
   keeps it alive. Using the window afterwards is like using any disposed
   GObject. A window only hidden is not disposed. A binding needs no call
   for this. */
void ocgc_flush(void);

/* The ordered shutdown, once (idempotent): no closure calls OCaml any
   more, every live closure is invalidated and every root released; then
   ocgc_closure_new raises Closed. Runs by itself at exit (core module).
   Precondition: external; the runtime has not been shut down. */
void ocgc_shutdown(void);

/* 1 once the library is closed or exiting, else 0. No precondition; any
   thread, may be called from a GC finalizer. */
int ocgc_is_closed(void);

/* ---- rooted cells and locked calls (issue 24: lablgtk3) ------------------
   For a binding's C code that hands OCaml values to GLib (user data with a
   destroy notify: timeouts, idles, IO watches, tree-model callbacks...)
   or that GLib calls on any thread without a closure (a g_log handler). */

/* A rooted cell: a new `value *` holding `v`, whose root is the library's
   (a boxroot on the main domain, a generational global root on another;
   never a root scanned at every minor GC), for GLib memory to carry as
   user data. Read it (`*cell`) with a domain lock held, like any root;
   never write it. It stays valid until handed back with
   ocgc_cell_release; at exit, live cells are left to the process's end.
   Preconditions: external; `v` is a valid value (CAMLparam'd or
   unallocated-since). Raises: Gclosure_core.Closed (Failure when the core
   module is not linked) after shutdown; Failure when out of memory. */
value *ocgc_cell_new(value v);

/* Hands a cell back: only a push (no OCaml runtime call, no GLib call);
   the root goes at the next safe point (the end of a closure invocation,
   the end of a major GC cycle, ocgc_flush), with a lock held. NULL is
   ignored. Takes the cell.
   Precondition: `cell` is NULL or came from ocgc_cell_new and was not
   handed back yet; the caller neither reads it nor hands it back again
   afterwards (a second release may drop a later cell made at the same
   address). Any thread, with or without the lock; may be called from a GC
   finalizer and a GLib destroy notify. */
void ocgc_cell_release(value *cell);

/* Cells made and not yet released at a safe point. No precondition; any
   thread, may be called from a GC finalizer. */
size_t ocgc_cell_count(void);

/* A locked call: runs fn(data) with a domain lock held, from any thread,
   by the closure marshaller's rules: a thread that holds its lock keeps
   it; a thread without it (a GLib worker, a thread the runtime never saw,
   a main loop polling inside a blocking section) is registered with the
   runtime if need be and takes the lock for the call, then gives it back.
   Returns 1 when fn ran, 0 when it was refused: fn is NULL, the library is
   closed, or the exit has begun for a thread that came from GLib (an OCaml
   thread entering during the exit parks, as in a closure, and never
   returns). A safe point follows the call.
   fn may allocate and call OCaml (caml_callback*_exn: it must not raise,
   nor unwind, nor call ocgc_shutdown). Precondition: not inside a GC
   finalizer. */
int ocgc_run_locked(void (*fn)(void *data), void *data);

#ifdef __cplusplus
}
#endif

#endif /* OCAML_GCLOSURE_H */
