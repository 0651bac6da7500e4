/* What a live instance of a few classes holds in malloc (mallinfo2), for
   the handles' GC weights (src/gtk/weight.rs): N instances made and kept,
   the growth of malloc in use divided by N; then freed, and what stays
   (GTK's memory sized to the peak). Not a test; run it by hand:

     cc -O1 -o class_sizes tests/memory/class_sizes.c $(pkg-config --cflags --libs gtk4)
     scripts/xvfb.sh ./class_sizes

   GTK 4.8.3 under Xvfb (bytes each, live): GCancellable 71, GtkAdjustment
   133, GtkLabel 2,581, GtkButton 5,714, GtkBox 1,586, GtkEntry 10,594,
   GtkWindow 4,768, GtkApplicationWindow 6,411, the dialog of
   tests/memory (window, box, label, button) 12,353; shown, a window holds
   megabytes of surfaces, which go when it is hidden. */
#include <gtk/gtk.h>
#include <malloc.h>
#include <stdio.h>
static size_t inuse(void) { return mallinfo2().uordblks; }
static GtkApplication *app;
typedef GObject *(*mk)(void);
static GObject *mk_label(void) { return G_OBJECT(gtk_label_new("Hello there")); }
static GObject *mk_button(void) { return G_OBJECT(gtk_button_new_with_label("Close")); }
static GObject *mk_box(void) { return G_OBJECT(gtk_box_new(GTK_ORIENTATION_VERTICAL, 0)); }
static GObject *mk_window(void) { return G_OBJECT(gtk_application_window_new(app)); }
static GObject *mk_plainwindow(void) { return G_OBJECT(gtk_window_new()); }
static GObject *mk_dialog(void) {
  GtkWidget *w = gtk_application_window_new(app);
  GtkWidget *b = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
  gtk_box_append(GTK_BOX(b), gtk_label_new("Hello there"));
  gtk_box_append(GTK_BOX(b), gtk_button_new_with_label("Close"));
  gtk_window_set_child(GTK_WINDOW(w), b);
  return G_OBJECT(w);
}
static GObject *mk_entry(void) { return G_OBJECT(gtk_entry_new()); }
static GObject *mk_cancellable(void) { return G_OBJECT(g_cancellable_new()); }
static GObject *mk_adjustment(void) { return G_OBJECT(gtk_adjustment_new(0,0,100,1,10,0)); }
static void measure(const char *name, mk f, int n, gboolean present) {
  GObject **v = g_new(GObject *, n);
  for (int i = 0; i < 3; i++) { GObject *o = f(); g_object_ref_sink(o); if (GTK_IS_WINDOW(o)) gtk_window_destroy(GTK_WINDOW(o)); g_object_unref(o); }
  while (g_main_context_iteration(NULL, FALSE));
  size_t a = inuse();
  for (int i = 0; i < n; i++) { v[i] = f(); g_object_ref_sink(v[i]); if (present && GTK_IS_WINDOW(v[i])) gtk_window_present(GTK_WINDOW(v[i])); }
  for (int k = 0; k < 50; k++) g_main_context_iteration(NULL, FALSE);
  size_t b = inuse();
  GTypeQuery q; g_type_query(G_OBJECT_TYPE(v[0]), &q);
  for (int i = 0; i < n; i++) { if (GTK_IS_WINDOW(v[i])) gtk_window_destroy(GTK_WINDOW(v[i])); g_object_unref(v[i]); }
  while (g_main_context_iteration(NULL, FALSE));
  size_t c = inuse();
  printf("%-22s %-8s instance %5u  live %7.0f B each  left after free %6.0f\n", name, present ? "shown" : "", q.instance_size,
         (double)(b - a) / n, ((double)c - (double)a) / n);
  g_free(v);
}
static void activate(GtkApplication *a, gpointer d) {
  (void)d; (void)a;
  g_application_hold(G_APPLICATION(app));
  measure("GCancellable", mk_cancellable, 200, FALSE);
  measure("GtkAdjustment", mk_adjustment, 200, FALSE);
  measure("GtkLabel", mk_label, 200, FALSE);
  measure("GtkButton", mk_button, 200, FALSE);
  measure("GtkBox", mk_box, 200, FALSE);
  measure("GtkEntry", mk_entry, 200, FALSE);
  measure("GtkWindow", mk_plainwindow, 100, FALSE);
  measure("GtkApplicationWindow", mk_window, 100, FALSE);
  measure("dialog (unshown)", mk_dialog, 100, FALSE);
  measure("GtkApplicationWindow", mk_window, 50, TRUE);
  measure("dialog", mk_dialog, 50, TRUE);
  g_application_release(G_APPLICATION(app));
}
int main(int argc, char **argv) {
  app = gtk_application_new("org.example.sizes", G_APPLICATION_NON_UNIQUE);
  g_signal_connect(app, "activate", G_CALLBACK(activate), NULL);
  return g_application_run(G_APPLICATION(app), 1, argv);
}
