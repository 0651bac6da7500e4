//! A gtk4-rs application whose signal handlers are OCaml functions.
//!
//! Rust builds the window; OCaml (callbacks.ml) counts clicks and mirrors
//! the entry, through closures made by ocaml-gclosure. Exits through the
//! ordered shutdown when the runtime guard is dropped.
//!
//! `cargo run --example rust_counter` opens the window; with
//! `-- --scripted N --type TEXT` it clicks N times, types TEXT, prints the
//! labels and the closure statistics, and quits (as the tests do under Xvfb).

use std::rc::Rc;


use gtk4::prelude::*;
use ocaml_gclosure::Runtime;

struct Script {
    clicks: u32,
    text: String,
}

fn parse_args() -> Option<Script> {
    let args: Vec<String> = std::env::args().collect();
    let pos = args.iter().position(|a| a == "--scripted")?;
    let clicks = args.get(pos + 1).and_then(|n| n.parse().ok()).expect("--scripted N");
    let text = args.iter().position(|a| a == "--type").map_or(String::new(), |i| args[i + 1].clone());
    Some(Script { clicks, text })
}

fn build(app: &gtk4::Application, ocaml: &Runtime, script: &Option<Rc<Script>>) -> Result<(), ocaml_gclosure::Error> {
    let count = gtk4::Label::new(Some("Clicks: 0"));
    let button = gtk4::Button::with_label("Click me");
    let entry = gtk4::Entry::new();
    let mirror = gtk4::Label::new(Some(""));
    let quit = gtk4::Button::with_label("Quit");
    let vbox = gtk4::Box::new(gtk4::Orientation::Vertical, 8);
    for w in [count.upcast_ref::<gtk4::Widget>(), button.upcast_ref(), entry.upcast_ref(), mirror.upcast_ref(), quit.upcast_ref()] {
        vbox.append(w);
    }
    let window = gtk4::ApplicationWindow::builder()
        .application(app)
        .title("ocaml-gclosure: Rust + OCaml")
        .default_width(320)
        .child(&vbox)
        .build();

    // The OCaml side: handlers connected as glib::Closures.
    ocaml.call_with_objects("counter.bind", &[count.upcast_ref(), mirror.upcast_ref()])?;
    ocaml.connect(&button, "clicked", "counter.clicked", false)?;
    ocaml.connect(&entry, "changed", "counter.changed", false)?;
    let app2 = app.clone();
    quit.connect_clicked(move |_| app2.quit());
    window.present();

    if let Some(script) = script.clone() {
        let app = app.clone();
        glib::idle_add_local_once(move || {
            for _ in 0..script.clicks {
                button.emit_clicked(); // a real "clicked" emission
            }
            entry.set_text(&script.text); // real "changed" emissions
            println!("count label: {}", count.label());
            println!("mirror label: {}", mirror.label());
            app.quit();
        });
    }
    Ok(())
}

fn main() -> glib::ExitCode {
    let script = parse_args().map(Rc::new);
    // The activate handler borrows the runtime; main takes it back to drop it.
    let ocaml = Rc::new(std::cell::RefCell::new(Some(Runtime::start().expect("start OCaml"))));
    let app = gtk4::Application::builder()
        .application_id("org.ocaml_gclosure.RustCounter")
        .flags(gtk4::gio::ApplicationFlags::NON_UNIQUE)
        .build();
    let ocaml2 = ocaml.clone();
    app.connect_activate(move |app| {
        let rt = ocaml2.borrow();
        if let Err(e) = build(app, rt.as_ref().expect("runtime"), &script) {
            eprintln!("rust_counter: {e}");
            app.quit();
        }
    });
    // OCaml's domain lock is held only inside calls (each callback takes
    // it): the main loop runs as usual.
    let code = app.run_with_args(&[] as &[&str]);
    let ocaml = ocaml.borrow_mut().take().expect("runtime");
    ocaml.flush();
    let s = ocaml.stats();
    println!("before shutdown: live={} pending={} released={} created={}", s.live, s.pending_release, s.released, s.created);
    drop(ocaml); // the ordered shutdown
    let s = ocaml_gclosure::stats();
    println!("after shutdown: live={} pending={} released={} created={}", s.live, s.pending_release, s.released, s.created);
    code
}
