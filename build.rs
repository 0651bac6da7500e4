//! 1. Compiles `src/shim.c`, the few lines of C that need OCaml's and GLib's
//!    headers (thread-local domain state, GClosure's layout).
//! 2. For Rust test and example binaries, which host the OCaml runtime
//!    themselves, compiles their OCaml side (the `gclosure` OCaml modules
//!    plus the binary's own callbacks) into one object with the runtime
//!    (`ocamlopt -output-complete-obj`) and links it into those binaries only.
//!    The static library that dune links into OCaml programs gets none of it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The OCaml native compiler: `OCAMLOPT` (which .cargo/config.toml points
/// at scripts/ocamlopt when unset), else `ocamlopt` on PATH, else the newest
/// OCaml that scripts/setup.sh built into its cache folder. Without any, the
/// build stops with one line saying how to get one.
fn ocamlopt() -> String {
    static FOUND: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    FOUND.get_or_init(find_ocamlopt).clone()
}

fn find_ocamlopt() -> String {
    let answers = |c: &str| {
        Command::new(c).arg("-version").output().map(|o| o.status.success()).unwrap_or(false)
    };
    let mut candidates: Vec<String> = std::env::var("OCAMLOPT").into_iter().collect();
    candidates.push("ocamlopt".into());
    let cache = std::env::var_os("OCAML_GCLOSURE_CACHE").map(PathBuf::from).or_else(|| {
        let xdg = std::env::var_os("XDG_CACHE_HOME").map(PathBuf::from);
        xdg.or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .map(|c| c.join("ocaml-gclosure"))
    });
    if let Some(cache) = &cache {
        for v in ["5.4.1", "5.3.0", "4.14.0"] {
            let prefix = cache.join(format!("ocaml-{v}"));
            if prefix.join(".complete").exists() {
                candidates.push(prefix.join("bin/ocamlopt").display().to_string());
            }
        }
    }
    if let Some(found) = candidates.into_iter().find(|c| answers(c)) {
        return found;
    }
    println!(
        "cargo:warning=no OCaml compiler found (OCAMLOPT, ocamlopt on PATH, or {}): \
         run ./scripts/setup.sh to build OCaml 5.4.1 into that cache, or use an opam switch (4.14 or 5.x)",
        cache.map_or("the setup cache".into(), |c| c.display().to_string())
    );
    std::process::exit(1);
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
    build.file("src/shim.c").file("src/owners_gc.c").include(where_).warnings(true).compile("gclosure_shim");
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
    let mut cmd = Command::new(ocamlopt());
    cmd.current_dir(&dir).args(["-I", "+unix", "-I", "+threads", "unix.cmxa", "threads.cmxa"]);
    if ocaml_major() < 5 {
        // OCaml 4.14 makes the complete object with `ld -r`, which searches
        // no system library folder, and threads.cmxa asks for -lpthread:
        // "ld: cannot find -lpthread". So the libraries the two .cmxa name
        // are given by hand, minus -lpthread, which the final link gets.
        cmd.args(["-noautolink", "-cclib", "-lthreadsnat", "-cclib", "-lunix"]);
    }
    output(cmd.args(["-output-complete-obj", "-o"]).arg(&obj).args(&files));
    Some(obj)
}

/// The major version of the OCaml in use (4 or 5).
fn ocaml_major() -> u32 {
    let v = output(Command::new(ocamlopt()).arg("-version"));
    v.split('.').next().and_then(|m| m.parse().ok()).unwrap_or(5)
}

fn main() {
    println!("cargo:rerun-if-changed=src/shim.c");
    println!("cargo:rerun-if-changed=src/owners_gc.c");
    // The variables that ocaml-sys's and ocaml-boxroot-sys's build scripts
    // rerun on, plus ours. OCAMLOPT alone cannot say that the OCaml changed:
    // .cargo/config.toml sets it to a wrapper whose path never changes, so
    // scripts/setup.sh and ocaml-lib/core/build_rust.sh export
    // OCAML_WHERE_PATH for the OCaml in use.
    for var in ["OCAMLOPT", "OCAML_WHERE_PATH", "OCAML_VERSION", "OPAM_SWITCH_PREFIX", "OCAML_GCLOSURE_CACHE"] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    // src/lib.rs checks that ocaml-sys was built for this same OCaml.
    // (OCAML_WHERE_PATH first, as they read it.)
    let where_ = std::env::var("OCAML_WHERE_PATH").unwrap_or_else(|_| output(Command::new(ocamlopt()).arg("-where")));
    println!("cargo:rustc-env=OCAML_GCLOSURE_OCAML_WHERE={where_}");
    compile_shim();
    // `ocaml5`: the runtime has domains (src/lock.rs reads its counter).
    println!("cargo::rustc-check-cfg=cfg(ocaml5)");
    if ocaml_major() >= 5 {
        println!("cargo:rustc-cfg=ocaml5");
    }

    let mut c_libs = output(Command::new(ocamlopt()).args(["-config-var", "native_c_libraries"]));
    if ocaml_major() < 5 {
        c_libs.push_str(" -lpthread"); // see ocaml_object
    }
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
