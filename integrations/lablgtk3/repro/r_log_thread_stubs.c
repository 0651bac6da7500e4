/* GLib threads that log warnings in the domain "r-log-thread" (as a GIO
   worker would), started and joined while the calling OCaml thread waits
   in a blocking section (as lablgtk's main loop poll does). */
#include <glib.h>
#include <caml/mlvalues.h>
#include <caml/signals.h>

static gpointer warn_thread(gpointer n)
{
  for (int i = 0; i < GPOINTER_TO_INT(n); i++)
    g_log("r-log-thread", G_LOG_LEVEL_WARNING, "warning %d from a worker thread", i);
  return NULL;
}

value r_log_warn_from_threads(value vthreads, value vper)
{
  int n = Int_val(vthreads), per = Int_val(vper);
  GThread *t[64];
  if (n > 64) n = 64;
  caml_enter_blocking_section();
  for (int i = 0; i < n; i++) t[i] = g_thread_new("r-log-worker", warn_thread, GINT_TO_POINTER(per));
  for (int i = 0; i < n; i++) g_thread_join(t[i]);
  caml_leave_blocking_section();
  return Val_unit;
}
