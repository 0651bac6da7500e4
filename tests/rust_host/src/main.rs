//! A gtk4-rs app whose button runs an OCaml handler (src/handlers.ml).
//! With --scripted it clicks the button, cancels a GCancellable from a GLib
//! worker thread (another OCaml handler runs there), and quits.
use gtk4::prelude::*;
use gtk4::{gio, glib};

fn main() -> glib::ExitCode {
    // Starts OCaml: handlers.ml runs its Callback.register calls.
    let ocaml = ocaml_gclosure::Runtime::start().expect("start OCaml");
    let on_click = ocaml.closure(&ocaml.callback("on_click").unwrap()).unwrap();
    let on_cancel = ocaml.closure(&ocaml.callback("on_cancel").unwrap()).unwrap();
    let scripted = std::env::args().any(|a| a == "--scripted");

    let app = gtk4::Application::builder()
        .application_id("org.example.MyApp")
        .flags(gio::ApplicationFlags::NON_UNIQUE)
        .build();
    app.connect_activate(move |app| {
        let button = gtk4::Button::with_label("Click me");
        ocaml_gclosure::connect_closure(&button, "clicked", false, &on_click).unwrap();
        let window = gtk4::ApplicationWindow::builder().application(app).child(&button).build();
        window.present();
        if scripted {
            let cancellable = gio::Cancellable::new();
            ocaml_gclosure::connect_closure(&cancellable, "cancelled", false, &on_cancel).unwrap();
            let app = app.clone();
            glib::spawn_future_local(async move {
                button.emit_clicked(); // a real "clicked" emission
                gio::spawn_blocking(move || cancellable.cancel()).await.unwrap();
                app.quit();
            });
        }
    });
    // OCaml's domain lock is held only inside calls: a handler called on
    // any thread takes it, so the main loop runs as usual.
    let code = app.run_with_args(&[] as &[&str]);
    drop(ocaml); // the ordered shutdown: every OCaml closure invalidated
    println!("after shutdown: live={}", ocaml_gclosure::stats().live);
    code
}
