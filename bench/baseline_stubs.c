/* BASELINE, for comparison only: not part of ocaml-gclosure.

   The usual way OCaml GLib bindings (the lablgtk family) wrap an OCaml
   function as a GClosure, written here so that bench.exe can measure it
   side by side with ocaml-gclosure:

   - the callback sits in a malloc'd cell registered with
     caml_register_global_root (a "mutable" global root: OCaml 5 scans every
     such root at every minor GC, and keeps them in a skip list);
   - closure->data is that cell; a C marshaller allocates a lablgtk-style
     argv (a 3-field block: result, nargs, args, the GValue pointers wrapped
     in small abstract blocks) and calls the callback with caml_callback_exn;
   - an invalidate notifier removes the root and frees the cell.

   Lifecycle variant: the usual pattern drops the last g_closure_unref from
   the OCaml handle's GC finalizer, which hangs OCaml 5.3 (the finalizer
   removes a global root while the minor GC holds the roots mutex; see
   shared design notes). To measure it without hanging, the handle here has
   NO finalizer and the closure is released explicitly with
   baseline_closure_release (g_closure_unref outside any finalizer). */

#include <stdlib.h>
#include <glib-object.h>
#include <caml/mlvalues.h>
#include <caml/memory.h>
#include <caml/alloc.h>
#include <caml/callback.h>
#include <caml/custom.h>
#include <caml/fail.h>

/* The OCaml handle: a custom block holding the GClosure*, no finalizer. */
static struct custom_operations baseline_closure_ops = {
  "ocaml-gclosure.bench.baseline_closure",
  custom_finalize_default, custom_compare_default, custom_hash_default,
  custom_serialize_default, custom_deserialize_default,
  custom_compare_ext_default, custom_fixed_length_default
};

#define Baseline_closure_val(v) (*((GClosure **) Data_custom_val(v)))

static value wrap_pointer(gpointer p)
{
  value v = caml_alloc_small(1, Abstract_tag);
  Field(v, 0) = (value) p;
  return v;
}

static void baseline_marshal(GClosure *closure, GValue *ret, guint nargs,
                             const GValue *args, gpointer hint,
                             gpointer marshal_data)
{
  CAMLparam0();
  CAMLlocal3(vargs, vret, vargv);
  (void) hint; (void) marshal_data;
  vret = wrap_pointer(ret);
  vargv = wrap_pointer((gpointer) args);
  vargs = caml_alloc_small(3, 0);
  Field(vargs, 0) = vret;
  Field(vargs, 1) = Val_int(nargs);
  Field(vargs, 2) = vargv;
  value *cell = closure->data;
  value res = caml_callback_exn(*cell, vargs);
  if (Is_exception_result(res))
    g_critical("baseline: exception in a callback (dropped)");
  CAMLreturn0;
}

static void baseline_invalidate(gpointer data, GClosure *closure)
{
  value *cell = data;
  (void) closure;
  caml_remove_global_root(cell);
  free(cell);
}

/* baseline_closure_new : (argv -> unit) -> closure */
value baseline_closure_new(value f)
{
  CAMLparam1(f);
  CAMLlocal1(h);
  value *cell = malloc(sizeof(value));
  if (cell == NULL) caml_raise_out_of_memory();
  *cell = f;
  caml_register_global_root(cell);
  GClosure *c = g_closure_new_simple(sizeof(GClosure), cell);
  g_closure_set_marshal(c, baseline_marshal);
  g_closure_add_invalidate_notifier(c, cell, baseline_invalidate);
  g_closure_ref(c);
  g_closure_sink(c);
  h = caml_alloc_custom(&baseline_closure_ops, sizeof(GClosure *), 0, 1);
  Baseline_closure_val(h) = c;
  CAMLreturn(h);
}

/* The explicit release: drops the handle's reference (the closure is
   invalidated, its root removed, when GLib drops its last reference).
   Idempotent. */
value baseline_closure_release(value h)
{
  GClosure *c = Baseline_closure_val(h);
  if (c != NULL) {
    Baseline_closure_val(h) = NULL;
    g_closure_unref(c);
  }
  return Val_unit;
}

/* The GClosure* of a baseline handle, for the C benchmark loops. */
GClosure *baseline_closure_ptr(value h)
{
  return Baseline_closure_val(h);
}

extern GObject *gclosure_obj_gobject(value obj); /* from ocaml-gclosure */

/* baseline_connect : 'a obj -> string -> closure -> bool -> int */
value baseline_connect(value obj, value name, value h, value after)
{
  gulong id = g_signal_connect_closure(gclosure_obj_gobject(obj), String_val(name),
                                       Baseline_closure_val(h), Bool_val(after));
  return Val_long(id);
}

/* baseline_disconnect : 'a obj -> int -> unit */
value baseline_disconnect(value obj, value id)
{
  g_signal_handler_disconnect(gclosure_obj_gobject(obj), Long_val(id));
  return Val_unit;
}
