//! How much C memory an object handle stands for, told to the OCaml GC.
//!
//! An `obj` block is a few words of OCaml heap, but the GObject it holds
//! may keep kilobytes alive in C (a widget's CSS node, layout and
//! accessible; a window's tree). The GC paces itself on what it can see,
//! so without a hint a program that allocates little OCaml memory lets
//! dead widgets pile up between collections, and GTK keeps memory sized to
//! that peak. Each handle block is therefore made with
//! `caml_alloc_custom_mem` and the [`weight_of`] its class: a dead young
//! handle then brings the next minor collection (which finalizes it)
//! closer, and a promoted one speeds the major GC up.
//!
//! The weight is an estimate per class, looked up once per GType: for a
//! widget, the malloc'd bytes a live instance of its nearest measured
//! ancestor holds (GTK 4.8.3, not shown; `tests/memory/class_sizes.c`
//! prints them); for any other GObject, its instance size and a little
//! more. Classes are matched by name, so the core library
//! (no GTK linked) weighs a binding's widgets too.

use std::collections::BTreeMap;
use std::sync::RwLock;

use glib::gobject_ffi as gobj;
use glib::translate::IntoGlib;

/// Measured bytes of malloc a live instance holds, by class name, for the
/// nearest such ancestor of a widget's class (GTK 4.8.3, not shown; a
/// shown window's surfaces go when it is hidden, not when its handle
/// dies). A window's figure includes a small tree: its handle is often
/// the last one to a dialog's box, labels and buttons (the dialog of
/// `tests/memory`, window, box, label and button, held 12,353 B).
const WIDGETS: &[(&str, usize)] = &[
    ("GtkWindow", 16 << 10),   // 4,768 B alone (GtkApplicationWindow 6,411 B), plus a tree
    ("GtkEntry", 10 << 10),    // 10,594 B
    ("GtkButton", 5632),       // 5,714 B, with its label
    ("GtkLabel", 2560),        // 2,581 B
    ("GtkBox", 1536),          // 1,586 B
    ("GtkWidget", 2 << 10),    // any other widget: about a box's or a label's
];

/// What GLib's allocation of an instance adds to its instance size: its
/// private data (not public: GLib aborts the process when asked for the
/// private size of a class that adds none) and the object's qdata and
/// allocator header, about. A GCancellable (32 B instance) held 71 B.
const OBJECT_OVERHEAD: usize = 64;

/// Weights already looked up, by GType. A BTreeMap rather than a HashMap:
/// its nodes are pointed to from their start, so valgrind sees the cache
/// as reachable at exit (a hash table is pointed to from its middle:
/// "possibly lost").
static CACHE: RwLock<BTreeMap<glib::ffi::GType, usize>> = RwLock::new(BTreeMap::new());

/// The weight, in bytes, of an object handle of class `class` (module
/// documentation). Cached per GType; safe from any thread.
pub fn weight_of(class: glib::Type) -> usize {
    let t = class.into_glib();
    if let Some(w) = CACHE.read().unwrap_or_else(|e| e.into_inner()).get(&t) {
        return *w;
    }
    let w = estimate(t);
    CACHE.write().unwrap_or_else(|e| e.into_inner()).insert(t, w);
    w
}

/// The weight of `t`, from its ancestry (widgets) or GLib's sizes.
fn estimate(t: glib::ffi::GType) -> usize {
    let mut a = t;
    while a != 0 {
        // SAFETY: `a` is a registered type (`t`, an instance's class, or an
        // ancestor of it); g_type_name returns a static string for it.
        let name = unsafe { std::ffi::CStr::from_ptr(gobj::g_type_name(a)) };
        if let Some((_, w)) = WIDGETS.iter().find(|(n, _)| n.as_bytes() == name.to_bytes()) {
            return *w;
        }
        // SAFETY: as above.
        a = unsafe { gobj::g_type_parent(a) };
    }
    instance_bytes(t) + OBJECT_OVERHEAD
}

/// GLib's instance size of `t` (0 for a type that has none).
fn instance_bytes(t: glib::ffi::GType) -> usize {
    let mut q = gobj::GTypeQuery { type_: 0, type_name: std::ptr::null(), class_size: 0, instance_size: 0 };
    // SAFETY: `t` is a registered type; `q` is ours to fill.
    unsafe { gobj::g_type_query(t, &mut q) };
    q.instance_size as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use glib::prelude::StaticType;

    #[test]
    fn plain_objects_weigh_their_instance_and_widgets_their_measure() {
        let _o = glib::Object::new::<glib::Object>();
        let w = weight_of(glib::Object::static_type());
        assert_eq!(w, OBJECT_OVERHEAD + std::mem::size_of::<glib::gobject_ffi::GObject>(), "a GObject");
        assert_eq!(weight_of(glib::Object::static_type()), w, "cached");
        #[cfg(feature = "gtk4")]
        {
            use gtk4::prelude::*;
            assert_eq!(weight_of(gtk4::Label::static_type()), 2560);
            assert_eq!(weight_of(gtk4::ApplicationWindow::static_type()), 16 << 10, "a window, by its ancestor GtkWindow");
            assert_eq!(weight_of(gtk4::Picture::static_type()), 2 << 10, "any other widget");
        }
    }
}
