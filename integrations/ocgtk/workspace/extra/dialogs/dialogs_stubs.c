/* Figures for dialogs.ml, the same source for stock and "ours": malloc in
   use (mallinfo2), VmRSS, a finalize counter (weak references), and, when
   the program is linked with ocaml-gclosure (ours), its flush and its count
   of live closures, reached through weak symbols (stock has neither). */
#include <glib-object.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <caml/mlvalues.h>
#include <caml/custom.h>

extern void ocgc_flush(void) __attribute__((weak));
extern value ml_gclosure_stats(value unit) __attribute__((weak));

static long finalized;

static void count_finalized(gpointer data, GObject *gone)
{
  (void)data;
  (void)gone;
  finalized++;
}

value dialogs_malloc_in_use(value unit)
{
  (void)unit;
  struct mallinfo2 m = mallinfo2();
  return Val_long((long)m.uordblks);
}

value dialogs_rss(value unit)
{
  (void)unit;
  long kb = -1;
  char line[256];
  FILE *f = fopen("/proc/self/status", "r");
  if (f) {
    while (fgets(line, sizeof line, f))
      if (strncmp(line, "VmRSS:", 6) == 0) { sscanf(line + 6, "%ld", &kb); break; }
    fclose(f);
  }
  return Val_long(kb * 1024);
}

/* ocgtk's Gobject.obj: a custom block whose first word is the GObject. */
value dialogs_watch(value obj)
{
  g_object_weak_ref(*(GObject **)Data_custom_val(obj), count_finalized, NULL);
  return Val_unit;
}

value dialogs_finalized(value unit)
{
  (void)unit;
  return Val_long(finalized);
}

value dialogs_has_gclosure(value unit)
{
  (void)unit;
  return Val_bool(ocgc_flush != NULL && ml_gclosure_stats != NULL);
}

/* ocgc_flush when linked with ocaml-gclosure (a safe point), else nothing. */
value dialogs_flush(value unit)
{
  (void)unit;
  if (ocgc_flush) ocgc_flush();
  return Val_unit;
}

/* Live closures (Gclosure.stats's first field), or -1 without the library. */
value dialogs_live_closures(value unit)
{
  if (ml_gclosure_stats == NULL) return Val_long(-1);
  return Val_long(Long_val(Field(ml_gclosure_stats(unit), 0)));
}
