/* Not the real glue: a check of the build-time mechanism that the glue of
   the "ours" build uses (lib.sh, ocgtk_patch_common_for_glue), for the
   variant "glue-check" of build.sh. Each replaced entry point counts its
   calls and forwards to the stock code (renamed by -D, still compiled), and
   each ocgc_defer_* does the release at once, as stock does. At exit it
   prints the counts on stderr, which shows that ocgtk's calls reach this
   file. It adds none of the library's safety. */
#include <stdio.h>
#include <stdlib.h>
#include <glib-object.h>
#include <caml/mlvalues.h>

value ocgtk_stock_ml_g_closure_new(value);
value ocgtk_stock_ml_g_closure_get_arg(value, value);
value ocgtk_stock_ml_g_closure_get_arg_type(value, value);

static int n_new, n_arg, n_type, n_obj, n_clo, n_val, n_box;

static void report(void)
{
  fprintf(stderr,
          "glue-check: closure_new=%d get_arg=%d get_arg_type=%d deferred: "
          "object_unref=%d closure_unref=%d value_unset=%d boxed_free=%d\n",
          n_new, n_arg, n_type, n_obj, n_clo, n_val, n_box);
}

value ml_g_closure_new(value cb)
{
  if (n_new++ == 0) atexit(report);
  return ocgtk_stock_ml_g_closure_new(cb);
}
value ml_g_closure_get_arg(value a, value p) { n_arg++; return ocgtk_stock_ml_g_closure_get_arg(a, p); }
value ml_g_closure_get_arg_type(value a, value p) { n_type++; return ocgtk_stock_ml_g_closure_get_arg_type(a, p); }
void ocgc_defer_object_unref(gpointer o) { n_obj++; g_object_unref(o); }
void ocgc_defer_closure_unref(GClosure *c) { n_clo++; g_closure_unref(c); }
void ocgc_defer_value_unset(GValue *v) { n_val++; g_value_unset(v); }
void ocgc_defer_boxed_free(GType t, gpointer b) { n_box++; g_boxed_free(t, b); }
