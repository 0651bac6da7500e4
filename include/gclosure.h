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
   fine). */

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
   Precondition: token is a valid OCaml value. Allocates nothing. */
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

/* ---- deferred release --------------------------------------------------- */

/* For GC finalizers of the binding's custom blocks: each only enqueues
   (a short Rust lock and malloc; no OCaml runtime call, no GLib call). The
   queue is drained at safe points by a thread that holds the lock: the end
   of a closure invocation, the end of a major GC cycle (the core module's
   GC alarm), ocgc_flush, shutdown. A GTK widget's last unref reached on
   another thread than GTK's is handed to the main context. After shutdown
   the queue is drained only by ocgc_flush (at exit, its contents are left
   to the process's end). NULL arguments are ignored. Any thread.
   Each has exactly the signature of the GLib function it replaces, so a
   binding may rename those calls with -D at build time. */
void ocgc_defer_closure_unref(GClosure *closure);     /* g_closure_unref */
void ocgc_defer_object_unref(gpointer object);        /* g_object_unref */
void ocgc_defer_boxed_free(GType type, gpointer boxed); /* g_boxed_free */

/* g_value_unset, deferred: the GValue's contents are moved into the queue
   (its bytes are copied) and *value is zeroed, so the memory holding it may
   be freed at once. A zeroed (uninitialised) GValue is ignored.
   Precondition: value is NULL, zeroed, or an initialised GValue the caller
   owns. Any thread. */
void ocgc_defer_value_unset(GValue *value);           /* g_value_unset */

/* Anything else: fn(data) at the next safe point, lock held. Any thread. */
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

/* 1 once the library is closed or exiting, else 0. Any thread. */
int ocgc_is_closed(void);

#ifdef __cplusplus
}
#endif

#endif /* OCAML_GCLOSURE_H */
