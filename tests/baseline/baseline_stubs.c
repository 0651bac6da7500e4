/* BASELINE KEPT FOR COMPARISON: NOT PART OF THE LIBRARY.

   A lablgtk-style binding of GObject closures, written for this project's
   tests so they can show the hazards that ocaml-gclosure avoids (see
   /work/shared/design.md, "Why the usual pattern fails on OCaml 5").  It
   follows the pattern most OCaml GLib bindings use, on purpose:

   - a closure keeps its OCaml callback in closure->data, and &closure->data
     is registered with caml_register_global_root;
   - an invalidate notifier removes that root (caml_remove_global_root);
   - the closure's OCaml value is a custom block whose finalizer drops the
     last reference with g_closure_unref (so, when GLib holds no other
     reference, the invalidate notifier, hence caml_remove_global_root, runs
     inside the GC);
   - an object's OCaml value is a custom block whose finalizer calls
     g_object_unref.

   Every C pointer handed to OCaml sits in a custom block (no naked
   pointers); that hazard is not the one shown here.  Do not use this code
   for anything but comparison. */

#define CAML_NAME_SPACE
#include <caml/alloc.h>
#include <caml/callback.h>
#include <caml/custom.h>
#include <caml/fail.h>
#include <caml/memory.h>
#include <caml/mlvalues.h>
#include <caml/printexc.h>
#include <glib-object.h>
#include <gio/gio.h>
#include <stdio.h>

/* ---- objects -------------------------------------------------------- */

#define Obj_val(v) (*(GObject **)Data_custom_val(v))

static void baseline_obj_finalize(value v)
{
  GObject *o = Obj_val(v);
  if (o != NULL) g_object_unref(o);
  Obj_val(v) = NULL;
}

static struct custom_operations baseline_obj_ops = {
  "ocaml-gclosure.baseline.gobject",
  baseline_obj_finalize,
  custom_compare_default,
  custom_hash_default,
  custom_serialize_default,
  custom_deserialize_default,
  custom_compare_ext_default,
  custom_fixed_length_default
};

static value baseline_wrap_obj(GObject *o)
{
  value v = caml_alloc_custom_mem(&baseline_obj_ops, sizeof(GObject *),
                                  sizeof(GCancellable));
  Obj_val(v) = o;
  return v;
}

/* A new GCancellable, the OCaml value holding the only reference. */
value baseline_cancellable_new(value unit)
{
  (void)unit;
  GObject *o = g_object_new(G_TYPE_CANCELLABLE, NULL);
  return baseline_wrap_obj(o);
}

/* ---- closures ------------------------------------------------------- */

#define Closure_val(v) (*(GClosure **)Data_custom_val(v))

/* How many words of data the closure's custom block has: the GClosure*
   and (by default) one unused word.

   Why the unused word: on OCaml 5.3 the hazard fires when a minor GC,
   promoting a young value reachable from a global root while it holds the
   global-roots mutex, has to sweep a major-heap pool to find room, and that
   pool holds a dead closure block whose finalizer drops the last reference.
   The runtime only sweeps pools of the size class it is allocating in, so
   the dead block and the promoted value must be of the same size.  The
   values rooted here are the callbacks; the tests' callbacks are OCaml
   closures with one free variable (3 fields + header = 4 words), and an
   OCaml closure is never smaller than that.  lablgtk's handle blocks are
   [ops; pointer] (3 words with header), so in a lablgtk program the hazard
   needs some other young 2-field value in a global root (lablgtk roots such
   values itself, e.g. `CAML` data boxed into GValues); the stress loop makes
   none, and with a 1-word block it ran 300,000 iterations with s=4k without
   hanging.  With the extra word the dead blocks share the callbacks' size
   class and the same deadlock happens within the first second.  The
   hazard is the same; only the size coincidence is arranged.
   baseline_set_handle_words(1) restores lablgtk's exact layout. */
static uintnat baseline_handle_words = 2;

value baseline_set_handle_words(value n)
{
  if (Long_val(n) < 1 || Long_val(n) > 8)
    caml_invalid_argument("Baseline_lablgtk.set_handle_words");
  baseline_handle_words = Long_val(n);
  return Val_unit;
}

static void baseline_closure_finalize(value v)
{
  GClosure *c = Closure_val(v);
  Closure_val(v) = NULL;
  /* The hazard: when this is the last reference, GLib runs the invalidate
     notifier below, i.e. caml_remove_global_root, inside the GC. */
  if (c != NULL) g_closure_unref(c);
}

static struct custom_operations baseline_closure_ops = {
  "ocaml-gclosure.baseline.gclosure",
  baseline_closure_finalize,
  custom_compare_default,
  custom_hash_default,
  custom_serialize_default,
  custom_deserialize_default,
  custom_compare_ext_default,
  custom_fixed_length_default
};

static void baseline_closure_invalidated(gpointer notify_data, GClosure *c)
{
  (void)notify_data;
  caml_remove_global_root((value *)&c->data);
}

static void baseline_closure_marshal(GClosure *c, GValue *ret,
                                     guint n_params, const GValue *params,
                                     gpointer hint, gpointer marshal_data)
{
  (void)ret; (void)params; (void)hint; (void)marshal_data;
  value res = caml_callback_exn((value)c->data, Val_int(n_params));
  if (Is_exception_result(res))
    fprintf(stderr, "baseline_lablgtk: callback raised %s\n",
            caml_format_exception(Extract_exception(res)));
}

/* [closure_create f]: a GClosure whose data is [f], rooted in GLib memory. */
value baseline_closure_create(value callback)
{
  CAMLparam1(callback);
  CAMLlocal1(v);
  GClosure *c = g_closure_new_simple(sizeof(GClosure), (gpointer)callback);
  caml_register_global_root((value *)&c->data);
  g_closure_add_invalidate_notifier(c, NULL, baseline_closure_invalidated);
  g_closure_set_marshal(c, baseline_closure_marshal);
  g_closure_ref(c);
  g_closure_sink(c);                 /* the OCaml value owns one reference */
  v = caml_alloc_custom_mem(&baseline_closure_ops,
                            baseline_handle_words * sizeof(GClosure *),
                            sizeof(GClosure));
  Closure_val(v) = c;
  CAMLreturn(v);
}

/* ---- signals -------------------------------------------------------- */

value baseline_signal_connect(value obj, value name, value closure, value after)
{
  gulong id = g_signal_connect_closure(Obj_val(obj), String_val(name),
                                       Closure_val(closure), Bool_val(after));
  if (id == 0) caml_invalid_argument("Baseline_lablgtk.connect: unknown signal");
  return Val_long(id);
}

value baseline_signal_disconnect(value obj, value id)
{
  g_signal_handler_disconnect(Obj_val(obj), (gulong)Long_val(id));
  return Val_unit;
}

value baseline_signal_emit(value obj, value name)
{
  CAMLparam2(obj, name);
  g_signal_emit_by_name(Obj_val(obj), String_val(name));
  CAMLreturn(Val_unit);
}
