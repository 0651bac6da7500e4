/* C side of bench.exe: the timed loops (so that no OCaml-side call overhead
   is measured where the figure is about GLib calling in), the floor (C
   closures and handlers, no OCaml at all), and clocks.

   ASSUMPTION (checked by bench.ml at start-up, which invokes the pointer it
   gets and counts the calls): a `Gobject.g_closure` value is an OCaml custom
   block made by ocaml-rs's Pointer::alloc_custom for src/ocaml/handles.rs's
   `ClosureHandle { ptr: *mut GClosure }`, so its data, which starts at
   Field(v, 1) (Data_custom_val), is that single `GClosure *`. If the
   handle's layout changes, ours_closure_ptr must change with it. */

#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gio/gio.h>
#include <caml/mlvalues.h>
#include <caml/memory.h>
#include <caml/alloc.h>
#include <caml/callback.h>
#include <caml/fail.h>
#include <unistd.h>
#include <stdio.h>
#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#endif
#endif

extern GObject *gclosure_obj_gobject(value obj);  /* from ocaml-gclosure */
extern GClosure *baseline_closure_ptr(value h);   /* baseline_stubs.c */

static GClosure *ours_closure_ptr(value v)
{
  return *(GClosure **) Data_custom_val(v); /* see ASSUMPTION above */
}

static long now_ns(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long) t.tv_sec * 1000000000L + t.tv_nsec;
}

value bench_now_ns(value unit)
{
  (void) unit;
  return Val_long(now_ns());
}

/* ---- the floor: a C callback, no OCaml ---------------------------------- */

static long floor_count;

static void floor_cb(gpointer instance, gpointer data)
{
  (void) instance;
  ++*(long *) data;
}

value bench_floor_count(value unit)
{
  (void) unit;
  return Val_long(floor_count);
}

/* ---- invoke: g_closure_invoke in a C loop --------------------------------- */

/* The closure bench_keep_closure kept (one reference of its own). */
static GClosure *kept_closure;

/* bench_keep_closure c: keeps c's GClosure (a reference), so that C can
   invoke it once the program has dropped c (an owned closure). */
value bench_keep_closure(value h)
{
  kept_closure = ours_closure_ptr(h);
  g_closure_ref(kept_closure);
  return Val_unit;
}

/* The kind of closure: 0 ours (a Gobject.g_closure), 1 baseline (a baseline
   handle), 2 floor (a C closure made here; the handle is ignored), 3 the
   closure bench_keep_closure kept. */
static GClosure *closure_of(value kind, value h)
{
  static GClosure *floor_closure;
  switch (Int_val(kind)) {
  case 0: return ours_closure_ptr(h);
  case 1: return baseline_closure_ptr(h);
  case 3: return kept_closure;
  default:
    if (floor_closure == NULL) {
      floor_closure = g_cclosure_new(G_CALLBACK(floor_cb), &floor_count, NULL);
      g_closure_set_marshal(floor_closure, g_cclosure_marshal_VOID__VOID);
      g_closure_ref(floor_closure);
      g_closure_sink(floor_closure);
    }
    return floor_closure;
  }
}

/* bench_invoke kind handle obj n: invokes the closure n times with one
   argument (the object, as a signal's instance); returns the elapsed ns. */
value bench_invoke(value kind, value h, value obj, value n)
{
  CAMLparam4(kind, h, obj, n);
  GClosure *c = closure_of(kind, h);
  GValue arg = G_VALUE_INIT;
  g_value_init(&arg, G_TYPE_OBJECT);
  g_value_set_object(&arg, gclosure_obj_gobject(obj));
  long times = Long_val(n);
  long t0 = now_ns();
  for (long i = 0; i < times; i++)
    g_closure_invoke(c, NULL, 1, &arg, NULL);
  long t1 = now_ns();
  g_value_unset(&arg);
  CAMLreturn(Val_long(t1 - t0));
}

/* ---- emission: g_signal_emit_by_name in a C loop ------------------------- */

/* bench_emit obj n: emits "cancelled" n times on obj; returns the elapsed ns. */
value bench_emit(value obj, value n)
{
  CAMLparam2(obj, n);
  GObject *o = gclosure_obj_gobject(obj);
  long times = Long_val(n);
  long t0 = now_ns();
  for (long i = 0; i < times; i++)
    g_signal_emit_by_name(o, "cancelled");
  long t1 = now_ns();
  CAMLreturn(Val_long(t1 - t0));
}

/* bench_floor_connect obj: connects the C handler to obj's "cancelled". */
value bench_floor_connect(value obj)
{
  g_signal_connect(gclosure_obj_gobject(obj), "cancelled", G_CALLBACK(floor_cb), &floor_count);
  return Val_unit;
}

/* ---- lifecycle floor ---------------------------------------------------- */

/* bench_floor_lifecycle obj n: n times, connect a C handler to "cancelled"
   and disconnect it (GLib makes and frees a GCClosure each time); returns
   the elapsed ns. */
value bench_floor_lifecycle(value obj, value n)
{
  GObject *o = gclosure_obj_gobject(obj);
  long times = Long_val(n);
  long t0 = now_ns();
  for (long i = 0; i < times; i++) {
    gulong id = g_signal_connect(o, "cancelled", G_CALLBACK(floor_cb), &floor_count);
    g_signal_handler_disconnect(o, id);
  }
  return Val_long(now_ns() - t0);
}

/* ---- pure-C GClosures: the memory floor --------------------------------- */

/* The same GLib calls ocaml-gclosure and the baseline make for one closure
   (g_closure_new_simple of the base size, a marshaller, one invalidate
   notifier, ref + sink), with no OCaml at all. */

static GClosure **floor_closures;
static long floor_closures_n;

static void floor_marshal(GClosure *c, GValue *r, guint n, const GValue *p, gpointer h, gpointer d)
{
  (void) c; (void) r; (void) n; (void) p; (void) h; (void) d;
}

static void floor_invalidate(gpointer data, GClosure *c)
{
  (void) data; (void) c;
}

/* bench_floor_closures_alloc n: allocates and touches the pointer array
   (before the memory baseline is read). */
value bench_floor_closures_alloc(value n)
{
  floor_closures_n = Long_val(n);
  floor_closures = malloc(sizeof(GClosure *) * floor_closures_n);
  if (floor_closures == NULL) caml_raise_out_of_memory();
  memset(floor_closures, 0, sizeof(GClosure *) * floor_closures_n);
  return Val_unit;
}

/* bench_floor_closures_fill (): makes the n closures; returns elapsed ns. */
value bench_floor_closures_fill(value unit)
{
  (void) unit;
  long t0 = now_ns();
  for (long i = 0; i < floor_closures_n; i++) {
    GClosure *c = g_closure_new_simple(sizeof(GClosure), NULL);
    g_closure_set_marshal(c, floor_marshal);
    g_closure_add_invalidate_notifier(c, NULL, floor_invalidate);
    g_closure_ref(c);
    g_closure_sink(c);
    floor_closures[i] = c;
  }
  return Val_long(now_ns() - t0);
}

/* bench_floor_closures_free (): unrefs them all; returns elapsed ns. */
value bench_floor_closures_free(value unit)
{
  (void) unit;
  long t0 = now_ns();
  for (long i = 0; i < floor_closures_n; i++) {
    g_closure_unref(floor_closures[i]);
    floor_closures[i] = NULL;
  }
  return Val_long(now_ns() - t0);
}

/* bench_rss_bytes (): resident set size, from /proc/self/statm. */
value bench_rss_bytes(value unit)
{
  (void) unit;
  long size = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f == NULL) caml_failwith("bench_rss_bytes: cannot open /proc/self/statm");
  if (fscanf(f, "%ld %ld", &size, &resident) != 2) resident = -1;
  fclose(f);
  if (resident < 0) caml_failwith("bench_rss_bytes: cannot read /proc/self/statm");
  return Val_long(resident * sysconf(_SC_PAGESIZE));
}

/* bench_collect_toggle (): under callgrind (--collect-atstart=no), switches
   instruction counting on or off, so that a profile holds exactly the
   lifecycle batches (a --toggle-collect on an OCaml function is not
   reliable: OCaml 5 switches stacks around every external call). Outside
   valgrind, a few instructions that do nothing. */
value bench_collect_toggle(value unit)
{
  (void) unit;
#ifdef CALLGRIND_TOGGLE_COLLECT
  CALLGRIND_TOGGLE_COLLECT;
#endif
  return Val_unit;
}
