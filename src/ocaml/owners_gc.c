/* Owned closures (src/owners.rs): the OCaml-heap side, in C because it
   needs the runtime's internal headers (the GC's root-scanning hook, the
   ephemeron layout), which differ between OCaml 4.14 and 5.

   A closure's registry root holds its callback (a function: tag 247 or
   249) until objects own it, then a *record* (tag 0), a block of two
   fields:
     0: the callback, while the closure is not owned by an object, or the
        program still holds its g_closure value; else ()
     1: its owners: a chain of links [| owner ephemeron; slot; next |]
        ending in Val_emptylist.
   An object that owns closures has one *owner ephemeron*, rooted by Rust:
   key: its OCaml wrapper; data: its *slots*, a block of two fields
     0: an array whose cell i holds the callback of the closure whose link
        names slot i, or, for a free cell, the next free cell (an int);
     1: the first free cell (an int, -1 for none).
   An owned callback is alive while field 0 holds it or the wrapper of an
   object whose slots hold it is. Only the main domain writes slots
   (owners.rs, on_main); any domain's marshaller reads them.

   Each owning object also has a Gc.finalise finaliser on its
   wrapper. When the wrapper is unreachable but for the ephemerons, the GC
   resurrects it with everything it reaches (the ephemerons' data too) and
   the finaliser decides, with the domain lock held and outside the GC:
   an object that something else references now (GLib reference count
   above 1) keeps its wrapper and is watched again; an object referenced
   by its wrapper alone is garbage, and is disposed while its handlers'
   callbacks are still alive (its "destroy" handlers run, as in C).

   The hook below is an economy on top: at the start of every major cycle
   it marks the wrapper of every owned object that something else
   references, so a widget held by its parent is not resurrected cycle
   after cycle. (PyGObject reports a closure's callback to its cycle
   collector only when the object's count is 1: the same rule.) */
/* GLib first: OCaml's internal headers define a `fallthrough` macro that
   GLib's own attribute checks trip over. */
#include <glib-object.h>
#define CAML_INTERNALS
#include <caml/mlvalues.h>
#include <caml/memory.h>
#include <caml/alloc.h>
#include <caml/domain_state.h>
#include <caml/version.h>
#include <caml/roots.h>
#include <caml/weak.h>
#include <caml/major_gc.h>
#include <caml/address_class.h>
#include <stdbool.h>

/* Runtime primitives that neither allocate nor run OCaml code. (Their
   siblings that read or create ephemerons run pending actions: signal
   handlers and finalisers, OCaml code that may raise, so the OCaml side
   makes the ephemerons, gclosure_core.ml.) */
extern value caml_ephe_check_key(value e, value n);
extern value caml_ephe_check_data(value e);
extern value caml_final_register(value f, value v);

/* ---- the hook ----------------------------------------------------------- */

/* Rust (owners.rs): calls `f(ctx, object, owner_ephemeron)` for every
   owned object, under the owners' lock. */
typedef void (*gclosure_owner_visitor)(void *ctx, GObject *obj, value eph);
extern void gclosure_owners_visit(gclosure_owner_visitor f, void *ctx);

/* The wrapper held as the key of `eph`, if it is set and old. Read in the
   hook at the start of a major cycle: the minor heaps are empty then, and
   the previous cycle has cleared the keys it found dead (before freeing
   them), so a set key is a live block. */
static value owner_key(value eph)
{
  value k = Field(eph, CAML_EPHE_FIRST_KEY);
  if (k == caml_ephe_none || !Is_block(k) || Is_young(k)) return Val_unit;
#if OCAML_VERSION >= 50400
  if (k == caml_ephe_locked) return Val_unit;
#endif
  return k;
}

static bool held_elsewhere(GObject *obj)
{
  return g_atomic_int_get(&obj->ref_count) > 1;
}

#if OCAML_VERSION_MAJOR >= 5

struct mark_ctx { scanning_action action; void *data; };

static void mark_one(void *ctx, GObject *obj, value eph)
{
  struct mark_ctx *c = ctx;
  if (!held_elsewhere(obj)) return;
  value k = owner_key(eph);
  if (k == Val_unit) return;
  c->action(c->data, k, &Field(eph, CAML_EPHE_FIRST_KEY));
}

static scan_roots_hook prev_hook = NULL;

static void owners_hook(scanning_action action, scanning_action_flags flags,
                        void *data, caml_domain_state *d)
{
  if (prev_hook != NULL) prev_hook(action, flags, data, d);
  /* Only the major GC's root marking: this hook is an economy (a held
     object's wrapper is then never resurrected by its finaliser only to be
     registered again), and compaction or heap verification must see
     nothing extra. Minor GCs rely on the finaliser alone. */
  if (action != &caml_darken) return;
  struct mark_ctx c = { action, data };
  gclosure_owners_visit(mark_one, &c);
}

/* Installs the hook once. Domain lock held (hooks run during a
   stop-the-world section, so no GC runs this meanwhile). */
void gclosure_owners_install_hook(void)
{
  prev_hook = atomic_exchange(&caml_scan_roots_hook, owners_hook);
}

#else /* OCaml 4.14 */

static scanning_action mark_action;

static void mark_one(void *ctx, GObject *obj, value eph)
{
  (void)ctx;
  if (!held_elsewhere(obj)) return;
  value k = owner_key(eph);
  if (k == Val_unit) return;
  mark_action(k, &Field(eph, CAML_EPHE_FIRST_KEY));
}

static void (*prev_hook)(scanning_action) = NULL;

static void owners_hook(scanning_action action)
{
  if (prev_hook != NULL) prev_hook(action);
  if (action != &caml_darken) return;
  mark_action = action;
  gclosure_owners_visit(mark_one, NULL);
}

void gclosure_owners_install_hook(void)
{
  prev_hook = caml_scan_roots_hook;
  caml_scan_roots_hook = owners_hook;
}

#endif

/* ---- records ------------------------------------------------------------ */

/* A new record whose callback is `cb` (held strongly): made when a closure
   gets its first owner (owners.rs, add_owner). */
value gclosure_record_new(value cb)
{
  CAMLparam1(cb);
  CAMLlocal1(r);
  r = caml_alloc_small(2, 0);
  Field(r, 0) = cb;
  Field(r, 1) = Val_emptylist;
  CAMLreturn(r);
}

/* Keeps `v`, just read out of an ephemeron, through the current GC
   cycle (the barrier the runtime's own ephemeron reads apply). */
static void keep(value v)
{
#if OCAML_VERSION_MAJOR >= 5
  caml_darken(Caml_state, v, NULL);
#else
  if (caml_gc_phase == Phase_mark && Is_block(v) && Is_in_heap(v))
    caml_darken(v, NULL);
#endif
}

/* The data of ephemeron `e`, or () when it is gone. Neither allocates
   nor runs pending actions (signal handlers, finalisers), unlike the
   runtime's own `caml_ephe_get_data`: the marshaller calls this between
   reading a callback and calling it. */
static value ephe_data(value e)
{
  value v;
#if OCAML_VERSION_MAJOR >= 5
  int cleaning = caml_gc_phase == Phase_sweep_ephe;
#else
  int cleaning = caml_gc_phase == Phase_clean;
#endif
  /* Outside the phase that clears dead data, a set field is a live value
     (kept through this cycle below); in it, the runtime checks. The phase
     changes only in a stop-the-world section, which this thread, holding
     its domain lock and running no OCaml code, is not in. */
  if (cleaning && !Bool_val(caml_ephe_check_data(e))) return Val_unit;
  v = Field(e, CAML_EPHE_DATA_OFFSET);
  if (v == caml_ephe_none) return Val_unit;
  keep(v);
  return v;
}

/* The callback of record `r`, or () when nothing keeps it any more. No
   allocation, no OCaml code. */
value gclosure_record_get(value r)
{
  if (Field(r, 0) != Val_unit) return Field(r, 0);
  for (value l = Field(r, 1); l != Val_emptylist; l = Field(l, 2)) {
    value slots = ephe_data(Field(l, 0));
    if (slots == Val_unit) continue;
    /* The slots block is kept through this cycle (ephe_data): under the
       snapshot-at-the-beginning marking of OCaml 5 (and 4.14's), all it
       holds is marked too, or darkened when overwritten. */
    value cb = Field(Field(slots, 0), Long_val(Field(l, 1)));
    if (Is_block(cb)) return cb;
  }
  return Val_unit;
}

/* Adds the callback of record `r` to the slots of owner ephemeron `eph`,
   and the link to `r`'s owners; 1 if done (or `eph` owns it already), 0
   when `eph` has no slots (its wrapper is dead) or `r` no callback.
   Main domain only (the one writer of slots); allocates (a slot array that
   grows, a link), never runs OCaml code: allocations from C run no
   finaliser, signal handler or memprof callback. */
int gclosure_record_add_owner(value r, value eph)
{
  CAMLparam2(r, eph);
  CAMLlocal4(cb, slots, cells, grown);
  for (value l = Field(r, 1); l != Val_emptylist; l = Field(l, 2))
    if (Field(l, 0) == eph) CAMLreturnT(int, 1);
  cb = gclosure_record_get(r);
  if (cb == Val_unit) CAMLreturnT(int, 0);
  slots = ephe_data(eph);
  if (slots == Val_unit) CAMLreturnT(int, 0);
  intnat i = Long_val(Field(slots, 1));
  if (i < 0) {
    /* No free cell: twice the cells (at least 4), the new ones chained. */
    cells = Field(slots, 0);
    mlsize_t n = Wosize_val(cells), m = n < 2 ? 4 : 2 * n;
    grown = caml_alloc(m, 0);
    for (mlsize_t k = 0; k < m; k++)
      caml_modify(&Field(grown, k),
                  k < n ? Field(cells, k) : Val_long(k + 1 < m ? (intnat)k + 1 : -1));
    caml_modify(&Field(slots, 0), grown);
    i = (intnat)n;
  }
  cells = Field(slots, 0);
  caml_modify(&Field(slots, 1), Field(cells, i));
  caml_modify(&Field(cells, i), cb);
  value link = caml_alloc_small(3, 0);
  Field(link, 0) = eph;
  Field(link, 1) = Val_long(i);
  Field(link, 2) = Field(r, 1);
  caml_modify(&Field(r, 1), link);
  CAMLreturnT(int, 1);
}

/* Frees the slots of record `r` in its owners' tables (its root is being
   released). Main domain only; no allocation. */
void gclosure_record_release(value r)
{
  for (value l = Field(r, 1); l != Val_emptylist; l = Field(l, 2)) {
    value slots = ephe_data(Field(l, 0));
    if (slots == Val_unit) continue;
    value i = Field(l, 1);
    caml_modify(&Field(Field(slots, 0), Long_val(i)), Field(slots, 1));
    caml_modify(&Field(slots, 1), i);
  }
}

/* The `marshal` field of closure `c` (a bitfield struct's neighbour, read
   here: gtk-rs does not expose it). */
uintptr_t gclosure_closure_marshal(GClosure *c)
{
  return (uintptr_t)c->marshal;
}

/* GLib's reference count of closure `c`. */
unsigned gclosure_closure_refcount(GClosure *c)
{
  return c->ref_count;
}

/* Whether the key of one-key ephemeron `eph` is alive (no allocation). */
int gclosure_ephe_key_alive(value eph)
{
  return Bool_val(caml_ephe_check_key(eph, Val_int(0)));
}

/* Whether the key of one-key ephemeron `eph` is `v` (no allocation). */
int gclosure_ephe_key_is(value eph, value v)
{
  if (!Bool_val(caml_ephe_check_key(eph, Val_int(0)))) return 0;
#if OCAML_VERSION >= 50400
  value k = Ephe_key(eph, CAML_EPHE_FIRST_KEY);
#else
  value k = Field(eph, CAML_EPHE_FIRST_KEY);
#endif
  return k == v;
}

/* Registers `fin` as `w`'s finaliser (Gc.finalise), again: it was
   resurrected for that call, and something else holds its object. */
void gclosure_refinalise(value w, value fin)
{
  caml_final_register(fin, w);
}

extern GObject *gclosure_obj_gobject(value v);

/* Gclosure_core.obj_addr ([@@noalloc]): the address of the object of `obj`
   block `w`, as an OCaml int. */
value ml_gclosure_obj_addr(value w)
{
  return Val_long((intnat)gclosure_obj_gobject(w));
}

/* Gclosure_core.on_main_domain ([@@noalloc]): whether the calling domain
   is the main one (always, on OCaml 4.14). */
extern int gclosure_shim_domain_id(void);
value ml_gclosure_on_main_domain(value unit)
{
  (void)unit;
  return Val_bool(gclosure_shim_domain_id() == 0);
}
