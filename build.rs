//! Compiles `src/shim.c`, the few lines of C that need the OCaml runtime's
//! headers (thread-local domain state, systhreads registration).

fn main() {
    println!("cargo:rerun-if-changed=src/shim.c");
    println!("cargo:rerun-if-env-changed=OCAMLOPT");
    let ocamlopt = std::env::var("OCAMLOPT").unwrap_or_else(|_| "ocamlopt".into());
    let out = std::process::Command::new(&ocamlopt)
        .arg("-where")
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{ocamlopt} -where` (is OCaml on PATH?): {e}"));
    let where_ = String::from_utf8(out.stdout).expect("ocamlopt -where: not UTF-8");
    cc::Build::new()
        .file("src/shim.c")
        .include(where_.trim())
        .warnings(true)
        .compile("gclosure_shim");
}
