/* The rest of the README's C example (binding_stubs.c): an object to
   connect the closure to, and one emission. */
#define CAML_NAME_SPACE
#include <gclosure.h>
#include <gio/gio.h>
#include <caml/custom.h>

#define Closure_val(v) (*(GClosure **)Data_custom_val(v))

value readme_cancel_with(value closure) /* connects, emits "cancelled" */
{
  GCancellable *obj = g_cancellable_new();
  g_signal_connect_closure(obj, "cancelled", Closure_val(closure), FALSE);
  g_cancellable_cancel(obj);
  g_object_unref(obj);
  return Val_unit;
}
