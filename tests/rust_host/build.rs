fn main() {
    // src/handlers.ml, with ocaml-gclosure's OCaml side and the OCaml
    // runtime, compiled into one object and linked into the app.
    ocaml_gclosure_build::Ocaml::new().file("src/handlers.ml").link();
}
