/* C side of test_dispose and test_dialogs (issue 19): finalize counters
   (weak references), a window destroyed from C, and the C control of the
   dialog (the same widgets and handler, in C, measured in the same run;
   the memory figures are tests/memory's Memstat). */
#include <gtk/gtk.h>
#include <caml/mlvalues.h>
#include <caml/memory.h>
#include <caml/alloc.h>

/* Exported by the library: the GObject of a Gobject.obj value (borrowed). */
extern GObject *gclosure_obj_gobject(value v);

static long finalized_ocaml, finalized_c;

static void count_finalized(gpointer counter, GObject *gone)
{
  (void)gone;
  (*(long *)counter)++;
}

/* Counts the object's finalization in finalized_ocaml. */
value dialogs_watch(value obj)
{
  g_object_weak_ref(gclosure_obj_gobject(obj), count_finalized, &finalized_ocaml);
  return Val_unit;
}

/* One object's finalization, apart from every other's: watch_one gives a
   slot, gone tells whether its object was finalized. */
#define SLOTS 64
static long gone_slots[SLOTS];
static int next_slot;

value dialogs_watch_one(value obj)
{
  if (next_slot == SLOTS) return Val_int(-1);
  g_object_weak_ref(gclosure_obj_gobject(obj), count_finalized, &gone_slots[next_slot]);
  return Val_int(next_slot++);
}

value dialogs_gone(value slot)
{
  int i = Int_val(slot);
  return Val_bool(i >= 0 && i < SLOTS && gone_slots[i] > 0);
}

value dialogs_finalized(value unit)
{
  (void)unit;
  return Val_long(finalized_ocaml);
}

value dialogs_c_finalized(value unit)
{
  (void)unit;
  return Val_long(finalized_c);
}

/* gtk_window_destroy from C, with no OCaml code after it. */
value dialogs_destroy_from_c(value w)
{
  gtk_window_destroy(GTK_WINDOW(gclosure_obj_gobject(w)));
  return Val_unit;
}

/* Runs the default main context until nothing is pending (at most n turns). */
value dialogs_iterate(value n)
{
  for (long i = 0; i < Long_val(n) && g_main_context_pending(NULL); i++)
    g_main_context_iteration(NULL, FALSE);
  return Val_unit;
}

/* Whether a GtkWidget has a parent (false once its window was disposed). */
value dialogs_has_parent(value w)
{
  return Val_bool(gtk_widget_get_parent(GTK_WIDGET(gclosure_obj_gobject(w))) != NULL);
}

/* ---- the C control: the dialog of test_dialogs.ml, in C ---- */

static void on_close(GtkButton *b, gpointer window)
{
  (void)b;
  gtk_window_destroy(GTK_WINDOW(window)); /* the handler "captures" its window */
}

value dialogs_c_dialog(value app)
{
  GtkWidget *w = gtk_application_window_new(GTK_APPLICATION(gclosure_obj_gobject(app)));
  gtk_window_set_title(GTK_WINDOW(w), "Dialog");
  GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *label = gtk_label_new("Something happened.");
  GtkWidget *close = gtk_button_new_with_label("Close");
  gtk_box_append(GTK_BOX(box), label);
  gtk_box_append(GTK_BOX(box), close);
  gtk_window_set_child(GTK_WINDOW(w), box);
  g_signal_connect(close, "clicked", G_CALLBACK(on_close), w);
  g_object_weak_ref(G_OBJECT(w), count_finalized, &finalized_c);
  gtk_window_present(GTK_WINDOW(w));
  g_signal_emit_by_name(close, "clicked");
  return Val_unit;
}
