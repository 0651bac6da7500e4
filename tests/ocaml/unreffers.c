/* Test helper of test_shutdown_race: threads the OCaml runtime never saw
   (no domain lock, never inside the library) drop the last references of
   closures while the library shuts down. GLib then runs the closures'
   notifiers and frees them on those threads, concurrently with the
   shutdown's GLib-side scan (src/shutdown.rs, invalidate_in_glib and
   before_free). */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>
#include <glib-object.h>
#include <caml/mlvalues.h>
#include <caml/alloc.h>
#include <caml/memory.h>
#include <caml/custom.h>
#include <caml/fail.h>
#include <caml/threads.h>

/* The C API (include/gclosure.h): whether the library left Open. */
extern int ocgc_is_closed(void);

/* A Gobject.g_closure is a custom block whose first data word is the
   GClosure* (src/handles.rs, ClosureHandle). */
#define Closure_val(v) (*(GClosure **)Data_custom_val(v))

#define MAX_THREADS 8

static GClosure **held;
static long n_held;
static pthread_t th[MAX_THREADS];
static int n_th;
static long delay_us;
/* Closures already invalidated on GLib's side when their thread came to
   drop them: the shutdown's scan reached them first (it runs only when
   the shutting-down domain is alone). */
static atomic_long seen_invalid;
static atomic_long dropped;

static long now_us(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

/* Thread k of T drops the closures of its share [k*n/T, (k+1)*n/T), in
   the registry's order (that of creation), starting k*delay_us after it
   saw the library closed: the scan, which walks the registry in the same
   order, passes each thread's position once. */
static void *drop_loop(void *arg)
{
  long k = (long)arg;
  while (!ocgc_is_closed()) sched_yield();
  long until = now_us() + k * delay_us;
  while (now_us() < until) ;
  long lo = k * n_held / n_th, hi = (k + 1) * n_held / n_th;
  for (long i = lo; i < hi; i++) {
    GClosure *c = held[i];
    /* We hold a reference: reading the flag is safe. */
    if (c->is_invalid) atomic_fetch_add(&seen_invalid, 1);
    g_closure_unref(c);
    atomic_fetch_add(&dropped, 1);
  }
  return NULL;
}

/* race_hold closures: takes a reference on each closure of the array (the
   program then drops its own, so these become the last ones). */
value test_race_hold(value closures)
{
  if (held != NULL) caml_invalid_argument("race_hold: called twice");
  n_held = Wosize_val(closures);
  held = g_new(GClosure *, n_held);
  for (long i = 0; i < n_held; i++) {
    held[i] = Closure_val(Field(closures, i));
    g_closure_ref(held[i]);
  }
  return Val_unit;
}

/* race_start nthreads delay_us: starts the threads; each waits until the
   library is closed, then drops its share. */
value test_race_start(value nthreads, value delay)
{
  int n = Int_val(nthreads);
  if (n < 1 || n > MAX_THREADS || n_th != 0 || held == NULL) caml_invalid_argument("race_start");
  n_th = n;
  delay_us = Long_val(delay);
  for (long k = 0; k < n; k++) pthread_create(&th[k], NULL, drop_loop, (void *)k);
  return Val_unit;
}

/* race_join (): waits for the threads (domain lock released meanwhile);
   returns (closures dropped, of which already invalidated in GLib). */
value test_race_join(value unit)
{
  (void)unit;
  caml_release_runtime_system();
  for (int k = 0; k < n_th; k++) pthread_join(th[k], NULL);
  caml_acquire_runtime_system();
  value r = caml_alloc_tuple(2);
  Store_field(r, 0, Val_long(atomic_load(&dropped)));
  Store_field(r, 1, Val_long(atomic_load(&seen_invalid)));
  return r;
}

/* Objects with the library's handlers connected, kept by C alone, then
   dropped on the calling thread (as a binding's own stubs drop objects):
   GLib disconnects their handlers, which drops their closures, with no
   call into the library. */
#define Gobject_val(v) (*(GObject **)Data_custom_val(v))
static GPtrArray *objects;

/* race_keep_object o: a reference on [o], kept by C. */
value test_race_keep_object(value obj)
{
  if (objects == NULL) objects = g_ptr_array_new();
  g_ptr_array_add(objects, g_object_ref(Gobject_val(obj)));
  return Val_unit;
}

/* race_drop_objects (): drops every object kept; returns how many. */
value test_race_drop_objects(value unit)
{
  (void)unit;
  long n = objects == NULL ? 0 : objects->len;
  for (long i = 0; i < n; i++) g_object_unref(g_ptr_array_index(objects, i));
  if (objects != NULL) g_ptr_array_set_size(objects, 0);
  return Val_long(n);
}

/* race_emit_kept times: emits "cancelled" [times] times on every object
   kept, from C (GLib calls the handlers' closures with no call into the
   library first), on the calling thread, domain lock held. */
value test_race_emit_kept(value times)
{
  long n = objects == NULL ? 0 : objects->len;
  for (long t = 0; t < Long_val(times); t++)
    for (long i = 0; i < n; i++) g_signal_emit_by_name(g_ptr_array_index(objects, i), "cancelled");
  return Val_unit;
}
