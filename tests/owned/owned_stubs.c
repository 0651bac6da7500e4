/* C side of test_owned: what C code does to objects behind OCaml's back
   (a reference, an emission through a pointer OCaml no longer holds). The
   memory figures are tests/memory's Memstat. */
#include <caml/mlvalues.h>
#include <caml/memory.h>
#include <caml/alloc.h>
#include <glib-object.h>

extern GObject *gclosure_obj_gobject(value v);

static int finalized = 0;
static void on_finalize(gpointer data, GObject *where) { (void)data; (void)where; finalized++; }

/* Counts the object's finalization (a weak ref: no reference taken). */
value test_watch(value o) { g_object_weak_ref(gclosure_obj_gobject(o), on_finalize, NULL); return Val_unit; }
value test_finalized(value u) { (void)u; return Val_int(finalized); }

/* A pointer kept by C without a reference, as GTK keeps a child's parent. */
static GObject *kept[16];
value test_keep(value slot, value o) { kept[Int_val(slot)] = gclosure_obj_gobject(o); return Val_unit; }
value test_kept_ref(value slot) { g_object_ref(kept[Int_val(slot)]); return Val_unit; }
value test_kept_unref(value slot) { g_object_unref(kept[Int_val(slot)]); return Val_unit; }
value test_kept_emit(value slot, value name)
{
  char *n = g_strdup(String_val(name));
  g_signal_emit_by_name(kept[Int_val(slot)], n);
  g_free(n);
  return Val_unit;
}
