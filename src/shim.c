/* The only C in the crate: what needs OCaml's or GLib's headers. */
#include <caml/mlvalues.h>
#include <caml/version.h>
#include <caml/domain_state.h>
#include <glib-object.h>

/* 1 when the calling thread holds an OCaml domain lock, else 0.
   OCaml 5 keeps the thread's domain state in a thread-local that is NULL
   whenever the thread does not hold its domain's lock. */
int gclosure_shim_domain_lock_held(void)
{
#if OCAML_VERSION_MAJOR >= 5
  return Caml_state_opt != NULL;
#else
  return 1; /* OCaml 4.14: one runtime lock, see README "not supported yet" */
#endif
}

/* A new floating GClosure of the base size whose data is `data`
   (gobject-sys does not expose GClosure's full layout). */
GClosure *gclosure_shim_closure_new(gpointer data)
{
  return g_closure_new_simple(sizeof(GClosure), data);
}

/* The data of a closure made by gclosure_shim_closure_new. */
gpointer gclosure_shim_closure_data(GClosure *closure)
{
  return closure->data;
}

/* Systhreads: registration of threads the OCaml runtime never saw. */
#include <caml/threads.h>

int gclosure_shim_thread_register(void) { return caml_c_thread_register(); }
int gclosure_shim_thread_unregister(void) { return caml_c_thread_unregister(); }
void gclosure_shim_acquire(void) { caml_acquire_runtime_system(); }
void gclosure_shim_release(void) { caml_release_runtime_system(); }
