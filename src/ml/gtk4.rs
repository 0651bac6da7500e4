//! Externals of `Gtk4`: a small GTK 4 binding over gtk4-rs.
//!
//! Widgets reach OCaml as `Gobject.obj` custom blocks ([`ObjHandle`]), so
//! their last unref waits for a safe point like every other object of the
//! library. No signal is connected here: `Gtk4.Button.on_clicked` and the
//! other `on_*` functions are OCaml wrappers over `Gobject.Closure.create`
//! and `Gobject.Signal.connect_by_name`. The GLib sources of `Gtk4.Timeout`
//! and `Gtk4.Idle` run such a closure too (`g_source_set_closure`).
//!
//! Each external checks what it is given: GTK initialised on this thread,
//! the object of the expected class, a child without a parent, and so on,
//! and raises `Invalid_argument "Gtk4.<Module>.<function>: ..."` otherwise,
//! never a GLib critical or a Rust panic.

use ::gtk4 as gtk;
use glib::gobject_ffi as gobj;
use glib::translate::{FromGlibPtrNone, ToGlibPtr};
use glib::prelude::{Cast, IsA, ObjectExt, ObjectType};
use gtk::gio::prelude::ApplicationExt;
use gtk::prelude::{BoxExt, ButtonExt, EditableExt, EntryExt, GtkWindowExt, NativeExt, SnapshotExt, WidgetExt};
use ocaml::Pointer;

use super::{enter, invalid};
use crate::handles::{ClosureHandle, ObjHandle};

type R<T> = Result<T, ocaml::Error>;

/// Refuses GTK calls before `Gtk4.init` (or the application's startup),
/// and from any thread but the one GTK was initialised on.
fn gtk_ready(gc: &ocaml::Runtime, func: &str) -> R<()> {
    if gtk::is_initialized_main_thread() {
        return Ok(());
    }
    if gtk::is_initialized() {
        return Err(invalid(gc, func, "GTK may only be used from the thread that initialised it"));
    }
    // GTK itself may be initialised without gtk4-rs knowing: a GtkApplication
    // made with Gobject.unsafe_create runs gtk_init at startup. The thread
    // that runs it owns the default main context.
    // SAFETY: both functions may be called at any time from any thread.
    let (gtk_inited, owner) = unsafe {
        (
            gtk::ffi::gtk_is_initialized() != 0,
            glib::ffi::g_main_context_is_owner(glib::ffi::g_main_context_default()) != 0,
        )
    };
    if gtk_inited && owner {
        // SAFETY: GTK is initialised (checked), gtk4-rs's flag is not set for
        // any thread (checked above), and this thread runs GTK's main context.
        unsafe { gtk::set_initialized() };
        return Ok(());
    }
    Err(invalid(
        gc,
        func,
        "GTK is not initialised: call Gtk4.init () first, or make widgets in the application's \"activate\" handler",
    ))
}

/// The object behind a handle as a `T`, or `Invalid_argument` naming both
/// classes.
fn object<T: IsA<glib::Object>>(gc: &ocaml::Runtime, func: &str, h: &ObjHandle) -> R<T> {
    let p = h.ptr();
    // SAFETY: `p` is a live GObject: the handle owns a reference to it, and
    // from_glib_none takes one more for the returned value.
    let o: glib::Object = unsafe { glib::Object::from_glib_none(p) };
    o.downcast::<T>().map_err(|o| {
        invalid(gc, func, format!("expected a {}, got a {}", T::static_type().name(), o.type_().name()))
    })
}

/// As [`object`], for a widget: GTK must be ready first.
fn widget<T: IsA<glib::Object>>(gc: &ocaml::Runtime, func: &str, h: &ObjHandle) -> R<T> {
    gtk_ready(gc, func)?;
    object(gc, func, h)
}

/// A new OCaml handle on `o` (its own reference; `o` itself is dropped);
/// `Gclosure.Closed` after shutdown.
fn to_ocaml<T: ObjectType>(o: T) -> R<Pointer<ObjHandle>> {
    let p = o.as_ptr() as *mut gobj::GObject;
    // SAFETY: `o` keeps the object alive during the call; add_ref takes the
    // handle's own (sunk) reference before `o` is dropped.
    let h = unsafe { ObjHandle::add_ref(p) };
    drop(o);
    h.ok_or_else(super::closed)
}

/// A widget that may be given a parent: not a toplevel, not parented yet.
fn orphan(gc: &ocaml::Runtime, func: &str, child: &ObjHandle) -> R<gtk::Widget> {
    let c: gtk::Widget = widget(gc, func, child)?;
    if c.is::<gtk::Root>() {
        return Err(invalid(gc, func, format!("a {} is a toplevel and cannot be a child", c.type_().name())));
    }
    if let Some(p) = c.parent() {
        return Err(invalid(
            gc,
            func,
            format!("this {} already has a parent (a {})", c.type_().name(), p.type_().name()),
        ));
    }
    Ok(c)
}

/// Converts an OCaml int to an `i32` parameter, or says which is too large.
fn int32(gc: &ocaml::Runtime, func: &str, what: &str, i: ocaml::Int) -> R<i32> {
    i32::try_from(i).map_err(|_| invalid(gc, func, format!("{what} {i} is out of range")))
}

// ---- initialisation -------------------------------------------------------

/// `Gtk4.init`: true when GTK is (now) initialised on this thread, false
/// when no display could be opened (the OCaml side raises `Failure`).
#[ocaml::func]
#[ocaml::sig("unit -> bool")]
pub fn ml_gtk4_init() -> R<bool> {
    const F: &str = "Gtk4.init";
    enter()?;
    if gtk::is_initialized_main_thread() {
        return Ok(true);
    }
    if gtk::is_initialized() {
        return Err(invalid(gc, F, "GTK was already initialised by another thread"));
    }
    Ok(gtk::init().is_ok())
}

/// `Gtk4.is_initialized`.
#[ocaml::func]
#[ocaml::sig("unit -> bool")]
pub fn ml_gtk4_is_initialized() -> R<bool> {
    enter()?;
    Ok(gtk::is_initialized_main_thread())
}

// ---- Application ------------------------------------------------------------

/// `Gtk4.Application.create ~id ~unique`: a GtkApplication (GTK is
/// initialised at its startup if `Gtk4.init` was not called).
#[ocaml::func]
#[ocaml::sig("string -> bool -> obj")]
pub fn ml_gtk4_application_create(id: &str, unique: bool) -> R<Pointer<ObjHandle>> {
    const F: &str = "Gtk4.Application.create";
    enter()?;
    if !gtk::gio::Application::id_is_valid(id) {
        return Err(invalid(
            gc,
            F,
            format!("{id:?} is not a valid application id (like \"org.example.App\": two or more dot-separated elements of [A-Za-z0-9_-])"),
        ));
    }
    if gtk::is_initialized() && !gtk::is_initialized_main_thread() {
        return Err(invalid(gc, F, "GTK may only be used from the thread that initialised it"));
    }
    let flags = if unique { gtk::gio::ApplicationFlags::empty() } else { gtk::gio::ApplicationFlags::NON_UNIQUE };
    to_ocaml(gtk::Application::new(Some(id), flags))
}

thread_local! {
    static RUNNING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// `Gtk4.Application.run app argv`: runs the main loop until the
/// application quits; returns its exit status. The domain lock is released
/// while the loop waits: each callback takes it back for its call, so other
/// OCaml threads run meanwhile and GLib threads can call OCaml callbacks.
#[ocaml::func]
#[ocaml::sig("obj -> string array -> int")]
pub fn ml_gtk4_application_run(app: &ObjHandle, argv: Vec<String>) -> R<ocaml::Int> {
    const F: &str = "Gtk4.Application.run";
    enter()?;
    let a: gtk::Application = object(gc, F, app)?;
    if gtk::is_initialized() && !gtk::is_initialized_main_thread() {
        return Err(invalid(gc, F, "GTK may only be used from the thread that initialised it"));
    }
    if RUNNING.with(|r| r.replace(true)) {
        return Err(invalid(gc, F, "an application is already running on this thread (nested run)"));
    }
    let args: Vec<std::ffi::CString> = match argv.iter().map(|s| std::ffi::CString::new(s.as_str())).collect() {
        Ok(v) => v,
        Err(_) => {
            RUNNING.with(|r| r.set(false));
            return Err(invalid(gc, F, "an argument contains a NUL byte"));
        }
    };
    let mut ptrs: Vec<*mut std::ffi::c_char> = args.iter().map(|s| s.as_ptr() as *mut _).collect();
    ptrs.push(std::ptr::null_mut());
    // `a` holds a reference for the whole run, so the application outlives
    // it even if OCaml drops its handle meanwhile; GLib copies what it keeps.
    // SAFETY: live application (above); `ptrs` is a NULL-terminated array of
    // `args.len()` C strings that live until the call returns.
    let status = unsafe {
        // SAFETY (of the release): domain lock held (external); nothing
        // unrooted is used after the run (`app` is not touched again).
        let _unlocked = crate::lock::Released::new();
        gtk::gio::ffi::g_application_run(
            a.upcast_ref::<gtk::gio::Application>().to_glib_none().0,
            args.len() as i32,
            ptrs.as_mut_ptr(),
        )
    };
    RUNNING.with(|r| r.set(false));
    drop(a);
    Ok(status as ocaml::Int)
}

/// `Gtk4.Application.quit`.
#[ocaml::func]
#[ocaml::sig("obj -> unit")]
pub fn ml_gtk4_application_quit(app: &ObjHandle) -> R<()> {
    enter()?;
    let a: gtk::Application = object(gc, "Gtk4.Application.quit", app)?;
    a.quit();
    Ok(())
}

// ---- Window -------------------------------------------------------------

/// `Gtk4.Window.create app`: a GtkApplicationWindow of `app`.
#[ocaml::func]
#[ocaml::sig("obj -> obj")]
pub fn ml_gtk4_window_create(app: &ObjHandle) -> R<Pointer<ObjHandle>> {
    const F: &str = "Gtk4.Window.create";
    enter()?;
    let a: gtk::Application = object(gc, F, app)?;
    gtk_ready(gc, F)?;
    if !a.is_registered() {
        return Err(invalid(
            gc,
            F,
            "the application has not started yet: make its windows in its \"activate\" handler (during Gtk4.Application.run)",
        ));
    }
    to_ocaml(gtk::ApplicationWindow::new(&a))
}

/// `Gtk4.Window.set_title`.
#[ocaml::func]
#[ocaml::sig("obj -> string -> unit")]
pub fn ml_gtk4_window_set_title(w: &ObjHandle, title: &str) -> R<()> {
    enter()?;
    let w: gtk::Window = widget(gc, "Gtk4.Window.set_title", w)?;
    w.set_title(Some(title));
    Ok(())
}

/// `Gtk4.Window.get_title`.
#[ocaml::func]
#[ocaml::sig("obj -> string")]
pub fn ml_gtk4_window_get_title(w: &ObjHandle) -> R<String> {
    enter()?;
    let w: gtk::Window = widget(gc, "Gtk4.Window.get_title", w)?;
    Ok(w.title().map(|t| t.to_string()).unwrap_or_default())
}

/// `Gtk4.Window.set_default_size`.
#[ocaml::func]
#[ocaml::sig("obj -> int -> int -> unit")]
pub fn ml_gtk4_window_set_default_size(w: &ObjHandle, width: ocaml::Int, height: ocaml::Int) -> R<()> {
    const F: &str = "Gtk4.Window.set_default_size";
    enter()?;
    let w: gtk::Window = widget(gc, F, w)?;
    let (width, height) = (int32(gc, F, "width", width)?, int32(gc, F, "height", height)?);
    if width < -1 || height < -1 {
        return Err(invalid(gc, F, format!("size {width}x{height}: each must be -1 (unset) or more")));
    }
    w.set_default_size(width, height);
    Ok(())
}

/// `Gtk4.Window.set_child`.
#[ocaml::func]
#[ocaml::sig("obj -> obj -> unit")]
pub fn ml_gtk4_window_set_child(w: &ObjHandle, child: &ObjHandle) -> R<()> {
    const F: &str = "Gtk4.Window.set_child";
    enter()?;
    let w: gtk::Window = widget(gc, F, w)?;
    let c = orphan(gc, F, child)?;
    w.set_child(Some(&c));
    Ok(())
}

/// `Gtk4.Window.present`.
#[ocaml::func]
#[ocaml::sig("obj -> unit")]
pub fn ml_gtk4_window_present(w: &ObjHandle) -> R<()> {
    enter()?;
    let w: gtk::Window = widget(gc, "Gtk4.Window.present", w)?;
    w.present();
    Ok(())
}

/// `Gtk4.Window.destroy`: hides the window and drops GTK's reference to
/// it; the application quits when its last window goes.
#[ocaml::func]
#[ocaml::sig("obj -> unit")]
pub fn ml_gtk4_window_destroy(w: &ObjHandle) -> R<()> {
    enter()?;
    let w: gtk::Window = widget(gc, "Gtk4.Window.destroy", w)?;
    w.destroy();
    Ok(())
}

// ---- Widget -------------------------------------------------------------

/// `Gtk4.Widget.is_mapped`.
#[ocaml::func]
#[ocaml::sig("obj -> bool")]
pub fn ml_gtk4_widget_is_mapped(w: &ObjHandle) -> R<bool> {
    enter()?;
    let w: gtk::Widget = widget(gc, "Gtk4.Widget.is_mapped", w)?;
    Ok(w.is_mapped())
}

/// `Gtk4.Widget.queue_draw`: asks for a new frame that redraws the widget.
#[ocaml::func]
#[ocaml::sig("obj -> unit")]
pub fn ml_gtk4_widget_queue_draw(w: &ObjHandle) -> R<()> {
    enter()?;
    let w: gtk::Widget = widget(gc, "Gtk4.Widget.queue_draw", w)?;
    w.queue_draw();
    Ok(())
}

/// `Gtk4.Widget.set_margin`: the same margin on all four sides.
#[ocaml::func]
#[ocaml::sig("obj -> int -> unit")]
pub fn ml_gtk4_widget_set_margin(w: &ObjHandle, m: ocaml::Int) -> R<()> {
    const F: &str = "Gtk4.Widget.set_margin";
    enter()?;
    let w: gtk::Widget = widget(gc, F, w)?;
    let m = int32(gc, F, "margin", m)?;
    if !(0..=i16::MAX as i32).contains(&m) {
        return Err(invalid(gc, F, format!("margin {m} is out of range 0..{}", i16::MAX)));
    }
    w.set_margin_top(m);
    w.set_margin_bottom(m);
    w.set_margin_start(m);
    w.set_margin_end(m);
    Ok(())
}

/// `Gtk4.Widget.root`: the window the widget is in, if any.
#[ocaml::func]
#[ocaml::sig("obj -> obj option")]
pub fn ml_gtk4_widget_root(w: &ObjHandle) -> R<Option<Pointer<ObjHandle>>> {
    enter()?;
    let w: gtk::Widget = widget(gc, "Gtk4.Widget.root", w)?;
    w.root().and_then(|r| r.downcast::<gtk::Window>().ok()).map(to_ocaml).transpose()
}

/// `Gtk4.Widget.frame_clock`: the GdkFrameClock of a realized widget.
#[ocaml::func]
#[ocaml::sig("obj -> obj option")]
pub fn ml_gtk4_widget_frame_clock(w: &ObjHandle) -> R<Option<Pointer<ObjHandle>>> {
    enter()?;
    let w: gtk::Widget = widget(gc, "Gtk4.Widget.frame_clock", w)?;
    w.frame_clock().map(to_ocaml).transpose()
}

/// `Gtk4.Widget.screenshot w file`: renders the mapped widget (with its
/// children) through its window's own GSK renderer, the way it is drawn
/// on screen, and saves the image as a PNG file. The file name is copied
/// at entry (`String`): rendering runs GTK code before it is used.
#[ocaml::func]
#[ocaml::sig("obj -> string -> unit")]
pub fn ml_gtk4_widget_screenshot(w: &ObjHandle, file: String) -> R<()> {
    const F: &str = "Gtk4.Widget.screenshot";
    enter()?;
    let w: gtk::Widget = widget(gc, F, w)?;
    if !w.is_mapped() {
        return Err(invalid(gc, F, format!("the {} is not mapped yet: present its window and wait until it is drawn", w.type_().name())));
    }
    let (width, height) = (w.width(), w.height());
    if width <= 0 || height <= 0 {
        return Err(invalid(gc, F, format!("the {} has no size yet ({width}x{height})", w.type_().name())));
    }
    let renderer = w
        .native()
        .and_then(|n| n.renderer())
        .ok_or_else(|| invalid(gc, F, "the widget's window has no renderer (not realized)"))?;
    let paintable = gtk::WidgetPaintable::new(Some(&w));
    let snapshot = gtk::Snapshot::new();
    gtk::gdk::prelude::PaintableExt::snapshot(&paintable, &snapshot, width as f64, height as f64);
    let node = snapshot.to_node().ok_or_else(|| invalid(gc, F, "the widget drew nothing"))?;
    let viewport = gtk::graphene::Rect::new(0.0, 0.0, width as f32, height as f32);
    let texture = gtk::gsk::prelude::GskRendererExt::render_texture(&renderer, &node, Some(&viewport));
    paintable.set_widget(None::<&gtk::Widget>);
    gtk::gdk::prelude::TextureExt::save_to_png(&texture, &file)
        .map_err(|e| invalid(gc, F, format!("cannot write {file:?}: {e}")))
}

// ---- Box ------------------------------------------------------------------

/// `Gtk4.Box.create orientation spacing` (orientation 0 horizontal, 1 vertical).
#[ocaml::func]
#[ocaml::sig("int -> int -> obj")]
pub fn ml_gtk4_box_create(orientation: ocaml::Int, spacing: ocaml::Int) -> R<Pointer<ObjHandle>> {
    const F: &str = "Gtk4.Box.create";
    enter()?;
    gtk_ready(gc, F)?;
    let o = match orientation {
        0 => gtk::Orientation::Horizontal,
        1 => gtk::Orientation::Vertical,
        _ => return Err(invalid(gc, F, format!("orientation {orientation}"))),
    };
    let spacing = int32(gc, F, "spacing", spacing)?;
    if spacing < 0 {
        return Err(invalid(gc, F, format!("spacing {spacing} is negative")));
    }
    to_ocaml(gtk::Box::new(o, spacing))
}

/// `Gtk4.Box.append`.
#[ocaml::func]
#[ocaml::sig("obj -> obj -> unit")]
pub fn ml_gtk4_box_append(b: &ObjHandle, child: &ObjHandle) -> R<()> {
    const F: &str = "Gtk4.Box.append";
    enter()?;
    let b: gtk::Box = widget(gc, F, b)?;
    let c = orphan(gc, F, child)?;
    b.append(&c);
    Ok(())
}

// ---- Button ---------------------------------------------------------------

/// `Gtk4.Button.create label`.
#[ocaml::func]
#[ocaml::sig("string option -> obj")]
pub fn ml_gtk4_button_create(label: Option<String>) -> R<Pointer<ObjHandle>> {
    enter()?;
    gtk_ready(gc, "Gtk4.Button.create")?;
    let b = match label {
        Some(l) => gtk::Button::with_label(&l),
        None => gtk::Button::new(),
    };
    to_ocaml(b)
}

/// `Gtk4.Button.set_label`.
#[ocaml::func]
#[ocaml::sig("obj -> string -> unit")]
pub fn ml_gtk4_button_set_label(b: &ObjHandle, label: &str) -> R<()> {
    enter()?;
    let b: gtk::Button = widget(gc, "Gtk4.Button.set_label", b)?;
    b.set_label(label);
    Ok(())
}

/// `Gtk4.Button.get_label` (`""` for a button without a text label).
#[ocaml::func]
#[ocaml::sig("obj -> string")]
pub fn ml_gtk4_button_get_label(b: &ObjHandle) -> R<String> {
    enter()?;
    let b: gtk::Button = widget(gc, "Gtk4.Button.get_label", b)?;
    Ok(b.label().map(|l| l.to_string()).unwrap_or_default())
}

// ---- Label ----------------------------------------------------------------

/// `Gtk4.Label.create text`.
#[ocaml::func]
#[ocaml::sig("string -> obj")]
pub fn ml_gtk4_label_create(text: &str) -> R<Pointer<ObjHandle>> {
    enter()?;
    gtk_ready(gc, "Gtk4.Label.create")?;
    to_ocaml(gtk::Label::new(Some(text)))
}

/// `Gtk4.Label.set_text`.
#[ocaml::func]
#[ocaml::sig("obj -> string -> unit")]
pub fn ml_gtk4_label_set_text(l: &ObjHandle, text: &str) -> R<()> {
    enter()?;
    let l: gtk::Label = widget(gc, "Gtk4.Label.set_text", l)?;
    l.set_text(text);
    Ok(())
}

/// `Gtk4.Label.get_text`.
#[ocaml::func]
#[ocaml::sig("obj -> string")]
pub fn ml_gtk4_label_get_text(l: &ObjHandle) -> R<String> {
    enter()?;
    let l: gtk::Label = widget(gc, "Gtk4.Label.get_text", l)?;
    Ok(l.text().to_string())
}

// ---- Entry ----------------------------------------------------------------

/// `Gtk4.Entry.create placeholder`.
#[ocaml::func]
#[ocaml::sig("string option -> obj")]
pub fn ml_gtk4_entry_create(placeholder: Option<String>) -> R<Pointer<ObjHandle>> {
    enter()?;
    gtk_ready(gc, "Gtk4.Entry.create")?;
    let e = gtk::Entry::new();
    if let Some(p) = placeholder {
        e.set_placeholder_text(Some(&p));
    }
    to_ocaml(e)
}

/// `Gtk4.Entry.get_text`.
#[ocaml::func]
#[ocaml::sig("obj -> string")]
pub fn ml_gtk4_entry_get_text(e: &ObjHandle) -> R<String> {
    enter()?;
    let e: gtk::Entry = widget(gc, "Gtk4.Entry.get_text", e)?;
    Ok(e.text().to_string())
}

/// `Gtk4.Entry.set_text` (emits "changed").
#[ocaml::func]
#[ocaml::sig("obj -> string -> unit")]
pub fn ml_gtk4_entry_set_text(e: &ObjHandle, text: &str) -> R<()> {
    enter()?;
    let e: gtk::Entry = widget(gc, "Gtk4.Entry.set_text", e)?;
    e.set_text(text);
    Ok(())
}

/// `Gtk4.Entry.insert_text e text pos`: inserts at character position
/// `pos` (-1: the end), as typing does (emits "changed"); returns the
/// position after the inserted text.
#[ocaml::func]
#[ocaml::sig("obj -> string -> int -> int")]
pub fn ml_gtk4_entry_insert_text(e: &ObjHandle, text: &str, pos: ocaml::Int) -> R<ocaml::Int> {
    const F: &str = "Gtk4.Entry.insert_text";
    enter()?;
    let e: gtk::Entry = widget(gc, F, e)?;
    let len = e.text().chars().count() as i64;
    let mut p = if pos == -1 { len as i32 } else { int32(gc, F, "position", pos)? };
    if p < 0 || p as i64 > len {
        return Err(invalid(gc, F, format!("position {pos} is outside the text (0..{len}, or -1 for the end)")));
    }
    e.insert_text(text, &mut p);
    Ok(p as ocaml::Int)
}

/// `Gtk4.Entry.set_position` (-1: the end).
#[ocaml::func]
#[ocaml::sig("obj -> int -> unit")]
pub fn ml_gtk4_entry_set_position(e: &ObjHandle, pos: ocaml::Int) -> R<()> {
    const F: &str = "Gtk4.Entry.set_position";
    enter()?;
    let e: gtk::Entry = widget(gc, F, e)?;
    e.set_position(int32(gc, F, "position", pos)?);
    Ok(())
}

// ---- GLib sources over closures ------------------------------------------

extern "C" {
    // In libgobject, not bound by gobject-sys.
    fn g_source_set_closure(source: *mut glib::ffi::GSource, closure: *mut gobj::GClosure);
}

/// The closure's finalize notifier: drops the reference [`attach`] took on
/// its source.
unsafe extern "C" fn unref_source(data: glib::ffi::gpointer, _closure: *mut gobj::GClosure) {
    // SAFETY: `data` is the source `attach` referenced for this closure,
    // and a finalize notifier runs once.
    unsafe { glib::ffi::g_source_unref(data as *mut glib::ffi::GSource) };
}

/// Attaches `src` to the default main context with `c` as its callback.
///
/// `g_source_set_closure` adds an invalidate notifier to the closure that
/// calls `g_source_destroy(src)` and is never removed, but our closure may
/// outlive the source (the OCaml handle holds a reference): its invalidation
/// would then destroy a freed source. So the closure also holds a reference
/// to its source, dropped when the closure is finalized (GLib runs
/// invalidate notifiers before finalize notifiers).
fn attach(src: *mut glib::ffi::GSource, c: *mut gobj::GClosure) -> ocaml::Int {
    // g_source_ref gives the closure's finalize notifier its reference;
    // g_source_set_closure takes its own reference to `c`; g_source_attach
    // one to `src` for the default context, so dropping ours leaves the
    // source to the main loop.
    // SAFETY: `src` is a new, unattached source we own one reference to;
    // `c` is a live closure (its handle holds a reference).
    unsafe {
        glib::ffi::g_source_ref(src);
        gobj::g_closure_add_finalize_notifier(c, src as glib::ffi::gpointer, Some(unref_source));
        g_source_set_closure(src, c);
        let id = glib::ffi::g_source_attach(src, std::ptr::null_mut());
        glib::ffi::g_source_unref(src);
        id as ocaml::Int
    }
}

/// `Gtk4.Timeout.add`: calls the closure every `ms` milliseconds while it
/// returns true.
#[ocaml::func]
#[ocaml::sig("int -> g_closure -> int")]
pub fn ml_gtk4_timeout_add(ms: ocaml::Int, callback: &ClosureHandle) -> R<ocaml::Int> {
    const F: &str = "Gtk4.Timeout.add";
    enter()?;
    let c = callback.ptr();
    let ms = u32::try_from(ms).map_err(|_| invalid(gc, F, format!("interval {ms} ms is out of range")))?;
    // SAFETY: creates a new source; no precondition.
    let src = unsafe { glib::ffi::g_timeout_source_new(ms) };
    Ok(attach(src, c))
}

/// `Gtk4.Idle.add`: calls the closure when the main loop is idle, while it
/// returns true.
#[ocaml::func]
#[ocaml::sig("g_closure -> int")]
pub fn ml_gtk4_idle_add(callback: &ClosureHandle) -> R<ocaml::Int> {
    enter()?;
    let c = callback.ptr();
    // SAFETY: creates a new source; no precondition.
    let src = unsafe { glib::ffi::g_idle_source_new() };
    Ok(attach(src, c))
}

/// `Gtk4.remove_source`: false when no such source is attached (it ran
/// out, or was removed already).
#[ocaml::func]
#[ocaml::sig("int -> bool")]
pub fn ml_gtk4_remove_source(id: ocaml::Int) -> R<bool> {
    enter()?;
    let Ok(id) = u32::try_from(id) else { return Ok(false) };
    if id == 0 {
        return Ok(false);
    }
    // SAFETY: looks a source up by id in the default context (null); `id` > 0.
    let src = unsafe { glib::ffi::g_main_context_find_source_by_id(std::ptr::null_mut(), id) };
    if src.is_null() {
        return Ok(false);
    }
    // SAFETY: `src` is attached to the default context (found just above,
    // on this thread, with nothing run in between).
    unsafe { glib::ffi::g_source_destroy(src) };
    Ok(true)
}
