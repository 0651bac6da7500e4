/* A GTK 3 binding in miniature, on the C API (include/gclosure.h): a
   closure (argv: unit) connected to a GTK 3 window's "destroy", the window
   destroyed, the library flushed; then the process's memory map is read. */
#define CAML_NAME_SPACE
#include <gclosure.h>
#include <gtk/gtk.h>
#include <stdio.h>
#include <string.h>
#include <caml/alloc.h>
#include <caml/custom.h>
#include <caml/memory.h>

static value build_argv(const ocgc_invocation *inv, void *user_data)
{
  (void)inv;
  (void)user_data;
  return Val_unit;
}

static const ocgc_marshal_spec spec = { build_argv, NULL, NULL, NULL };

#define Closure_val(v) (*(GClosure **)Data_custom_val(v))

static void finalize_closure(value v)
{
  ocgc_defer_closure_unref(Closure_val(v));
}

static struct custom_operations closure_ops = {
  "gclosure.test.gtk3.closure", finalize_closure, custom_compare_default, custom_hash_default,
  custom_serialize_default, custom_deserialize_default, custom_compare_ext_default, custom_fixed_length_default
};

value gtk3_init(value unit)
{
  (void)unit;
  return Val_bool(gtk_init_check(NULL, NULL));
}

value gtk3_closure_new(value callback)
{
  CAMLparam1(callback);
  CAMLlocal1(v);
  GClosure *c = ocgc_closure_new(callback, &spec);
  g_closure_ref(c);
  g_closure_sink(c);
  v = caml_alloc_custom(&closure_ops, sizeof(GClosure *), 0, 1);
  Closure_val(v) = c;
  CAMLreturn(v);
}

/* A shown GTK 3 window whose "destroy" runs the closure, destroyed. */
value gtk3_window_destroyed(value closure)
{
  GtkWidget *w = gtk_window_new(GTK_WINDOW_TOPLEVEL);
  gtk_container_add(GTK_CONTAINER(w), gtk_button_new_with_label("b"));
  g_signal_connect_closure(w, "destroy", Closure_val(closure), FALSE);
  gtk_widget_show_all(w);
  while (gtk_events_pending())
    gtk_main_iteration_do(FALSE);
  gtk_widget_destroy(w);
  return Val_unit;
}

value gtk3_flush(value unit)
{
  (void)unit;
  ocgc_flush();
  return Val_unit;
}

/* Whether a mapping of /proc/self/maps names a file containing `part`. */
value gtk3_maps_contain(value part)
{
  char line[4096];
  int found = 0;
  FILE *f = fopen("/proc/self/maps", "r");
  if (f == NULL) return Val_int(-1);
  while (!found && fgets(line, sizeof line, f))
    if (strstr(line, String_val(part)) != NULL) found = 1;
  fclose(f);
  return Val_int(found);
}
