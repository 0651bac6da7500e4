/* Walks GTK's list of toplevel windows, touching each (the hardening
   issue's item 1): a window that the library unreferenced although GTK
   still lists it is freed memory here, which valgrind reports. */
#include <gtk/gtk.h>
#include <caml/mlvalues.h>

value test_walk_toplevels(value unit)
{
  (void)unit;
  GListModel *l = gtk_window_get_toplevels();
  guint n = g_list_model_get_n_items(l);
  long named = 0;
  for (guint i = 0; i < n; i++) {
    GObject *w = g_list_model_get_item(l, i);
    if (G_OBJECT_TYPE_NAME(w)[0] == 'G') named++;
    g_object_unref(w);
  }
  return Val_long(named);
}
