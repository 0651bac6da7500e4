//! 1. Compiles `src/shim.c`, the few lines of C that need OCaml's and GLib's
//!    headers (thread-local domain state, GClosure's layout).
//! 2. For Rust test and example binaries, which host the OCaml runtime
//!    themselves, compiles their OCaml side (the `gclosure` OCaml modules
//!    plus the binary's own callbacks) into one object with the runtime
//!    (`ocamlopt -output-complete-obj`) and links it into those binaries only.
//!    The static library that dune links into OCaml programs gets none of it.
//!    This is done by `ocaml-gclosure-build` (ocaml-gclosure-build/), the
//!    helper a downstream app's build.rs calls the same way.
//! 3. Tells a downstream app's build script (through `links` metadata,
//!    DEP_OCAML_GCLOSURE_*) where the library's OCaml side is and which
//!    OCaml this crate was built with.

use ocaml_gclosure_build::{ocaml_major, ocaml_where, ocamlopt, Ocaml};
use std::path::Path;
use std::process::Command;

fn output(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("not UTF-8").trim().to_string()
}

fn compile_shim() {
    let glib = output(Command::new("pkg-config").args(["--cflags-only-I", "gobject-2.0"]));
    let mut build = cc::Build::new();
    for inc in glib.split_whitespace() {
        build.include(inc.trim_start_matches("-I"));
    }
    build.file("src/shim.c").file("src/ocaml/owners_gc.c").include(ocaml_where()).warnings(true).compile("gclosure_shim");
}

/// Links the library's OCaml side and `own` (with the runtime) into this
/// package's tests or examples, through the same helper a downstream app's
/// build.rs calls. Skipped when a source is missing (a packaged copy of the
/// crate has no tests/ or examples/).
fn embed(name: &str, own: &[&str], examples: bool) {
    if !own.iter().all(|s| Path::new(s).exists()) {
        return;
    }
    let mut ocaml = Ocaml::new();
    ocaml.name(name).library_dir("ocaml-lib");
    for f in own {
        ocaml.file(f);
    }
    if examples {
        ocaml.link_examples()
    } else {
        ocaml.link_tests()
    }
}

/// A documentation build (the `without-ocamlopt` feature, as docs.rs
/// builds the crate): no OCaml is looked for, nothing is compiled or
/// linked. `src/lib.rs`'s check that ocaml-sys saw the same OCaml compares
/// two empty paths (ocaml-sys's `PATH` is empty under that feature).
fn documentation_only() {
    println!("cargo:rustc-env=OCAML_GCLOSURE_OCAML_WHERE=");
    println!("cargo::rustc-check-cfg=cfg(ocaml5)");
    println!("cargo:rustc-cfg=ocaml5");
}

fn main() {
    if std::env::var_os("CARGO_FEATURE_WITHOUT_OCAMLOPT").is_some() {
        return documentation_only();
    }
    if std::env::var_os("CARGO_FEATURE_BOXROOT").is_none() {
        println!(
            "cargo:warning=ocaml-gclosure: the `boxroot` feature is off (default-features = false): \
             add it back, e.g. ocaml-gclosure = {{ ..., default-features = false, features = [\"boxroot\"] }}"
        );
        std::process::exit(1);
    }
    println!("cargo:rerun-if-changed=src/shim.c");
    println!("cargo:rerun-if-changed=src/ocaml/owners_gc.c");
    // The variables that ocaml-sys's and ocaml-boxroot-sys's build scripts
    // rerun on, plus ours. OCAMLOPT alone cannot say that the OCaml changed:
    // .cargo/config.toml sets it to a wrapper whose path never changes, so
    // scripts/setup.sh and ocaml-lib/core/build_rust.sh export
    // OCAML_WHERE_PATH for the OCaml in use.
    ocaml_gclosure_build::rerun_on_ocaml_change();
    // src/lib.rs checks that ocaml-sys was built for this same OCaml.
    // (OCAML_WHERE_PATH first, as they read it.)
    let where_ = ocaml_where();
    println!("cargo:rustc-env=OCAML_GCLOSURE_OCAML_WHERE={where_}");
    compile_shim();
    // `ocaml5`: the runtime has domains (src/core/lock.rs reads its counter).
    println!("cargo::rustc-check-cfg=cfg(ocaml5)");
    if ocaml_major() >= 5 {
        println!("cargo:rustc-cfg=ocaml5");
    }

    // For a downstream app's build.rs (ocaml_gclosure_build::Ocaml), as
    // DEP_OCAML_GCLOSURE_OCAML_LIB and _OCAMLOPT: where the library's OCaml
    // side is, and the OCaml this crate was built with.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    println!("cargo:ocaml_lib={}", Path::new(&manifest).join("ocaml-lib").display());
    println!("cargo:ocamlopt={}", ocamlopt());

    embed("embed_tests", &["tests/embed/callbacks.ml"], false);
    embed("embed_examples", &["examples/rust_counter/callbacks.ml", "examples/hello_rust/hello.ml"], true);
}
