/* The C API's rooted cells and locked calls (gclosure.h, "rooted cells and
   locked calls") from a tiny binding of our own: cells kept by C,
   released from a GC finalizer and from a GLib thread; an OCaml function
   called through ocgc_run_locked from GLib threads the runtime never
   saw. */
#include <glib.h>
#include <gclosure.h> /* glib-object.h before the caml headers: OCaml 4.14's
                         compatibility names (callback) clash with GLib's */
#include <caml/mlvalues.h>
#include <caml/alloc.h>
#include <caml/callback.h>
#include <caml/custom.h>
#include <caml/memory.h>
#include <caml/signals.h>

/* A cell as an OCaml value: its address in a custom block with no
   finalizer (the test hands it back explicitly). */
#define Cell_val(v) (*(value **)Data_custom_val(v))
static struct custom_operations cell_ops = {
  "gclosure.test.cell", custom_finalize_default, custom_compare_default,
  custom_hash_default, custom_serialize_default, custom_deserialize_default,
  custom_compare_ext_default, custom_fixed_length_default
};

value capi_cell_new(value v)
{
  CAMLparam1(v);
  CAMLlocal1(r);
  value *cell = ocgc_cell_new(v);
  r = caml_alloc_custom(&cell_ops, sizeof(value *), 0, 1);
  Cell_val(r) = cell;
  CAMLreturn(r);
}

value capi_cell_get(value c) { return *Cell_val(c); }

value capi_cell_release(value c) { ocgc_cell_release(Cell_val(c)); return Val_unit; }

value capi_cell_count(value unit) { (void)unit; return Val_long(ocgc_cell_count()); }

/* A block whose GC finalizer hands its cell back. */
static void final_holder(value v) { ocgc_cell_release(Cell_val(v)); }
static struct custom_operations holder_ops = {
  "gclosure.test.cell_holder", final_holder, custom_compare_default,
  custom_hash_default, custom_serialize_default, custom_deserialize_default,
  custom_compare_ext_default, custom_fixed_length_default
};

value capi_cell_holder(value v)
{
  CAMLparam1(v);
  CAMLlocal1(r);
  value *cell = ocgc_cell_new(v);
  r = caml_alloc_custom(&holder_ops, sizeof(value *), 0, 1);
  Cell_val(r) = cell;
  CAMLreturn(r);
}

/* Releases a cell on a new GLib thread (no domain lock, never seen by the
   runtime), joined in a blocking section. */
static gpointer release_thread(gpointer cell) { ocgc_cell_release(cell); return NULL; }

value capi_cell_release_on_thread(value c)
{
  value *cell = Cell_val(c);
  GThread *t;
  caml_enter_blocking_section();
  t = g_thread_new("cell-release", release_thread, cell);
  g_thread_join(t);
  caml_leave_blocking_section();
  return Val_unit;
}

/* The locked call: fn calls the OCaml function registered as
   "capi_cells.on_log" with a fresh string (it allocates). */
static void call_on_log(void *data)
{
  const value *f = caml_named_value("capi_cells.on_log");
  if (f != NULL)
    caml_callback_exn(*f, caml_copy_string((const char *)data));
}

value capi_run_locked_here(value unit)
{
  (void)unit;
  return Val_bool(ocgc_run_locked(call_on_log, "main"));
}

value capi_run_locked_null(value unit)
{
  (void)unit;
  return Val_bool(ocgc_run_locked(NULL, NULL));
}

static gint ran_on_threads;
static gpointer run_thread(gpointer unused)
{
  (void)unused;
  for (int i = 0; i < 50; i++)
    if (ocgc_run_locked(call_on_log, "thread")) g_atomic_int_inc(&ran_on_threads);
  return NULL;
}

/* n GLib threads, each making 50 locked calls, while this thread waits in
   a blocking section; returns how many calls ran. */
value capi_run_locked_on_threads(value vn)
{
  int n = Int_val(vn);
  GThread **t = g_new(GThread *, n);
  g_atomic_int_set(&ran_on_threads, 0);
  caml_enter_blocking_section();
  for (int i = 0; i < n; i++) t[i] = g_thread_new("locked-call", run_thread, NULL);
  for (int i = 0; i < n; i++) g_thread_join(t[i]);
  caml_leave_blocking_section();
  g_free(t);
  return Val_int(g_atomic_int_get(&ran_on_threads));
}

value capi_cells_flush(value unit) { (void)unit; ocgc_flush(); return Val_unit; }
value capi_cells_shutdown(value unit) { (void)unit; ocgc_shutdown(); return Val_unit; }
