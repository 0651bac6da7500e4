/* lablgtk3's closures and GC-time releases on ocaml-gclosure's C API
   (include/gclosure.h), for the "ours" build (integrations/lablgtk3/
   build.sh ours; lib.sh, lg_patch_for_glue). Compiled into the lablgtk3
   library next to lablgtk's own C files, which are compiled with these -D
   renames (library-wide: each renamed name is used only where said):

   - ml_g_closure_new -> lg_stock_ml_g_closure_new: Gobject.Closure.create
     reaches ml_g_closure_new below (stock's becomes unused);
   - ml_g_signal_connect_closure -> lg_stock_ml_g_signal_connect_closure:
     GtkSignal.connect reaches the one at the end of this file, which calls
     stock's and then ocgc_closure_own;
   - g_closure_unref  -> ocgc_defer_closure_unref (ml_gobject.c, the
     GClosure blocks' finalizers, its only calls);
   - g_boxed_free     -> ocgc_defer_boxed_free (ml_gobject.c, the boxed
     blocks' finalizer, its only call);
   - g_queue_push_head -> lg_glue_queue_push_head (ml_gobject.c,
     ml_g_object_unref_later, its only call: the GObject blocks' GC-time
     unref, which stock queues in an unlocked GQueue drained by a GC alarm;
     here it goes to the library's deferred queue, any thread);
   - gdk_event_free, gtk_tree_row_reference_free, g_io_channel_unref ->
     lg_glue_* (the GdkEvent, GtkTreeRowReference and GIOChannel blocks'
     finalizers, their only calls): deferred through ocgc_defer;
   - g_log_set_handler -> lg_glue_log_set_handler (ml_glib.c,
     ml_g_log_set_handler, its only call): the handler GLib calls is our
     trampoline, which runs lablgtk's ml_g_log_func through
     ocgc_run_locked, with the domain lock, on whichever thread logs;
   - ml_global_root_new / ml_global_root_destroy (22 call sites in ten
     files: timeouts, idles, IO watches, tree-model and file-filter
     callbacks, the "Caml" boxed type of caml columns, the log handler)
     are defined below on the C API's rooted cells; wrappers.c's own pair
     is compiled under other names (lablgtk_wrappers_glue.c);
   - caml_alloc_custom -> lg_glue_alloc_custom: every custom block lablgtk
     allocates comes through here unchanged, except the GValue blocks
     (identifier "GValue/2.0/", ml_g_value_new), which get a copy of
     lablgtk's operations whose finalizer defers g_value_unset
     (ocgc_defer_value_unset). A rename of g_value_unset could not do
     that: ml_gobject.c also unsets GValues on the C stack, which must
     happen at once. Gobject.Value.release still calls stock's finalizer
     function directly (an explicit release, outside the GC).

   lablgtk's argv record keeps its type and contents exactly:
   { result : g_value; nargs : int; args : args }, result wrapping GLib's
   return GValue (a 2-word block with a NULL pointer when there is none)
   and args wrapping GLib's parameter array, as stock's marshal_core
   builds it. Those wrap GLib's memory for the invocation only, as in
   stock.

   The lock: the library's marshaller takes the domain lock when the
   invoking thread lacks it (a GLib worker thread, or lablgtk's own poll
   function, which runs the main loop's poll in a blocking section and set
   the global `polling` flag for stock's marshaller to leave it). This
   marshaller never reads `polling`; it asks the runtime whether the
   calling thread holds its domain's lock, per thread. */

/* This file calls the real functions (lablgtk's files are compiled with
   the renames above, and so is this one). */
#undef caml_alloc_custom
#undef ml_g_closure_new
#undef ml_g_signal_connect_closure
#undef g_closure_unref
#undef g_boxed_free
#undef g_queue_push_head
#undef gdk_event_free
#undef gtk_tree_row_reference_free
#undef g_io_channel_unref
#undef g_log_set_handler

#include <string.h>
#include <gtk/gtk.h>
#include <caml/mlvalues.h>
#include <caml/alloc.h>
#include <caml/callback.h>
#include <caml/custom.h>
#include <caml/fail.h>
#include <caml/memory.h>
#include <gclosure.h>

#include "wrappers.h" /* Val_pointer, MLPointer_val */

/* ml_gobject.c's GClosure block maker (one reference, sunk; its finalizer
   defers the unref: see above). */
CAMLprim value Val_GClosure_sink(GClosure *);

/* ---- closures ----------------------------------------------------------- */

/* The argv record, exactly as stock's marshal_core builds it. */
static value lg_build_argv(const ocgc_invocation *inv, void *user_data)
{
  CAMLparam0();
  CAMLlocal3(argv, result, args);
  GValue *rv = ocgc_invocation_return_value(inv);
  (void)user_data;
  result = rv != NULL ? Val_pointer(rv) : caml_alloc(2, 0);
  args = Val_pointer((void *)ocgc_invocation_param(inv, 0));
  argv = caml_alloc_small(3, 0);
  Field(argv, 0) = result;
  Field(argv, 1) = Val_int(ocgc_invocation_n_params(inv));
  Field(argv, 2) = args;
  CAMLreturn(argv);
}

/* The callback writes its result into GLib's return GValue through
   argv.result itself (Closure.set_result): nothing to copy back. An
   exception goes to the library's handler (printed by default; stock's
   marshaller dropped it silently, but GtkSignal's callbacks catch their
   own exceptions before it). */
static const ocgc_marshal_spec lg_spec = { lg_build_argv, NULL, NULL, NULL };

/* Gobject.Closure.create */
CAMLprim value ml_g_closure_new(value callback)
{
  GClosure *c = ocgc_closure_new(callback, &lg_spec); /* raises Closed after shutdown */
  return Val_GClosure_sink(c);
}

/* ---- GC-time releases, deferred ------------------------------------------ */

void lg_glue_queue_push_head(GQueue *queue, gpointer object)
{
  (void)queue; /* stock's unlocked queue is left empty */
  ocgc_defer_object_unref(object);
}

void lg_glue_gdk_event_free(GdkEvent *event)
{
  ocgc_defer((GDestroyNotify)gdk_event_free, event);
}

void lg_glue_gtk_tree_row_reference_free(GtkTreeRowReference *ref)
{
  ocgc_defer((GDestroyNotify)gtk_tree_row_reference_free, ref);
}

void lg_glue_g_io_channel_unref(GIOChannel *channel)
{
  ocgc_defer((GDestroyNotify)g_io_channel_unref, channel);
}

/* GValue blocks: lablgtk's operations with a finalizer that defers the
   unset. The GValue lives inside the block (or is pointed to: MLPointer);
   ocgc_defer_value_unset moves its contents out and zeroes it, so the
   block may go at once. */
static void lg_final_gvalue(value v)
{
  GValue *gv = (GValue *)MLPointer_val(v);
  if (gv != NULL && G_VALUE_TYPE(gv) != 0)
    ocgc_defer_value_unset(gv);
}

static struct custom_operations lg_gvalue_ops;
static const struct custom_operations *volatile lg_stock_gvalue_ops;

value lg_glue_alloc_custom(const struct custom_operations *ops, uintnat size,
                           mlsize_t mem, mlsize_t max)
{
  if (ops != lg_stock_gvalue_ops) {
    if (lg_stock_gvalue_ops != NULL || ops->identifier == NULL
        || strcmp(ops->identifier, "GValue/2.0/") != 0)
      return caml_alloc_custom(ops, size, mem, max);
    /* the first GValue block (domain lock held): lablgtk's operations,
       our finalizer */
    lg_gvalue_ops = *ops;
    lg_gvalue_ops.finalize = lg_final_gvalue;
    lg_stock_gvalue_ops = ops;
  }
  return caml_alloc_custom(&lg_gvalue_ops, size, mem, max);
}

/* ---- roots that GLib carries: the C API's rooted cells ------------------- */

CAMLprim value *lg_stock_ml_global_root_new(value v);
CAMLexport void lg_stock_ml_global_root_destroy(void *data);

/* lablgtk calls this from OCaml externals, and from the "Caml" boxed
   type's copy (inside model#get / store#set, lock held). After a shutdown
   the library makes no cell (ocgc_cell_new would raise Closed, possibly
   through GLib frames): stock's global root then, as stock would. */
CAMLprim value *ml_global_root_new(value v)
{
  if (ocgc_is_closed())
    return lg_stock_ml_global_root_new(v);
  return ocgc_cell_new(v);
}

/* GLib's destroy notifies and the boxed free (any thread, possibly inside
   the deferred release of a GValue): only a push. A stock root made after
   a shutdown is not one of the library's cells and is left to the
   process's end (the push finds no cell and does nothing). */
CAMLexport void ml_global_root_destroy(void *data)
{
  ocgc_cell_release((value *)data);
}

/* ---- the log handler, with the domain lock --------------------------------- */

typedef struct {
  GLogFunc func; /* lablgtk's ml_g_log_func */
  gpointer data; /* its cell (the OCaml handler) */
} lg_log_handler;

typedef struct {
  const lg_log_handler *h;
  const gchar *domain;
  GLogLevelFlags level;
  const gchar *message;
} lg_log_call;

static void lg_log_locked(void *p)
{
  const lg_log_call *c = p;
  c->h->func(c->domain, c->level, c->message, c->h->data);
}

/* GLib calls this on the thread that logs (a GIO worker, a thread the
   runtime never saw, a main loop polling in a blocking section): lablgtk's
   handler runs with the lock. Refused (closed library, or a GLib thread
   during the exit): GLib's default handler prints the message. */
static void lg_log_trampoline(const gchar *domain, GLogLevelFlags level,
                              const gchar *message, gpointer data)
{
  lg_log_call c = { data, domain, level, message };
  if (!ocgc_run_locked(lg_log_locked, &c))
    g_log_default_handler(domain, level, message, NULL);
}

guint lg_glue_log_set_handler(const gchar *domain, GLogLevelFlags levels,
                              GLogFunc func, gpointer data)
{
  lg_log_handler *h = g_new(lg_log_handler, 1);
  h->func = func;
  h->data = data;
  /* freed by g_log_remove_handler (its cell by lablgtk's own
     ml_global_root_destroy, above) */
  return g_log_set_handler_full(domain, levels, lg_log_trampoline, h, g_free);
}

/* ---- GtkSignal.connect: owned handlers (issue 19) ---------------------------
   lablgtk's own ml_g_signal_connect_closure (renamed lg_stock_*), then the
   closure made owned by its object (ocgc_closure_own). lablgtk wraps every
   callback in a function that captures the object (GtkSignal.connect_aux),
   so without this every handler keeps its object until shutdown. lablgtk's
   object block holds one reference, released by its finalizer through the
   glue's queue (ocgc_defer_object_unref); its closure block's finalizer
   releases through ocgc_defer_closure_unref: what the call needs. Both
   blocks keep their pointer in field 1 (lablgtk's Pointer_val). */
CAMLprim value lg_stock_ml_g_signal_connect_closure(value obj, value name, value closure,
                                                    value after);

CAMLprim value ml_g_signal_connect_closure(value obj, value name, value closure, value after)
{
  CAMLparam4(obj, name, closure, after);
  CAMLlocal1(id);
  id = lg_stock_ml_g_signal_connect_closure(obj, name, closure, after);
  if (Long_val(id) != 0)
    (void)ocgc_closure_own((GObject *)Field(obj, 1), obj, (GClosure *)Field(closure, 1));
  CAMLreturn(id);
}
