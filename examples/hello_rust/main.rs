use gtk4::gio::prelude::*;

fn main() -> Result<(), ocaml_gclosure::Error> {
    let ocaml = ocaml_gclosure::Runtime::start()?; // runs hello.ml's Callback.register
    let obj = gtk4::gio::Cancellable::new();
    ocaml.connect(&obj, "cancelled", "hello", false)?; // an OCaml handler as a glib::Closure
    obj.cancel(); // emits "cancelled": prints "hello from OCaml (1 argument)"
    Ok(()) // dropping `ocaml` runs the ordered shutdown
}
