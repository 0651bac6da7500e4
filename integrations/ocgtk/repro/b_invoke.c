/* b_bench's "invoke" mode: g_closure_invoke from C on the GClosure of an
   ocgtk closure, N times (ocgtk's OCaml API has no invoke). Both builds,
   stock and ours, keep the GClosure pointer as the data of ocgtk's
   closure block (ocgtk's GClosure_val in wrappers.h). */
#include <glib-object.h>
#include <caml/mlvalues.h>
#include <caml/custom.h>
#include <caml/memory.h>

/* b_bench_invoke (closure, n): n invocations with one gint argument and
   no result. The caller holds the domain lock (an OCaml external). */
value b_bench_invoke(value closure, value n)
{
  CAMLparam1(closure); /* keeps the closure block, so its reference, alive */
  GClosure *c = *(GClosure **)Data_custom_val(closure);
  GValue arg = G_VALUE_INIT;
  g_value_init(&arg, G_TYPE_INT);
  for (long i = 0; i < Long_val(n); i++) {
    g_value_set_int(&arg, (gint)i);
    g_closure_invoke(c, NULL, 1, &arg, NULL);
  }
  g_value_unset(&arg);
  CAMLreturn(Val_unit);
}
