//! Compiles `src/shim.c`, the few lines of C that need the OCaml runtime's
//! and GLib's headers (thread-local domain state, GClosure's layout).

fn main() {
    println!("cargo:rerun-if-changed=src/shim.c");
    println!("cargo:rerun-if-env-changed=OCAMLOPT");
    let ocamlopt = std::env::var("OCAMLOPT").unwrap_or_else(|_| "ocamlopt".into());
    let out = std::process::Command::new(&ocamlopt)
        .arg("-where")
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{ocamlopt} -where` (is OCaml on PATH?): {e}"));
    let where_ = String::from_utf8(out.stdout).expect("ocamlopt -where: not UTF-8");
    let glib = std::process::Command::new("pkg-config")
        .args(["--cflags-only-I", "gobject-2.0"])
        .output()
        .expect("cannot run pkg-config (install pkg-config and libglib2.0-dev)");
    let mut build = cc::Build::new();
    for inc in String::from_utf8(glib.stdout).expect("pkg-config: not UTF-8").split_whitespace() {
        build.include(inc.trim_start_matches("-I"));
    }
    build
        .file("src/shim.c")
        .include(where_.trim())
        .warnings(true)
        .compile("gclosure_shim");
}
