/* ocgtk's closures on ocaml-gclosure's C API (include/gclosure.h), for the
   "ours" build (integrations/ocgtk/build.sh ours; lib.sh,
   ocgtk_patch_common_for_glue). Compiled into ocgtk_common next to ocgtk's
   own files, which the build renames with -D (NOTES.md §2):

   - ml_g_closure_new, ml_g_closure_get_arg, ml_g_closure_get_arg_type are
     defined here (the stock ones become ocgtk_stock_*, unused);
   - the GC-time releases of ocgtk's custom blocks (finalize_gobject,
     finalize_gir_record, finalise_gclosure, finalize_gvalue) call the C
     API's ocgc_defer_* directly (same signatures as the GLib calls they
     replace): nothing is released inside OCaml's GC.

   ocgtk's argv record keeps its type and layout: { result : g_value;
   nargs : int; args : args }, with args our invocation token (an integer
   naming the running invocation, ocgc_invocation_token: no allocation)
   instead of GLib's naked param_values pointer. The closure block keeps ocgtk's ops
   and word 0 = the GClosure* (one reference, sunk). The lock, exception,
   stale-invocation and exit policies are the library's. */

#include <glib-object.h>
#include <caml/mlvalues.h>
#include <caml/alloc.h>
#include <caml/callback.h>
#include <caml/custom.h>
#include <caml/fail.h>
#include <caml/memory.h>
#include <gclosure.h>

#include "wrappers.h"    /* GClosure_val, ml_closure_exception_flag, Val_GValue_copy */
#include "value_kinds.h" /* ocgtk_gclosure_ops */

/* ml_gobject.c's GValue block (a typedef local to that file). */
typedef struct {
  GValue gvalue;
  int initialized;
} ml_gvalue;

CAMLprim value ml_g_value_new(void);

/* The argv record, as ocgtk's marshaller built it. */
static value ocgtk_build_argv(const ocgc_invocation *inv, void *user_data)
{
  CAMLparam0();
  CAMLlocal2(argv, result);
  GValue *rv = ocgc_invocation_return_value(inv);
  (void)user_data;
  result = ml_g_value_new();
  if (rv != NULL && G_IS_VALUE(rv)) {
    ml_gvalue *m = (ml_gvalue *)Data_custom_val(result);
    g_value_init(&m->gvalue, G_VALUE_TYPE(rv));
    g_value_copy(rv, &m->gvalue);
    m->initialized = 1;
  }
  argv = caml_alloc_small(3, 0);
  Field(argv, 0) = result;
  Field(argv, 1) = Val_int(ocgc_invocation_n_params(inv));
  Field(argv, 2) = ocgc_invocation_token(inv);
  CAMLreturn(argv);
}

/* argv.result back into GLib's return value (Closure.set_result copies
   into argv.result). */
static void ocgtk_finish(const ocgc_invocation *inv, value argv, int raised, void *user_data)
{
  GValue *rv = ocgc_invocation_return_value(inv);
  ml_gvalue *m = (ml_gvalue *)Data_custom_val(Field(argv, 0));
  (void)raised; (void)user_data;
  if (rv != NULL && G_IS_VALUE(rv) && m->initialized && G_IS_VALUE(&m->gvalue))
    g_value_copy(&m->gvalue, rv);
}

/* Stock's reporting: the flag ocgtk's tests read, and its warning. The
   library's exception handler runs after this. */
static void ocgtk_on_exception(value exn, void *user_data)
{
  const value *to_string = caml_named_value("Printexc.to_string");
  (void)user_data;
  ml_closure_exception_flag = 1;
  if (to_string != NULL) {
    value msg = caml_callback_exn(*to_string, exn);
    if (!Is_exception_result(msg))
      g_warning("OCaml closure exception: %s", String_val(msg));
    else
      g_warning("OCaml closure exception (could not format)");
  } else {
    g_warning("OCaml closure exception (Printexc.to_string not registered)");
  }
}

static const ocgc_marshal_spec ocgtk_spec = {
  ocgtk_build_argv, ocgtk_finish, ocgtk_on_exception, NULL
};

/* Gobject.Closure.create */
CAMLprim value ml_g_closure_new(value callback)
{
  CAMLparam1(callback);
  CAMLlocal1(v);
  GClosure *c = ocgc_closure_new(callback, &ocgtk_spec); /* raises Closed after shutdown */
  g_closure_ref(c);
  g_closure_sink(c);
  v = caml_alloc_custom(&ocgtk_gclosure_ops, sizeof(GClosure *), 0, 1);
  GClosure_val(v) = c; /* finalise_gclosure -> ocgc_defer_closure_unref */
  CAMLreturn(v);
}

static const GValue *ocgtk_param(value argv, value pos, const char *stale, const char *range)
{
  const ocgc_invocation *inv = ocgc_invocation_of_token(Field(argv, 2));
  const GValue *p;
  if (inv == NULL)
    caml_invalid_argument(stale);
  if (Int_val(pos) < 0 || (p = ocgc_invocation_param(inv, (guint)Int_val(pos))) == NULL)
    caml_invalid_argument(range);
  return p;
}

/* Gobject.Closure.nth */
CAMLprim value ml_g_closure_get_arg(value argv, value pos)
{
  const GValue *p = ocgtk_param(argv, pos,
                                "closure_get_arg: argv used after its callback returned",
                                "closure_get_arg: index out of bounds");
  /* a copy: the GValue is GLib's, lent for the invocation only */
  return Val_GValue_copy(p);
}

/* Gobject.Closure.get_type */
CAMLprim value ml_g_closure_get_arg_type(value argv, value pos)
{
  const GValue *p = ocgtk_param(argv, pos,
                                "closure_get_arg_type: argv used after its callback returned",
                                "closure_get_arg_type: index out of bounds");
  return Val_long(G_VALUE_TYPE(p));
}

/* Gobject.Signal.connect (issue 19): ocgtk's own external, then the closure
   made owned by the object (ocgc_closure_own), so that a handler capturing
   its object does not keep it alive once ocgtk's users drop both. ocgtk's
   object block holds one reference, released by its finalizer through
   ocgc_defer_object_unref, and its closure block's finalizer releases
   through ocgc_defer_closure_unref: the two things the call needs. */
CAMLprim value ocgtk_stock_ml_g_signal_connect_closure(value obj, value signal_name,
                                                       value closure, value after);

CAMLprim value ml_g_signal_connect_closure(value obj, value signal_name, value closure,
                                           value after)
{
  CAMLparam4(obj, signal_name, closure, after);
  CAMLlocal1(id);
  id = ocgtk_stock_ml_g_signal_connect_closure(obj, signal_name, closure, after);
  if (Long_val(id) != 0)
    (void)ocgc_closure_own(G_OBJECT(ml_gobject_ext_of_val(obj)), obj, GClosure_val(closure));
  CAMLreturn(id);
}
