/* Test helper: GclosureTestKinds, a GObject class with one read-write
   property and one "echo" signal per data kind, so that every kind can be
   tested both ways against a real property and a real signal.

   Property "<kind>-prop" has the kind's GType; signal "echo-<kind>" takes
   one argument of that type and returns that type (no class handler:
   without a connected handler, the result is the type's default). Kinds:
   boolean, char, uchar, int, uint, long, ulong, int64, uint64, float,
   double, string, pointer, enum (GclosureTestColor), flags
   (GclosureTestBits), object, caml (the library's boxed GclosureCaml,
   which must be registered first: Gobject.Type.from_name "GclosureCaml"). */
#include <glib-object.h>
#include <caml/mlvalues.h>

typedef struct { GObject parent; GValue values[17]; } GclosureTestKinds;
typedef struct { GObjectClass parent; } GclosureTestKindsClass;

GType gclosure_test_kinds_get_type(void);
G_DEFINE_TYPE(GclosureTestKinds, gclosure_test_kinds, G_TYPE_OBJECT)

static const GEnumValue colors[] = {
  { 1, "GCLOSURE_TEST_RED", "red" }, { 2, "GCLOSURE_TEST_GREEN", "green" },
  { 7, "GCLOSURE_TEST_BLUE", "blue" }, { 0, NULL, NULL } };
static const GFlagsValue bits[] = {
  { 1, "GCLOSURE_TEST_A", "a" }, { 2, "GCLOSURE_TEST_B", "b" },
  { 8, "GCLOSURE_TEST_D", "d" }, { 0, NULL, NULL } };

static GType color_type(void)
{
  static gsize t = 0;
  if (g_once_init_enter(&t)) g_once_init_leave(&t, g_enum_register_static("GclosureTestColor", colors));
  return t;
}

static GType bits_type(void)
{
  static gsize t = 0;
  if (g_once_init_enter(&t)) g_once_init_leave(&t, g_flags_register_static("GclosureTestBits", bits));
  return t;
}

#define N_KINDS 17
static const char *kind_names[N_KINDS] = {
  "boolean", "char", "uchar", "int", "uint", "long", "ulong", "int64",
  "uint64", "float", "double", "string", "pointer", "enum", "flags", "object",
  "caml" };

static GType kind_type(int i)
{
  switch (i) {
  case 0: return G_TYPE_BOOLEAN;  case 1: return G_TYPE_CHAR;
  case 2: return G_TYPE_UCHAR;    case 3: return G_TYPE_INT;
  case 4: return G_TYPE_UINT;     case 5: return G_TYPE_LONG;
  case 6: return G_TYPE_ULONG;    case 7: return G_TYPE_INT64;
  case 8: return G_TYPE_UINT64;   case 9: return G_TYPE_FLOAT;
  case 10: return G_TYPE_DOUBLE;  case 11: return G_TYPE_STRING;
  case 12: return G_TYPE_POINTER; case 13: return color_type();
  case 14: return bits_type();    case 15: return G_TYPE_OBJECT;
  default: return g_type_from_name("GclosureCaml"); /* the library's boxed type */
  }
}

static GParamSpec *kind_pspec(int i, const char *name)
{
  GParamFlags f = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  switch (i) {
  case 0: return g_param_spec_boolean(name, NULL, NULL, FALSE, f);
  case 1: return g_param_spec_char(name, NULL, NULL, G_MININT8, G_MAXINT8, 0, f);
  case 2: return g_param_spec_uchar(name, NULL, NULL, 0, G_MAXUINT8, 0, f);
  case 3: return g_param_spec_int(name, NULL, NULL, G_MININT, G_MAXINT, 0, f);
  case 4: return g_param_spec_uint(name, NULL, NULL, 0, G_MAXUINT, 0, f);
  case 5: return g_param_spec_long(name, NULL, NULL, G_MINLONG, G_MAXLONG, 0, f);
  case 6: return g_param_spec_ulong(name, NULL, NULL, 0, G_MAXULONG, 0, f);
  case 7: return g_param_spec_int64(name, NULL, NULL, G_MININT64, G_MAXINT64, 0, f);
  case 8: return g_param_spec_uint64(name, NULL, NULL, 0, G_MAXUINT64, 0, f);
  case 9: return g_param_spec_float(name, NULL, NULL, -G_MAXFLOAT, G_MAXFLOAT, 0, f);
  case 10: return g_param_spec_double(name, NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0, f);
  case 11: return g_param_spec_string(name, NULL, NULL, NULL, f);
  case 12: return g_param_spec_pointer(name, NULL, NULL, f);
  case 13: return g_param_spec_enum(name, NULL, NULL, color_type(), 1, f);
  case 14: return g_param_spec_flags(name, NULL, NULL, bits_type(), 0, f);
  case 15: return g_param_spec_object(name, NULL, NULL, G_TYPE_OBJECT, f);
  default: return g_param_spec_boxed(name, NULL, NULL, kind_type(i), f);
  }
}

static void kinds_set_property(GObject *o, guint id, const GValue *v, GParamSpec *p)
{
  (void)p;
  g_value_copy(v, &((GclosureTestKinds *)o)->values[id - 1]);
}

static void kinds_get_property(GObject *o, guint id, GValue *v, GParamSpec *p)
{
  (void)p;
  g_value_copy(&((GclosureTestKinds *)o)->values[id - 1], v);
}

/* How many GclosureTestKinds have been finalized (test_closure: objects
   still waiting in the deferred queue are not finalized yet). */
static gint kinds_finalized;

static void kinds_finalize(GObject *o)
{
  g_atomic_int_inc(&kinds_finalized);
  for (int i = 0; i < N_KINDS; i++) g_value_unset(&((GclosureTestKinds *)o)->values[i]);
  G_OBJECT_CLASS(gclosure_test_kinds_parent_class)->finalize(o);
}

static void gclosure_test_kinds_init(GclosureTestKinds *k)
{
  for (int i = 0; i < N_KINDS; i++) {
    g_value_init(&k->values[i], kind_type(i));
    if (i == 13) g_value_set_enum(&k->values[i], 1); /* the enum's default */
  }
}

static void gclosure_test_kinds_class_init(GclosureTestKindsClass *c)
{
  GObjectClass *oc = G_OBJECT_CLASS(c);
  if (kind_type(16) == 0) g_error("GclosureTestKinds: GclosureCaml is not registered yet");
  oc->set_property = kinds_set_property;
  oc->get_property = kinds_get_property;
  oc->finalize = kinds_finalize;
  for (int i = 0; i < N_KINDS; i++) {
    char *prop = g_strdup_printf("%s-prop", kind_names[i]);
    char *sig = g_strdup_printf("echo-%s", kind_names[i]);
    g_object_class_install_property(oc, i + 1, kind_pspec(i, g_intern_string(prop)));
    g_signal_new(sig, G_TYPE_FROM_CLASS(c), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                 kind_type(i), 1, kind_type(i));
    g_free(prop);
    g_free(sig);
  }
}

/* test_kinds_register (): registers GclosureTestKinds (and its enum and
   flags types) so that Gobject.Type.from_name finds them. */
value test_kinds_register(value unit)
{
  (void)unit;
  g_type_ensure(gclosure_test_kinds_get_type());
  return Val_unit;
}

/* test_kinds_finalized (): how many GclosureTestKinds were finalized. */
value test_kinds_finalized(value unit)
{
  (void)unit;
  return Val_int(g_atomic_int_get(&kinds_finalized));
}
