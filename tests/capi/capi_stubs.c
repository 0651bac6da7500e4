/* A tiny binding on the C API (include/gclosure.h), as a binding author
   would write it: its own argv record, its own closure and object custom
   blocks whose finalizers only hand their releases to the library. */

/* Without OCaml 4.14's compatibility macros (its `callback` is one). */
#define CAML_NAME_SPACE
#include <gclosure.h>
#include <gio/gio.h>
#include <caml/alloc.h>
#include <caml/callback.h>
#include <caml/custom.h>
#include <caml/fail.h>
#include <caml/memory.h>

/* Counters read by the OCaml test (the drain runs with the domain lock). */
static int closures_finalized, objects_alive, released_in_gc, exceptions_seen,
    finishes, deferred_calls;
static int in_finalizer;

/* ---- argv: { nargs : int; args : handle; mutable result : int; tag : string } */

static value build_argv(const ocgc_invocation *inv, void *user_data)
{
  CAMLparam0();
  CAMLlocal3(argv, handle, tag);
  handle = ocgc_invocation_handle(inv);
  tag = caml_copy_string((const char *)user_data);
  argv = caml_alloc_tuple(4);
  Store_field(argv, 0, Val_int(ocgc_invocation_n_params(inv)));
  Store_field(argv, 1, handle);
  Store_field(argv, 2, Val_int(0));
  Store_field(argv, 3, tag);
  CAMLreturn(argv);
}

static void finish(const ocgc_invocation *inv, value argv, int raised, void *user_data)
{
  GValue *rv = ocgc_invocation_return_value(inv);
  finishes++;
  if (rv != NULL && G_VALUE_HOLDS_INT(rv))
    g_value_set_int(rv, raised ? -1 : Int_val(Field(argv, 2)));
}

static void on_exception(value exn, void *user_data)
{
  (void)exn;
  exceptions_seen++;
}

static const ocgc_marshal_spec spec = { build_argv, finish, on_exception, "capi-test" };

/* ---- closures: a custom block holding one reference ---- */

#define Closure_val(v) (*(GClosure **)Data_custom_val(v))

static void finalize_closure(value v)
{
  in_finalizer = 1;
  ocgc_defer_closure_unref(Closure_val(v));
  in_finalizer = 0;
}

static struct custom_operations closure_ops = {
  "gclosure.capi_test.closure", finalize_closure, custom_compare_default,
  custom_hash_default, custom_serialize_default, custom_deserialize_default,
  custom_compare_ext_default, custom_fixed_length_default
};

static void closure_finalized(gpointer data, GClosure *c)
{
  (void)data; (void)c;
  closures_finalized++;
  if (in_finalizer) released_in_gc++;
}

value capi_closure_new(value callback)
{
  CAMLparam1(callback);
  CAMLlocal1(v);
  GClosure *c = ocgc_closure_new(callback, &spec); /* may raise Closed */
  g_closure_add_finalize_notifier(c, NULL, closure_finalized);
  g_closure_ref(c);
  g_closure_sink(c);
  v = caml_alloc_custom(&closure_ops, sizeof(GClosure *), 0, 1);
  Closure_val(v) = c;
  CAMLreturn(v);
}

/* g_closure_invoke with two gint parameters and a gint result. */
value capi_invoke(value closure, value a, value b)
{
  CAMLparam3(closure, a, b);
  GClosure *c = Closure_val(closure);
  GValue params[2] = { G_VALUE_INIT, G_VALUE_INIT };
  GValue ret = G_VALUE_INIT;
  int r;
  g_value_init(&params[0], G_TYPE_INT);
  g_value_init(&params[1], G_TYPE_INT);
  g_value_set_int(&params[0], Int_val(a));
  g_value_set_int(&params[1], Int_val(b));
  g_value_init(&ret, G_TYPE_INT);
  g_closure_ref(c);
  g_closure_invoke(c, &ret, 2, params, NULL);
  g_closure_unref(c);
  r = g_value_get_int(&ret);
  g_value_unset(&params[0]);
  g_value_unset(&params[1]);
  g_value_unset(&ret);
  CAMLreturn(Val_int(r));
}

/* The binding's Closure.nth: reads through the handle, refuses a stale one. */
value capi_nth_int(value argv, value pos)
{
  const ocgc_invocation *inv = ocgc_invocation_of_handle(Field(argv, 1));
  const GValue *p;
  if (inv == NULL)
    caml_invalid_argument("capi_nth_int: argv used after its callback returned");
  p = ocgc_invocation_param(inv, Int_val(pos));
  if (p == NULL)
    caml_invalid_argument("capi_nth_int: index out of range");
  return Val_int(g_value_get_int(p));
}

/* Is [v] a live invocation handle? (a string is not one) */
value capi_is_handle(value v)
{
  return Val_bool(ocgc_invocation_of_handle(v) != NULL);
}

/* ---- objects and values: finalizers defer their unref ---- */

#define Object_val(v) (*(GObject **)Data_custom_val(v))

static void object_gone(gpointer data, GObject *where)
{
  (void)data; (void)where;
  objects_alive--;
  if (in_finalizer) released_in_gc++;
}

static void finalize_object(value v)
{
  in_finalizer = 1;
  ocgc_defer_object_unref(Object_val(v));
  in_finalizer = 0;
}

static struct custom_operations object_ops = {
  "gclosure.capi_test.object", finalize_object, custom_compare_default,
  custom_hash_default, custom_serialize_default, custom_deserialize_default,
  custom_compare_ext_default, custom_fixed_length_default
};

static GObject *new_tracked_object(void)
{
  GObject *o = g_object_new(G_TYPE_OBJECT, NULL);
  objects_alive++;
  g_object_weak_ref(o, object_gone, NULL);
  return o;
}

value capi_object_new(value unit)
{
  CAMLparam1(unit);
  CAMLlocal1(v);
  v = caml_alloc_custom(&object_ops, sizeof(GObject *), 0, 1);
  Object_val(v) = new_tracked_object();
  CAMLreturn(v);
}

/* A GValue holding an object, inside the block (as ocgtk's ml_gvalue). */
static void finalize_value(value v)
{
  in_finalizer = 1;
  ocgc_defer_value_unset((GValue *)Data_custom_val(v));
  in_finalizer = 0;
}

static struct custom_operations value_ops = {
  "gclosure.capi_test.value", finalize_value, custom_compare_default,
  custom_hash_default, custom_serialize_default, custom_deserialize_default,
  custom_compare_ext_default, custom_fixed_length_default
};

value capi_value_of_new_object(value unit)
{
  CAMLparam1(unit);
  CAMLlocal1(v);
  GObject *o;
  v = caml_alloc_custom(&value_ops, sizeof(GValue), 0, 1);
  memset(Data_custom_val(v), 0, sizeof(GValue));
  o = new_tracked_object();
  g_value_init((GValue *)Data_custom_val(v), G_TYPE_OBJECT);
  g_value_take_object((GValue *)Data_custom_val(v), o);
  CAMLreturn(v);
}

static void deferred_call(gpointer data)
{
  (void)data;
  deferred_calls++;
  if (in_finalizer) released_in_gc++;
}

static void finalize_other(value v)
{
  (void)v;
  in_finalizer = 1;
  ocgc_defer(deferred_call, NULL);
  in_finalizer = 0;
}

static struct custom_operations other_ops = {
  "gclosure.capi_test.other", finalize_other, custom_compare_default,
  custom_hash_default, custom_serialize_default, custom_deserialize_default,
  custom_compare_ext_default, custom_fixed_length_default
};

value capi_other_new(value unit)
{
  (void)unit;
  return caml_alloc_custom(&other_ops, sizeof(int), 0, 1);
}

/* ---- lifecycle and counters ---- */

value capi_flush(value unit) { (void)unit; ocgc_flush(); return Val_unit; }
value capi_shutdown(value unit) { (void)unit; ocgc_shutdown(); return Val_unit; }
value capi_is_closed(value unit) { (void)unit; return Val_bool(ocgc_is_closed()); }

value capi_counters(value unit)
{
  CAMLparam1(unit);
  CAMLlocal1(r);
  (void)unit;
  r = caml_alloc_tuple(6);
  Store_field(r, 0, Val_int(closures_finalized));
  Store_field(r, 1, Val_int(objects_alive));
  Store_field(r, 2, Val_int(released_in_gc));
  Store_field(r, 3, Val_int(exceptions_seen));
  Store_field(r, 4, Val_int(finishes));
  Store_field(r, 5, Val_int(deferred_calls));
  CAMLreturn(r);
}

/* ---- owned closures (ocgc_closure_own) ---- */

/* GCancellables in binding-style wrappers (object_ops: one reference each,
   released through ocgc_defer_object_unref), counted apart. */
static int cancellables_alive;
static GObject *kept;

static void cancellable_gone(gpointer data, GObject *where)
{
  (void)data; (void)where;
  cancellables_alive--;
}

value capi_cancellable_new(value unit)
{
  CAMLparam1(unit);
  CAMLlocal1(v);
  GObject *o = G_OBJECT(g_cancellable_new());
  cancellables_alive++;
  g_object_weak_ref(o, cancellable_gone, NULL);
  v = caml_alloc_custom(&object_ops, sizeof(GObject *), 0, 1);
  Object_val(v) = o;
  CAMLreturn(v);
}

value capi_cancellables_alive(value unit) { (void)unit; return Val_int(cancellables_alive); }

/* As the binding's connect would: g_signal_connect_closure on the wrapper's
   object, then, if [own], the closure owned by the object through its
   wrapper. */
value capi_connect(value obj, value name, value closure, value own)
{
  CAMLparam4(obj, name, closure, own);
  gulong id = g_signal_connect_closure(Object_val(obj), String_val(name), Closure_val(closure), FALSE);
  if (Bool_val(own)) ocgc_closure_own(Object_val(obj), obj, Closure_val(closure)); /* may raise */
  CAMLreturn(Val_long(id));
}

/* ocgc_closure_own with an int as the wrapper (refused). */
value capi_own_with_int(value obj, value closure)
{
  CAMLparam2(obj, closure);
  ocgc_closure_own(Object_val(obj), Val_int(0), Closure_val(closure));
  CAMLreturn(Val_unit);
}

/* C keeps a reference of its own on a wrapper's object (a container's). */
value capi_keep(value obj)
{
  kept = g_object_ref(Object_val(obj));
  return Val_unit;
}

value capi_kept_cancel(value unit)
{
  CAMLparam1(unit);
  g_cancellable_cancel(G_CANCELLABLE(kept));
  CAMLreturn(Val_unit);
}

value capi_kept_release(value unit)
{
  (void)unit;
  g_object_unref(kept);
  kept = NULL;
  return Val_unit;
}
/* ---- tokens (ocgc_invocation_token): the same argv, args an integer ---- */

static value build_argv_token(const ocgc_invocation *inv, void *user_data)
{
  CAMLparam0();
  CAMLlocal2(argv, tag);
  tag = caml_copy_string((const char *)user_data);
  argv = caml_alloc_small(4, 0);
  Field(argv, 0) = Val_int(ocgc_invocation_n_params(inv));
  Field(argv, 1) = ocgc_invocation_token(inv); /* an integer: nothing to root */
  Field(argv, 2) = Val_int(0);
  Field(argv, 3) = tag;
  CAMLreturn(argv);
}

static const ocgc_marshal_spec token_spec = { build_argv_token, finish, on_exception, "capi-token" };

value capi_closure_new_token(value callback)
{
  CAMLparam1(callback);
  CAMLlocal1(v);
  GClosure *c = ocgc_closure_new(callback, &token_spec);
  g_closure_ref(c);
  g_closure_sink(c);
  v = caml_alloc_custom(&closure_ops, sizeof(GClosure *), 0, 1);
  Closure_val(v) = c;
  CAMLreturn(v);
}

/* Closure.nth through a token; a stale token raises. */
value capi_nth_int_token(value argv, value pos)
{
  const ocgc_invocation *inv = ocgc_invocation_of_token(Field(argv, 1));
  const GValue *p;
  if (inv == NULL)
    caml_invalid_argument("capi_nth_int_token: argv used after its callback returned");
  p = ocgc_invocation_param(inv, Int_val(pos));
  if (p == NULL)
    caml_invalid_argument("capi_nth_int_token: index out of range");
  return Val_int(g_value_get_int(p));
}

/* Does [v] name a running invocation of this thread as a token? */
value capi_is_token(value v)
{
  return Val_bool(ocgc_invocation_of_token(v) != NULL);
}

/* g_closure_invoke (2 gint params, gint result) on a GLib thread of its
   own, this thread waiting without the runtime lock: the library takes
   the lock for the call there. */
#include <caml/signals.h>

static gpointer invoke_thread(gpointer c)
{
  GValue params[2] = { G_VALUE_INIT, G_VALUE_INIT };
  GValue ret = G_VALUE_INIT;
  g_value_init(&params[0], G_TYPE_INT);
  g_value_init(&params[1], G_TYPE_INT);
  g_value_init(&ret, G_TYPE_INT);
  g_closure_invoke((GClosure *)c, &ret, 2, params, NULL);
  g_value_unset(&params[0]);
  g_value_unset(&params[1]);
  g_value_unset(&ret);
  return NULL;
}

value capi_invoke_in_thread(value closure)
{
  CAMLparam1(closure);
  GClosure *c = Closure_val(closure);
  g_closure_ref(c);
  caml_enter_blocking_section();
  g_thread_join(g_thread_new("capi-token", invoke_thread, c));
  caml_leave_blocking_section();
  g_closure_unref(c);
  CAMLreturn(Val_unit);
}
