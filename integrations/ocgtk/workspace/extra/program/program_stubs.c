/* C side of the ocgtk program benchmark (program.ml): emissions from C on
   an ocgtk object (its custom block's data is the GObject pointer, as in
   ocgtk's wrappers.h), main-context iterations, a clock, peak RSS. */
#include <stdio.h>
#include <time.h>
#include <gtk/gtk.h>
#include <caml/mlvalues.h>
#include <caml/custom.h>
#include <caml/memory.h>

value program_now_ns(value unit)
{
  (void)unit;
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return Val_long((long)t.tv_sec * 1000000000L + t.tv_nsec);
}

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

/* "clicked" from C, as GTK emits it. */
value program_click(value obj)
{
  CAMLparam1(obj);
  g_signal_emit_by_name(*(GObject **)Data_custom_val(obj), "clicked");
  CAMLreturn(Val_unit);
}

/* Up to n non-blocking iterations of the default main context (the domain
   lock stays held: neither build takes callbacks from GLib's threads here). */
value program_iterate(value n)
{
  for (long i = 0; i < Long_val(n) && g_main_context_iteration(NULL, FALSE); i++)
    ;
  return Val_unit;
}
