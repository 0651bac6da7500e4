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

use crate::ocaml::boundary::{invalid, Bytes, OString, Res, Text};
use crate::ocaml::boundary::externals;
use crate::ocaml::handles::{ClosureRef, ObjRef};

/// Refuses GTK calls before `Gtk4.init` (or the application's startup),
/// and from any thread but the one GTK was initialised on.
fn gtk_ready(func: &str) -> Res<()> {
    if gtk::is_initialized_main_thread() {
        return Ok(());
    }
    if gtk::is_initialized() {
        return Err(invalid(func, "GTK may only be used from the thread that initialised it"));
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
        func,
        "GTK is not initialised: call Gtk4.init () first, or make widgets in the application's \"activate\" handler",
    ))
}

/// The object as a `T`, or `Invalid_argument` naming both classes.
fn object<T: IsA<glib::Object>>(func: &str, o: ObjRef) -> Res<T> {
    // SAFETY: `o` holds a reference; from_glib_none takes one more for the
    // returned value, and `o`'s is dropped.
    let o: glib::Object = unsafe { glib::Object::from_glib_none(o.ptr()) };
    o.downcast::<T>()
        .map_err(|o| invalid(func, format!("expected a {}, got a {}", T::static_type().name(), o.type_().name())))
}

/// As [`object`], for a widget: GTK must be ready first.
fn widget<T: IsA<glib::Object>>(func: &str, o: ObjRef) -> Res<T> {
    gtk_ready(func)?;
    object(func, o)
}

/// A reference to `o` for OCaml (its own reference; a floating one is sunk).
fn to_ocaml<T: ObjectType>(o: T) -> Res<ObjRef> {
    // SAFETY: `o` keeps the object alive during the call; from_none takes
    // the handle's own reference before `o` is dropped.
    Ok(unsafe { ObjRef::from_none(o.as_ptr() as *mut gobj::GObject) }.expect("a live object"))
}

/// A widget that may be given `parent` as its parent: not a toplevel, not
/// parented yet, and neither `parent` itself nor one of its ancestors (GTK
/// would loop forever on the cycle).
fn orphan(func: &str, child: ObjRef, parent: &gtk::Widget) -> Res<gtk::Widget> {
    let c: gtk::Widget = widget(func, child)?;
    if c.is::<gtk::Root>() {
        return Err(invalid(func, format!("a {} is a toplevel and cannot be a child", c.type_().name())));
    }
    if let Some(p) = c.parent() {
        return Err(invalid(func, format!("this {} already has a parent (a {})", c.type_().name(), p.type_().name())));
    }
    if &c == parent || parent.is_ancestor(&c) {
        return Err(invalid(func, format!(
            "this {} is the {} or one of its ancestors: it would make a cycle in the widget tree",
            c.type_().name(),
            parent.type_().name()
        )));
    }
    Ok(c)
}

/// Converts an OCaml int to an `i32` parameter, or says which is too large.
fn int32(func: &str, what: &str, i: isize) -> Res<i32> {
    i32::try_from(i).map_err(|_| invalid(func, format!("{what} {i} is out of range")))
}

// ---- initialisation -------------------------------------------------------

externals! {
    /// `Gtk4.init`: true when GTK is (now) initialised on this thread, false
    /// when no display could be opened (the OCaml side raises `Failure`).
    fn ml_gtk4_init("Gtk4.init") () -> bool {
        if gtk::is_initialized_main_thread() {
            return Ok(true);
        }
        if gtk::is_initialized() {
            return Err(invalid(F, "GTK was already initialised by another thread"));
        }
        let ok = gtk::init().is_ok();
        // Destroyed windows are disposed (src/toplevels.rs): watch from now.
        crate::gtk::toplevels::notice();
        Ok(ok)
    }
}

externals! {
    /// `Gtk4.is_initialized`.
    fn ml_gtk4_is_initialized("Gtk4.is_initialized") () -> bool {
        Ok(gtk::is_initialized_main_thread())
    }
}

// ---- Application ------------------------------------------------------------

externals! {
    /// `Gtk4.Application.create ~id ~unique`: a GtkApplication (GTK is
    /// initialised at its startup if `Gtk4.init` was not called).
    fn ml_gtk4_application_create("Gtk4.Application.create") (id: Text, unique: bool) -> ObjRef {
        if !gtk::gio::Application::id_is_valid(&id) {
            return Err(invalid(
                F,
                format!("{id:?} is not a valid application id (like \"org.example.App\": two or more dot-separated elements of [A-Za-z0-9_-])"),
            ));
        }
        if gtk::is_initialized() && !gtk::is_initialized_main_thread() {
            return Err(invalid(F, "GTK may only be used from the thread that initialised it"));
        }
        let flags = if unique { gtk::gio::ApplicationFlags::empty() } else { gtk::gio::ApplicationFlags::NON_UNIQUE };
        to_ocaml(gtk::Application::new(Some(&*id), flags))
    }
}

thread_local! {
    static RUNNING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

externals! {
    /// `Gtk4.Application.run app argv`: runs the main loop until the
    /// application quits; returns its exit status. The domain lock is released
    /// while the loop waits: each callback takes it back for its call, so other
    /// OCaml threads run meanwhile and GLib threads can call OCaml callbacks.
    fn ml_gtk4_application_run("Gtk4.Application.run") (app: ObjRef, argv: Vec<Bytes>) -> isize {
        let a: gtk::Application = object(F, app)?;
        if gtk::is_initialized() && !gtk::is_initialized_main_thread() {
            return Err(invalid(F, "GTK may only be used from the thread that initialised it"));
        }
        if RUNNING.with(|r| r.replace(true)) {
            return Err(invalid(F, "an application is already running on this thread (nested run)"));
        }
        let args = argv; // copied and checked for NUL bytes at entry
        let mut ptrs: Vec<*mut std::ffi::c_char> = args.iter().map(|s| s.0.as_ptr() as *mut _).collect();
        ptrs.push(std::ptr::null_mut());
        // `a` holds a reference for the whole run, so the application outlives
        // it even if OCaml drops its handle meanwhile; GLib copies what it keeps.
        // SAFETY: live application (above); `ptrs` is a NULL-terminated array of
        // `args.len()` C strings that live until the call returns.
        // Not inside the library while the loop runs (its callbacks enter
        // by themselves), the domain lock given up; coming back parks this
        // thread if the exit began.
        // SAFETY (of the release): domain lock held (an external); no OCaml
        // value is held across the run (the arguments were copied), and the
        // loop uses no token (its callbacks make their own).
        let app = a.upcast_ref::<gtk::gio::Application>().to_glib_none().0;
        let status = unsafe { crate::core::lifecycle::without_lock(|| gtk::gio::ffi::g_application_run(app, args.len() as i32, ptrs.as_mut_ptr())) };
        RUNNING.with(|r| r.set(false));
        drop(a);
        Ok(status as isize)
    }
}

externals! {
    /// `Gtk4.Application.quit`.
    fn ml_gtk4_application_quit("Gtk4.Application.quit") (app: ObjRef) -> () {
        let a: gtk::Application = object(F, app)?;
        a.quit();
        Ok(())
    }
}

// ---- Window -------------------------------------------------------------

externals! {
    /// `Gtk4.Window.create app`: a GtkApplicationWindow of `app`.
    fn ml_gtk4_window_create("Gtk4.Window.create") (app: ObjRef) -> ObjRef {
        let a: gtk::Application = object(F, app)?;
        gtk_ready(F)?;
        // Destroyed windows are disposed (src/toplevels.rs): watch from the first.
        crate::gtk::toplevels::notice();
        if !a.is_registered() {
            return Err(invalid(
                F,
                "the application has not started yet: make its windows in its \"activate\" handler (during Gtk4.Application.run)",
            ));
        }
        to_ocaml(gtk::ApplicationWindow::new(&a))
    }
}

externals! {
    /// `Gtk4.Window.set_title`.
    fn ml_gtk4_window_set_title("Gtk4.Window.set_title") (w: ObjRef, title: Text) -> () {
        let w: gtk::Window = widget(F, w)?;
        w.set_title(Some(&title));
        Ok(())
    }
}

externals! {
    /// `Gtk4.Window.get_title`.
    fn ml_gtk4_window_get_title("Gtk4.Window.get_title") (w: ObjRef) -> OString {
        let w: gtk::Window = widget(F, w)?;
        Ok(w.title().map(|t| t.to_string()).unwrap_or_default().into())
    }
}

externals! {
    /// `Gtk4.Window.set_default_size`.
    fn ml_gtk4_window_set_default_size("Gtk4.Window.set_default_size") (w: ObjRef, width: isize, height: isize) -> () {
        let w: gtk::Window = widget(F, w)?;
        let (width, height) = (int32(F, "width", width)?, int32(F, "height", height)?);
        if width < -1 || height < -1 {
            return Err(invalid(F, format!("size {width}x{height}: each must be -1 (unset) or more")));
        }
        w.set_default_size(width, height);
        Ok(())
    }
}

externals! {
    /// `Gtk4.Window.set_child`.
    fn ml_gtk4_window_set_child("Gtk4.Window.set_child") (w: ObjRef, child: ObjRef) -> () {
        let w: gtk::Window = widget(F, w)?;
        let c = orphan(F, child, w.upcast_ref())?;
        w.set_child(Some(&c));
        Ok(())
    }
}

externals! {
    /// `Gtk4.Window.present`.
    fn ml_gtk4_window_present("Gtk4.Window.present") (w: ObjRef) -> () {
        let w: gtk::Window = widget(F, w)?;
        w.present();
        Ok(())
    }
}

externals! {
    /// `Gtk4.Window.destroy`: hides the window and drops GTK's reference to
    /// it; the application quits when its last window goes. The next full
    /// safe point disposes it (`toplevels`).
    fn ml_gtk4_window_destroy("Gtk4.Window.destroy") (w: ObjRef) -> () {
        let w: gtk::Window = widget(F, w)?;
        w.destroy();
        Ok(())
    }
}

// ---- Widget -------------------------------------------------------------

externals! {
    /// `Gtk4.Widget.is_mapped`.
    fn ml_gtk4_widget_is_mapped("Gtk4.Widget.is_mapped") (w: ObjRef) -> bool {
        let w: gtk::Widget = widget(F, w)?;
        Ok(w.is_mapped())
    }
}

externals! {
    /// `Gtk4.Widget.queue_draw`: asks for a new frame that redraws the widget.
    fn ml_gtk4_widget_queue_draw("Gtk4.Widget.queue_draw") (w: ObjRef) -> () {
        let w: gtk::Widget = widget(F, w)?;
        w.queue_draw();
        Ok(())
    }
}

externals! {
    /// `Gtk4.Widget.set_margin`: the same margin on all four sides.
    fn ml_gtk4_widget_set_margin("Gtk4.Widget.set_margin") (w: ObjRef, m: isize) -> () {
        let w: gtk::Widget = widget(F, w)?;
        let m = int32(F, "margin", m)?;
        if !(0..=i16::MAX as i32).contains(&m) {
            return Err(invalid(F, format!("margin {m} is out of range 0..{}", i16::MAX)));
        }
        w.set_margin_top(m);
        w.set_margin_bottom(m);
        w.set_margin_start(m);
        w.set_margin_end(m);
        Ok(())
    }
}

externals! {
    /// `Gtk4.Widget.root`: the window the widget is in, if any.
    fn ml_gtk4_widget_root("Gtk4.Widget.root") (w: ObjRef) -> Option<ObjRef> {
        let w: gtk::Widget = widget(F, w)?;
        w.root().and_then(|r| r.downcast::<gtk::Window>().ok()).map(to_ocaml).transpose()
    }
}

externals! {
    /// `Gtk4.Widget.frame_clock`: the GdkFrameClock of a realized widget.
    fn ml_gtk4_widget_frame_clock("Gtk4.Widget.frame_clock") (w: ObjRef) -> Option<ObjRef> {
        let w: gtk::Widget = widget(F, w)?;
        w.frame_clock().map(to_ocaml).transpose()
    }
}

externals! {
    /// `Gtk4.Widget.screenshot w file`: renders the mapped widget (with its
    /// children) through its window's own GSK renderer, the way it is drawn
    /// on screen, and saves the image as a PNG file. The file name is copied
    /// at entry: rendering runs GTK code before it is used.
    fn ml_gtk4_widget_screenshot("Gtk4.Widget.screenshot") (w: ObjRef, file: Bytes) -> () {
        let w: gtk::Widget = widget(F, w)?;
        if !w.is_mapped() {
            return Err(invalid(F, format!("the {} is not mapped yet: present its window and wait until it is drawn", w.type_().name())));
        }
        let (width, height) = (w.width(), w.height());
        if width <= 0 || height <= 0 {
            return Err(invalid(F, format!("the {} has no size yet ({width}x{height})", w.type_().name())));
        }
        let renderer = w
            .native()
            .and_then(|n| n.renderer())
            .ok_or_else(|| invalid(F, "the widget's window has no renderer (not realized)"))?;
        let paintable = gtk::WidgetPaintable::new(Some(&w));
        let snapshot = gtk::Snapshot::new();
        gtk::gdk::prelude::PaintableExt::snapshot(&paintable, &snapshot, width as f64, height as f64);
        let node = snapshot.to_node().ok_or_else(|| invalid(F, "the widget drew nothing"))?;
        let viewport = gtk::graphene::Rect::new(0.0, 0.0, width as f32, height as f32);
        let texture = gtk::gsk::prelude::GskRendererExt::render_texture(&renderer, &node, Some(&viewport));
        paintable.set_widget(None::<&gtk::Widget>);
        // A file name is bytes (any encoding), as OCaml's own file functions take it.
        let path = std::path::Path::new(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(file.0.as_bytes()));
        gtk::gdk::prelude::TextureExt::save_to_png(&texture, path)
            .map_err(|e| invalid(F, format!("cannot write {:?}: {e}", path)))
    }
}

// ---- Box ------------------------------------------------------------------

externals! {
    /// `Gtk4.Box.create orientation spacing` (orientation 0 horizontal, 1 vertical).
    fn ml_gtk4_box_create("Gtk4.Box.create") (orientation: isize, spacing: isize) -> ObjRef {
        gtk_ready(F)?;
        let o = match orientation {
            0 => gtk::Orientation::Horizontal,
            1 => gtk::Orientation::Vertical,
            _ => return Err(invalid(F, format!("orientation {orientation}"))),
        };
        let spacing = int32(F, "spacing", spacing)?;
        if spacing < 0 {
            return Err(invalid(F, format!("spacing {spacing} is negative")));
        }
        to_ocaml(gtk::Box::new(o, spacing))
    }
}

externals! {
    /// `Gtk4.Box.append`.
    fn ml_gtk4_box_append("Gtk4.Box.append") (b: ObjRef, child: ObjRef) -> () {
        let b: gtk::Box = widget(F, b)?;
        let c = orphan(F, child, b.upcast_ref())?;
        b.append(&c);
        Ok(())
    }
}

// ---- Button ---------------------------------------------------------------

externals! {
    /// `Gtk4.Button.create label`.
    fn ml_gtk4_button_create("Gtk4.Button.create") (label: Option<Text>) -> ObjRef {
        gtk_ready(F)?;
        let b = match label {
            Some(l) => gtk::Button::with_label(&l),
            None => gtk::Button::new(),
        };
        to_ocaml(b)
    }
}

externals! {
    /// `Gtk4.Button.set_label`.
    fn ml_gtk4_button_set_label("Gtk4.Button.set_label") (b: ObjRef, label: Text) -> () {
        let b: gtk::Button = widget(F, b)?;
        b.set_label(&label);
        Ok(())
    }
}

externals! {
    /// `Gtk4.Button.get_label` (`""` for a button without a text label).
    fn ml_gtk4_button_get_label("Gtk4.Button.get_label") (b: ObjRef) -> OString {
        let b: gtk::Button = widget(F, b)?;
        Ok(b.label().map(|l| l.to_string()).unwrap_or_default().into())
    }
}

// ---- Label ----------------------------------------------------------------

externals! {
    /// `Gtk4.Label.create text`.
    fn ml_gtk4_label_create("Gtk4.Label.create") (text: Text) -> ObjRef {
        gtk_ready(F)?;
        to_ocaml(gtk::Label::new(Some(&text)))
    }
}

externals! {
    /// `Gtk4.Label.set_text`.
    fn ml_gtk4_label_set_text("Gtk4.Label.set_text") (l: ObjRef, text: Text) -> () {
        let l: gtk::Label = widget(F, l)?;
        l.set_text(&text);
        Ok(())
    }
}

externals! {
    /// `Gtk4.Label.get_text`.
    fn ml_gtk4_label_get_text("Gtk4.Label.get_text") (l: ObjRef) -> OString {
        let l: gtk::Label = widget(F, l)?;
        Ok(l.text().to_string().into())
    }
}

// ---- Entry ----------------------------------------------------------------

externals! {
    /// `Gtk4.Entry.create placeholder`.
    fn ml_gtk4_entry_create("Gtk4.Entry.create") (placeholder: Option<Text>) -> ObjRef {
        gtk_ready(F)?;
        let e = gtk::Entry::new();
        if let Some(p) = placeholder {
            e.set_placeholder_text(Some(&p));
        }
        to_ocaml(e)
    }
}

externals! {
    /// `Gtk4.Entry.get_text`.
    fn ml_gtk4_entry_get_text("Gtk4.Entry.get_text") (e: ObjRef) -> OString {
        let e: gtk::Entry = widget(F, e)?;
        Ok(e.text().to_string().into())
    }
}

externals! {
    /// `Gtk4.Entry.set_text` (emits "changed").
    fn ml_gtk4_entry_set_text("Gtk4.Entry.set_text") (e: ObjRef, text: Text) -> () {
        let e: gtk::Entry = widget(F, e)?;
        e.set_text(&text);
        Ok(())
    }
}

externals! {
    /// `Gtk4.Entry.insert_text e text pos`: inserts at character position
    /// `pos` (-1: the end), as typing does (emits "changed"); returns the
    /// position after the inserted text.
    fn ml_gtk4_entry_insert_text("Gtk4.Entry.insert_text") (e: ObjRef, text: Text, pos: isize) -> isize {
        let e: gtk::Entry = widget(F, e)?;
        let len = e.text().chars().count() as i64;
        let mut p = if pos == -1 { len as i32 } else { int32(F, "position", pos)? };
        if p < 0 || p as i64 > len {
            return Err(invalid(F, format!("position {pos} is outside the text (0..{len}, or -1 for the end)")));
        }
        e.insert_text(&text, &mut p);
        Ok(p as isize)
    }
}

externals! {
    /// `Gtk4.Entry.set_position` (-1: the end).
    fn ml_gtk4_entry_set_position("Gtk4.Entry.set_position") (e: ObjRef, pos: isize) -> () {
        let e: gtk::Entry = widget(F, e)?;
        e.set_position(int32(F, "position", pos)?);
        Ok(())
    }
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

/// `Gtk4.source_id`: one reference to a GLib source. Holding the source
/// itself, not its number, keeps `remove_source` from destroying another
/// source that got the same number once this one was gone.
pub struct SourceHandle {
    ptr: *mut glib::ffi::GSource,
}

impl crate::ocaml::handles::Holds for SourceHandle {
    fn take_release(&mut self) -> Option<crate::ocaml::release::Deferred> {
        crate::ocaml::handles::take_ptr(&mut self.ptr).map(crate::ocaml::release::Deferred::Source)
    }
}

ocaml::custom!(SourceHandle { finalize: crate::ocaml::handles::finalize_handle::<SourceHandle> });

/// A source referenced for OCaml.
pub struct SourceRef(*mut glib::ffi::GSource);

impl Drop for SourceRef {
    fn drop(&mut self) {
        // SAFETY: we own this reference; dropping it runs no OCaml code (the
        // source's closure is ours, whose notifiers only queue).
        unsafe { glib::ffi::g_source_unref(self.0) }
    }
}

impl crate::ocaml::boundary::Arg for SourceRef {
    unsafe fn read(v: crate::ocaml::boundary::Val, _: &'static str, _: &'static str) -> Res<Self> {
        // SAFETY: `v` is a SourceHandle block, which holds a reference.
        unsafe {
            let p = (*crate::ocaml::handles::block_data::<SourceHandle>(v)).ptr;
            glib::ffi::g_source_ref(p);
            Ok(SourceRef(p))
        }
    }
}

impl crate::ocaml::boundary::Ret for SourceRef {
    unsafe fn into_ocaml(self) -> Res<crate::ocaml::boundary::Val> {
        let ptr = self.0;
        std::mem::forget(self);
        // SAFETY: domain lock held (precondition); the block takes the reference.
        Ok(unsafe { crate::ocaml::handles::custom_block(SourceHandle { ptr }) })
    }
}

/// Attaches `src` to the default main context with `c` as its callback,
/// and returns a reference to it for OCaml.
///
/// `g_source_set_closure` adds an invalidate notifier to the closure that
/// calls `g_source_destroy(src)` and is never removed, but our closure may
/// outlive the source (the OCaml handle holds a reference): its invalidation
/// would then destroy a freed source. So the closure also holds a reference
/// to its source, dropped when the closure is finalized (GLib runs
/// invalidate notifiers before finalize notifiers).
fn attach(src: *mut glib::ffi::GSource, c: *mut gobj::GClosure) -> SourceRef {
    // g_source_ref gives the closure's finalize notifier its reference;
    // g_source_set_closure takes its own reference to `c`; g_source_attach
    // one to `src` for the default context; the one `src` came with is
    // OCaml's.
    // SAFETY: `src` is a new, unattached source we own one reference to;
    // `c` is a live closure (referenced by the caller).
    unsafe {
        glib::ffi::g_source_ref(src);
        gobj::g_closure_add_finalize_notifier(c, src as glib::ffi::gpointer, Some(unref_source));
        g_source_set_closure(src, c);
        glib::ffi::g_source_attach(src, std::ptr::null_mut());
        SourceRef(src)
    }
}

externals! {
    /// `Gtk4.Timeout.add`: calls the closure every `ms` milliseconds while it
    /// returns true.
    fn ml_gtk4_timeout_add("Gtk4.Timeout.add") (ms: isize, callback: ClosureRef) -> SourceRef {
        let ms = u32::try_from(ms).map_err(|_| invalid(F, format!("interval {ms} ms is out of range")))?;
        // SAFETY: creates a new source; no precondition.
        let src = unsafe { glib::ffi::g_timeout_source_new(ms) };
        Ok(attach(src, callback.ptr()))
    }

    /// `Gtk4.Idle.add`: calls the closure when the main loop is idle, while
    /// it returns true.
    fn ml_gtk4_idle_add("Gtk4.Idle.add") (callback: ClosureRef) -> SourceRef {
        // SAFETY: creates a new source; no precondition.
        let src = unsafe { glib::ffi::g_idle_source_new() };
        Ok(attach(src, callback.ptr()))
    }

    /// `Gtk4.remove_source`: false when the source is gone already (it ran
    /// out, or was removed).
    fn ml_gtk4_remove_source("Gtk4.remove_source") (src: SourceRef) -> bool {
        // SAFETY: `src` is referenced: its memory is valid whether or not
        // it is still attached.
        unsafe {
            if glib::ffi::g_source_is_destroyed(src.0) != 0 {
                return Ok(false);
            }
            glib::ffi::g_source_destroy(src.0);
        }
        Ok(true)
    }
}
