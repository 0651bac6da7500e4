/* A binding's closures on gclosure.h: the callback receives the number of
   parameters; a closure's OCaml block releases it at a safe point. */
#define CAML_NAME_SPACE
#include <gclosure.h>
#include <caml/alloc.h>
#include <caml/custom.h>

#define Closure_val(v) (*(GClosure **)Data_custom_val(v))

static value build_argv(const ocgc_invocation *inv, void *user_data)
{
  (void)user_data;
  return Val_int(ocgc_invocation_n_params(inv));
}

static const ocgc_marshal_spec spec = { build_argv, NULL, NULL, NULL };

static void finalize(value v) /* a GC finalizer: it only enqueues */
{
  ocgc_defer_closure_unref(Closure_val(v));
}

static struct custom_operations ops = {
  "readme.closure", finalize, custom_compare_default, custom_hash_default,
  custom_serialize_default, custom_deserialize_default,
  custom_compare_ext_default, custom_fixed_length_default
};

value readme_closure_new(value f) /* f is rooted in the library's registry */
{
  GClosure *c = ocgc_closure_new(f, &spec);
  g_closure_ref(c);
  g_closure_sink(c);
  value v = caml_alloc_custom(&ops, sizeof c, 0, 1);
  Closure_val(v) = c;
  return v;
}
