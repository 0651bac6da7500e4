/* ocaml-gclosure's build-time compatibility stubs for ocgtk on GTK < 4.14
   (Debian 12 ships GTK 4.8.3). Not part of ocgtk: integrations/ocgtk/lib.sh
   adds this file to the ocgtk_gtk library of a build copy and renames the
   two generated functions it replaces with -D flags (see README.md there).

   Why: ocgtk's generated classes call <Interface>.from_gobject for every
   interface a class implements in GTK's newest API. On an older GTK the
   generated from_gobject of an interface that GTK does not have yet raises
   Failure ("AccessibleText requires GTK >= 4.14"), so `new Label.label w`
   fails and examples/counter.ml cannot build its window. Here, when the
   interface does not exist in this GTK, from_gobject returns a new
   reference to the same object instead; calling one of the interface's
   methods still raises ocgtk's Failure. On a GTK that has the interface,
   the generated code is compiled as usual and these stubs are not built. */
#include <gtk/gtk.h>
#include <caml/mlvalues.h>
#include <caml/memory.h>
#include "wrappers.h"

#if !GTK_CHECK_VERSION(4,14,0)
CAMLprim value ml_gtk_accessible_text_from_gobject(value obj)
{
  CAMLparam1(obj);
  GObject *gobj = GObject_ext_of_val(obj);
  g_object_ref(gobj);
  CAMLreturn(ml_gobject_val_of_ext(gobj));
}
#endif

#if !GTK_CHECK_VERSION(4,10,0)
CAMLprim value ml_gtk_accessible_range_from_gobject(value obj)
{
  CAMLparam1(obj);
  GObject *gobj = GObject_ext_of_val(obj);
  g_object_ref(gobj);
  CAMLreturn(ml_gobject_val_of_ext(gobj));
}
#endif
