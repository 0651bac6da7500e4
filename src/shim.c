/* The only C in the crate: what needs OCaml's or GLib's headers. */
#include <caml/mlvalues.h>
#include <caml/version.h>
#include <caml/domain_state.h>
#include <caml/signals.h>
#include <glib-object.h>
#include <stdatomic.h>
#include <stdbool.h>

/* 1 when the calling thread holds an OCaml domain lock, else 0.
   OCaml 5 keeps the thread's domain state in a thread-local that is NULL
   whenever the thread does not hold its domain's lock. */
int gclosure_shim_domain_lock_held(void)
{
#if OCAML_VERSION_MAJOR >= 5
  return Caml_state_opt != NULL;
#else
  /* OCaml 4.14 has one runtime lock and no thread-local domain state.
     boxroot (which ocaml-rs links in) keeps this thread-local flag on 4.14,
     set by its hooks on leaving a blocking section and cleared on entering
     one, and true for the thread that ran boxroot_setup.
     bxr_thread_has_lock is boxroot's internal symbol (ocaml-boxroot-sys
     0.4, boxroot/boxroot.c), not part of its API: a boxroot that renamed
     it would fail to link here on 4.14, not misbehave. CI's 4.14.0 run
     (.ci/run 4.14.0) exercises it: its dune test runs test_threads and
     test_signals, whose closures are invoked from GLib threads. */
  extern _Thread_local bool bxr_thread_has_lock;
  return bxr_thread_has_lock;
#endif
}

/* A new floating GClosure of the base size, its data NULL until
   gclosure_shim_closure_set_data (gobject-sys does not expose GClosure's
   full layout). */
GClosure *gclosure_shim_closure_new(void)
{
  return g_closure_new_simple(sizeof(GClosure), NULL);
}

/* Sets the data of a closure made by gclosure_shim_closure_new, before
   anything can invoke it or call its notifiers. */
void gclosure_shim_closure_set_data(GClosure *closure, gpointer data)
{
  closure->data = data;
}

/* Takes over the floating reference of a closure that no other thread can
   see yet (just made, not handed out): the flag is cleared with a plain
   write, which is what g_closure_ref + g_closure_sink achieve with three
   atomic operations on a closure others may hold. */
void gclosure_shim_closure_adopt(GClosure *closure)
{
  closure->floating = FALSE;
}

/* Whether GLib has invalidated `closure`. From a finalize notifier: true
   means its invalidate notifiers have all returned (the invalidating
   thread holds a reference while it calls them). */
int gclosure_shim_closure_is_invalid(GClosure *closure)
{
  return closure->is_invalid;
}

/* The data of a closure made by gclosure_shim_closure_new. */
gpointer gclosure_shim_closure_data(GClosure *closure)
{
  return closure->data;
}

/* Systhreads: registration of threads the OCaml runtime never saw. */
#include <caml/threads.h>

/* Registration and unregistration run with every signal blocked in the
   calling thread. caml_c_thread_register ends in caml_enter_blocking_section
   (OCaml 4.14 at least), which runs the handlers of pending OCaml signals
   on the calling thread; a handler that raises would then unwind a thread
   that has no OCaml frame at all ("Fatal error: exception ..." or a jump
   through a stale handler: test_signals caught both on 4.14, 15 of 600
   runs). The runtime skips signals that the calling thread blocks, so they
   stay pending for a thread that runs OCaml code. */
#include <signal.h>
#include <pthread.h>

static void block_all_signals(sigset_t *old)
{
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, old);
}

int gclosure_shim_thread_register(void)
{
  sigset_t old;
  block_all_signals(&old);
  int r = caml_c_thread_register();
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return r;
}

int gclosure_shim_thread_unregister(void)
{
  sigset_t old;
  block_all_signals(&old);
  int r = caml_c_thread_unregister();
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return r;
}
void gclosure_shim_acquire(void) { caml_acquire_runtime_system(); }
/* Gives the lock up without running pending OCaml signal handlers: a
   handler that raises would unwind through Rust and GLib frames. They run
   later, at the next poll point of OCaml code. */
void gclosure_shim_release(void) { caml_enter_blocking_section_no_pending(); }

/* Takes a reference on `closure` unless its count is already 0 (it is being
   finalized by another thread); 1 when a reference was taken. The same
   compare-and-swap on the word that holds GClosure's bit-fields as GLib's
   own g_closure_ref, plus the zero check. */
int gclosure_shim_closure_try_ref(GClosure *closure)
{
  union { GClosure closure; gint vint; } cur, next;
  gint *word = (gint *)closure;
  do {
    cur.vint = g_atomic_int_get(word);
    if (cur.closure.ref_count == 0)
      return 0;
    next.vint = cur.vint;
    next.closure.ref_count++;
  } while (!g_atomic_int_compare_and_exchange(word, cur.vint, next.vint));
  return 1;
}

/* ---- Values built for OCaml, with the runtime's own local roots ---------- */
#include <caml/alloc.h>
#include <caml/memory.h>

/* The exception `C msg` where `*exn` is the constructor C registered with
   Callback.register_exception (which registers the constructor itself, not
   the exception value), C taking one string (Invalid_argument, Failure).
   `msg` is copied; the caller may free it at once. */
value gclosure_shim_exn_with_string(const value *exn, const char *msg, size_t len)
{
  CAMLparam0();
  CAMLlocal2(s, b);
  s = caml_alloc_initialized_string(len, msg);
  b = caml_alloc_small(2, 0);
  Field(b, 0) = *exn;
  Field(b, 1) = s;
  CAMLreturn(b);
}

/* A block of tag `tag` with one field (`Some x`, a constructor with one
   argument); `field` is rooted across the allocation. */
value gclosure_shim_alloc_tagged(unsigned char tag, value field)
{
  CAMLparam1(field);
  CAMLlocal1(b);
  b = caml_alloc_small(1, tag);
  Field(b, 0) = field;
  CAMLreturn(b);
}

/* ---- Thread cancellation ------------------------------------------------ */
#include <pthread.h>

/* OCaml 5.4's exit with OCAMLRUNPARAM=c=1 (caml_stop_all_domains) cancels a
   domain thread that sits in a blocking section (pthread_cancel). A thread
   waiting inside the library (parked, or without its lock) must not be
   unwound through Rust and GLib frames: cancellation is disabled there.
   Returns the previous state, for gclosure_shim_cancel_restore. */
int gclosure_shim_cancel_disable(void)
{
  int old = PTHREAD_CANCEL_ENABLE;
  pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
  return old;
}

void gclosure_shim_cancel_restore(int old)
{
  int ignored;
  pthread_setcancelstate(old, &ignored);
}

/* The calling thread's domain (0: the main domain, which lives until the
   program exits; always 0 on OCaml 4.14). Domain lock held. */
int gclosure_shim_domain_id(void)
{
#if OCAML_VERSION_MAJOR >= 5
  return Caml_state->id;
#else
  return 0;
#endif
}

/* ---- local roots kept by Rust code across a call (issue 25) ------------ */

/* What CAMLlocal2 makes, for a frame that C's macros cannot describe: the
   marshaller of the C API keeps the callback and a binding's argv rooted
   from before build_argv to after finish (closure::invoke_hooked),
   without a boxroot's allocation and deletion. Linked into the thread's
   local roots like a CAMLlocal, popped in LIFO order before the
   marshaller returns (its Rust guard pops it on every path). The runtime
   scans it like any CAMLlocal: at a minor or major collection, and when
   systhreads switch threads (they save and restore local_roots per
   thread). */
#include <caml/memory.h>
/* OCaml 4.14's compatibility names (caml/compatibility.h, without
   CAML_NAME_SPACE) make `local_roots` a macro: the field is meant here. */
#ifdef local_roots
#undef local_roots
#endif
/* The thread's local roots: a field of the domain state (4.14 names it
   _local_roots, as its Caml_state_field macro does). */
#if OCAML_VERSION_MAJOR >= 5
#define GCLOSURE_LOCAL_ROOTS (Caml_state->local_roots)
#else
#define GCLOSURE_LOCAL_ROOTS (Caml_state->_local_roots)
#endif

struct gclosure_local_roots {
  struct caml__roots_block block;
  value v[2];
};

/* Pushes r, holding v0 and v1. Precondition: the domain lock is held; r
   stays at its address until gclosure_shim_local_roots_pop(r), which runs
   before any frame pushed earlier is popped. */
void gclosure_shim_local_roots_push(struct gclosure_local_roots *r, value v0, value v1)
{
  r->v[0] = v0;
  r->v[1] = v1;
  r->block.next = GCLOSURE_LOCAL_ROOTS;
  r->block.ntables = 1;
  r->block.nitems = 2;
  r->block.tables[0] = r->v;
  GCLOSURE_LOCAL_ROOTS = &r->block;
}

/* Pops r, the innermost frame. Precondition: domain lock held. */
void gclosure_shim_local_roots_pop(struct gclosure_local_roots *r)
{
  GCLOSURE_LOCAL_ROOTS = r->block.next;
}

/* sizeof(struct gclosure_local_roots), checked by the Rust side's layout. */
size_t gclosure_shim_local_roots_size(void)
{
  return sizeof(struct gclosure_local_roots);
}

/* ---- the registry's grace period (issue 25) ---------------------------- */

/* How many minor collections the program has done. On OCaml 5 each one is
   a stop-the-world section that every running domain enters, from a poll
   point, with its lock held: once the count has moved on by two from a
   value read after a root was taken out of the registry, no domain can
   still be reading that root (core::grace). Always 0 on OCaml 4.14, which
   runs one domain (the registry never waits there). */
#if OCAML_VERSION_MAJOR >= 5
#include <caml/minor_gc.h>
#endif
uintnat gclosure_shim_minor_collections(void)
{
#if OCAML_VERSION_MAJOR >= 5
  return atomic_load(&caml_minor_collections_count);
#else
  return 0;
#endif
}
