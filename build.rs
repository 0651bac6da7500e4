//! 1. Compiles `src/shim.c`, the few lines of C that need OCaml's and GLib's
//!    headers (thread-local domain state, GClosure's layout).
//! 2. For Rust test and example binaries, which host the OCaml runtime
//!    themselves, compiles their OCaml side (the `gclosure` OCaml modules
//!    plus the binary's own callbacks) into one object with the runtime
//!    (`ocamlopt -output-complete-obj`) and links it into those binaries only.
//!    The static library that dune links into OCaml programs gets none of it.

use std::path::{Path, PathBuf};
use std::process::Command;

fn ocamlopt() -> String {
    std::env::var("OCAMLOPT").unwrap_or_else(|_| "ocamlopt".into())
}

fn output(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("not UTF-8").trim().to_string()
}

fn compile_shim() {
    let where_ = output(Command::new(ocamlopt()).arg("-where"));
    let glib = output(Command::new("pkg-config").args(["--cflags-only-I", "gobject-2.0"]));
    let mut build = cc::Build::new();
    for inc in glib.split_whitespace() {
        build.include(inc.trim_start_matches("-I"));
    }
    build.file("src/shim.c").include(where_).warnings(true).compile("gclosure_shim");
}

/// The OCaml modules of the library, in link order.
const LIBRARY_ML: [&str; 6] = [
    "ocaml-lib/core/gclosure_core.mli",
    "ocaml-lib/core/gclosure_core.ml",
    "ocaml-lib/gclosure.mli",
    "ocaml-lib/gclosure.ml",
    "ocaml-lib/gobject.mli",
    "ocaml-lib/gobject.ml",
];

/// Compiles the library's modules and `own` into `$OUT_DIR/<name>/<name>.o`,
/// with the OCaml runtime inside. `None` when a source is missing (dune
/// builds the crate from a copy that has only `src/`).
fn ocaml_object(name: &str, own: &[&str]) -> Option<PathBuf> {
    let sources: Vec<&str> = LIBRARY_ML.iter().chain(own).copied().collect();
    if !sources.iter().all(|s| Path::new(s).exists()) {
        return None;
    }
    let dir = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for s in &sources {
        println!("cargo:rerun-if-changed={s}");
        let dest = dir.join(Path::new(s).file_name().unwrap());
        std::fs::copy(s, &dest).unwrap();
        files.push(dest);
    }
    let obj = dir.join(format!("{name}.o"));
    output(
        Command::new(ocamlopt())
            .current_dir(&dir)
            .args(["-I", "+unix", "-I", "+threads", "unix.cmxa", "threads.cmxa", "-output-complete-obj", "-o"])
            .arg(&obj)
            .args(&files),
    );
    Some(obj)
}

fn main() {
    println!("cargo:rerun-if-changed=src/shim.c");
    println!("cargo:rerun-if-env-changed=OCAMLOPT");
    compile_shim();

    let c_libs = output(Command::new(ocamlopt()).args(["-config-var", "native_c_libraries"]));
    if let Some(obj) = ocaml_object("embed_tests", &["tests/embed/callbacks.ml"]) {
        println!("cargo:rustc-link-arg-tests={}", obj.display());
        for l in c_libs.split_whitespace() {
            println!("cargo:rustc-link-arg-tests={l}");
        }
    }
    if let Some(obj) = ocaml_object("embed_examples", &["examples/rust_counter/callbacks.ml", "examples/hello_rust/hello.ml"]) {
        println!("cargo:rustc-link-arg-examples={}", obj.display());
        for l in c_libs.split_whitespace() {
            println!("cargo:rustc-link-arg-examples={l}");
        }
    }
}
