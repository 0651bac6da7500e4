/* C side of program.exe (bench/program/program.ml): emissions from C, one
   main-context iteration with the domain lock released (what a GTK main
   loop does between events), a GLib worker thread that emits, clocks and
   peak RSS. */

#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <gio/gio.h>
#include <caml/mlvalues.h>
#include <caml/memory.h>
#include <caml/threads.h>

extern GObject *gclosure_obj_gobject(value obj); /* from ocaml-gclosure */

value program_now_ns(value unit)
{
  (void)unit;
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return Val_long((long)t.tv_sec * 1000000000L + t.tv_nsec);
}

/* VmHWM of /proc/self/status, in bytes. */
value program_peak_rss(value unit)
{
  (void)unit;
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kb = -1;
  if (f == NULL)
    return Val_long(-1);
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
      break;
  fclose(f);
  return Val_long(kb * 1024);
}

/* program_emit obj name: g_signal_emit_by_name (obj, name) from C, as GTK
   emits a widget's signal. Only for signals with no parameters and no
   return value ("clicked", "cancelled"). */
value program_emit(value obj, value name)
{
  CAMLparam2(obj, name);
  GObject *o = gclosure_obj_gobject(obj);
  char *n = g_strdup(String_val(name));
  g_signal_emit_by_name(o, n);
  g_free(n);
  CAMLreturn(Val_unit);
}

/* program_iterate n: up to n non-blocking iterations of the default main
   context with the domain lock released, so that a GLib thread waiting for
   the lock gets it, as between the events of a real main loop. */
value program_iterate(value n)
{
  long times = Long_val(n);
  caml_release_runtime_system();
  for (long i = 0; i < times && g_main_context_iteration(NULL, FALSE); i++)
    ;
  caml_acquire_runtime_system();
  return Val_unit;
}

/* ---- a GLib worker thread that emits ------------------------------------ */

static GCancellable *worker_target;
static volatile gint worker_left, worker_done;
static long worker_pause_us;

static void worker_run(GTask *task, gpointer source, gpointer data, GCancellable *c)
{
  (void)task; (void)source; (void)data; (void)c;
  while (g_atomic_int_get(&worker_left) > 0) {
    /* "cancelled" on a cancellable that is not yet cancelled: emitted
       directly, as g_cancellable_cancel would the first time. */
    g_signal_emit_by_name(worker_target, "cancelled");
    g_atomic_int_add(&worker_left, -1);
    if (worker_pause_us > 0)
      g_usleep(worker_pause_us);
  }
  g_atomic_int_set(&worker_done, 1);
}

/* program_worker_start obj n pause_us: a GTask in GLib's thread pool emits
   "cancelled" on obj n times, pausing pause_us between emissions. */
value program_worker_start(value obj, value n, value pause)
{
  CAMLparam3(obj, n, pause);
  worker_target = G_CANCELLABLE(g_object_ref(gclosure_obj_gobject(obj)));
  g_atomic_int_set(&worker_left, (gint)Long_val(n));
  g_atomic_int_set(&worker_done, 0);
  worker_pause_us = Long_val(pause);
  GTask *task = g_task_new(NULL, NULL, NULL, NULL);
  g_task_run_in_thread(task, worker_run);
  g_object_unref(task);
  CAMLreturn(Val_unit);
}

/* program_worker_wait (): waits, with the domain lock released, until the
   worker has made all its emissions. */
value program_worker_wait(value unit)
{
  (void)unit;
  caml_release_runtime_system();
  while (!g_atomic_int_get(&worker_done))
    g_usleep(200);
  caml_acquire_runtime_system();
  g_clear_object(&worker_target);
  return Val_unit;
}
