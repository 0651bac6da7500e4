/* The C control of mem_dialogs.ml: the same dialogs, the same phases and
   figures, in plain GTK 4 (no OCaml, no GC). Prints
   "dialogs N malloc_per_dialog M rss_per_dialog R". */
#include <gtk/gtk.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int n = 1200, first, i, settling;
static gboolean present = TRUE;
static long a_malloc, a_rss;
static GtkWidget *main_window;

static long rss(void)
{
  long kb = -1;
  char line[256];
  FILE *f = fopen("/proc/self/status", "r");
  if (f == NULL) return -1;
  while (fgets(line, sizeof line, f) != NULL)
    if (strncmp(line, "VmRSS:", 6) == 0) { sscanf(line + 6, "%ld", &kb); break; }
  fclose(f);
  return kb * 1024;
}

static long in_use(void) { return (long)mallinfo2().uordblks; }

static void on_close(GtkButton *button, gpointer data)
{
  (void)data;
  gtk_window_destroy(GTK_WINDOW(gtk_widget_get_root(GTK_WIDGET(button))));
}

static void open_dialog(GtkApplication *app)
{
  GtkWidget *w = gtk_application_window_new(app);
  gtk_window_set_title(GTK_WINDOW(w), "Dialog");
  GtkWidget *b = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *close = gtk_button_new_with_label("Close");
  gtk_box_append(GTK_BOX(b), gtk_label_new("Hello there"));
  gtk_box_append(GTK_BOX(b), close);
  gtk_window_set_child(GTK_WINDOW(w), b);
  g_signal_connect(close, "clicked", G_CALLBACK(on_close), NULL);
  if (present) gtk_window_present(GTK_WINDOW(w));
  g_signal_emit_by_name(close, "clicked");
}

static gboolean step(gpointer data)
{
  GtkApplication *app = data;
  if (i < n) {
    open_dialog(app);
    if (++i == first) { a_malloc = in_use(); a_rss = rss(); }
    return G_SOURCE_CONTINUE;
  }
  if (settling++ < 30) return G_SOURCE_CONTINUE;
  printf("dialogs %d malloc_per_dialog %.0f rss_per_dialog %.0f\n", n - first,
         (double)(in_use() - a_malloc) / (n - first), (double)(rss() - a_rss) / (n - first));
  fflush(stdout);
  gtk_window_destroy(GTK_WINDOW(main_window));
  g_application_quit(G_APPLICATION(app));
  return G_SOURCE_REMOVE;
}

static void activate(GtkApplication *app, gpointer data)
{
  (void)data;
  main_window = gtk_application_window_new(app);
  g_idle_add(step, app);
}

int main(int argc, char **argv)
{
  for (int k = 1; k < argc; k++) {
    if (strcmp(argv[k], "--no-present") == 0) present = FALSE;
    else n = atoi(argv[k]);
  }
  first = n / 3;
  GtkApplication *app = gtk_application_new("org.ocaml_gclosure.MemDialogsC", G_APPLICATION_NON_UNIQUE);
  g_signal_connect(app, "activate", G_CALLBACK(activate), NULL);
  char *args[] = { argv[0], NULL };
  int status = g_application_run(G_APPLICATION(app), 1, args);
  g_object_unref(app);
  return status;
}
