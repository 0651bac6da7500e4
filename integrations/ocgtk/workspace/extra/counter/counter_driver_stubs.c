/* The one thing the counter driver cannot get from ocgtk's public API: the
   toplevel window (ocgtk does not bind gtk_window_list_toplevels). It is
   returned as an ocgtk object (ocgtk's own wrapper, taking a reference). */
#include <gtk/gtk.h>
#include <caml/mlvalues.h>
#include <caml/memory.h>

/* From ocgtk's common library (wrappers.h). */
extern value ml_gobject_val_of_ext_option(const void *gobject);

value counter_driver_first_toplevel(value unit)
{
  CAMLparam1(unit);
  GList *all = gtk_window_list_toplevels();
  GtkWindow *win = all ? GTK_WINDOW(all->data) : NULL;
  g_list_free(all);
  if (win) g_object_ref(win);
  CAMLreturn(ml_gobject_val_of_ext_option(win));
}
