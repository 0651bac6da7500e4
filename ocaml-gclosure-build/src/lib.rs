//! The build-side half of `ocaml-gclosure` for a Rust program that hosts the
//! OCaml runtime (a gtk4-rs app with OCaml handlers). Called from the app's
//! `build.rs`:
//!
//! ```no_run
//! ocaml_gclosure_build::Ocaml::new().file("src/handlers.ml").link();
//! ```
//!
//! It finds an OCaml (see [`ocamlopt`]), compiles the library's OCaml side
//! (`Gclosure`, `Gobject`) and the app's `.ml` files into one object with
//! the OCaml runtime inside (`ocamlopt -output-complete-obj`), and links it
//! into the package's binaries. Cargo reruns the build script when one of
//! those files changes, or when the OCaml does.
//!
//! `ocaml-sys` and `ocaml-boxroot-sys`, which `ocaml-gclosure` depends on,
//! run `ocamlopt` from their own build scripts, which no build-dependency
//! can reach: the project's `.cargo/config.toml` gives them the same OCaml
//! (`OCAMLOPT`, `OCAML_WHERE_PATH` in its `[env]` table), written by
//! `scripts/setup.sh --cargo-config PROJECT_DIR` from the ocaml-gclosure
//! repository.

#![warn(missing_docs)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The library's OCaml modules, in link order, relative to its `ocaml-lib`
/// folder.
pub const LIBRARY_ML: [&str; 6] = [
    "core/gclosure_core.mli",
    "core/gclosure_core.ml",
    "gclosure.mli",
    "gclosure.ml",
    "gobject.mli",
    "gobject.ml",
];

/// The environment variables whose change means another OCaml.
const OCAML_VARS: [&str; 5] = ["OCAMLOPT", "OCAML_WHERE_PATH", "OCAML_VERSION", "OPAM_SWITCH_PREFIX", "OCAML_GCLOSURE_CACHE"];

/// The OCaml versions that `scripts/setup.sh` can cache, newest first.
const CACHED_VERSIONS: [&str; 3] = ["5.4.1", "5.3.0", "4.14.0"];

/// Which of the package's binaries get the OCaml object.
#[derive(Clone, Copy)]
enum Scope {
    All,
    Tests,
    Examples,
}

/// A set of OCaml source files to compile, with the library's OCaml side and
/// the OCaml runtime, into one object linked into the package's binaries.
#[derive(Clone, Debug)]
pub struct Ocaml {
    name: String,
    files: Vec<PathBuf>,
    library_dir: Option<PathBuf>,
}

impl Default for Ocaml {
    fn default() -> Self {
        Self::new()
    }
}

impl Ocaml {
    /// No file yet; the object is named `ocaml_gclosure_embed`, and the
    /// library's OCaml side is the one of the `ocaml-gclosure` this package
    /// depends on (which its build script announces to ours).
    pub fn new() -> Self {
        Ocaml { name: "ocaml_gclosure_embed".into(), files: Vec::new(), library_dir: None }
    }

    /// Adds an `.ml` (or `.mli`) file, relative to the package's root. Files
    /// are compiled in the order given, after the library's modules, so each
    /// may use `Gobject`, `Gclosure` and the files before it.
    pub fn file(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.files.push(path.as_ref().to_path_buf());
        self
    }

    /// Names the object (and its folder under `OUT_DIR`): a build script that
    /// makes several objects gives each its own name.
    pub fn name(&mut self, name: &str) -> &mut Self {
        self.name = name.to_string();
        self
    }

    /// The folder holding the library's OCaml side (`ocaml-lib` of the
    /// ocaml-gclosure sources), for a build script that does not depend on
    /// the crate (the crate's own).
    pub fn library_dir(&mut self, dir: impl AsRef<Path>) -> &mut Self {
        self.library_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Compiles and links the object into every binary of the package
    /// (`cargo:rustc-link-arg`): its programs, tests and examples.
    pub fn link(&self) {
        self.link_into(Scope::All)
    }

    /// Compiles and links the object into the package's tests only.
    pub fn link_tests(&self) {
        self.link_into(Scope::Tests)
    }

    /// Compiles and links the object into the package's examples only.
    pub fn link_examples(&self) {
        self.link_into(Scope::Examples)
    }

    fn link_into(&self, scope: Scope) {
        let obj = self.compile();
        let key = match scope {
            Scope::All => "rustc-link-arg",
            Scope::Tests => "rustc-link-arg-tests",
            Scope::Examples => "rustc-link-arg-examples",
        };
        println!("cargo:{key}={}", obj.display());
        for lib in c_libraries().split_whitespace() {
            println!("cargo:{key}={lib}");
        }
    }

    /// Compiles the library's modules and the files into
    /// `$OUT_DIR/<name>/<name>.o`, the OCaml runtime inside, and returns its
    /// path. Stops the build with one line when no OCaml or no library
    /// source is found.
    pub fn compile(&self) -> PathBuf {
        rerun_on_ocaml_change();
        let lib = self.library_dir.clone().or_else(|| std::env::var_os("DEP_OCAML_GCLOSURE_OCAML_LIB").map(PathBuf::from));
        let Some(lib) = lib else {
            stop("ocaml-gclosure-build: the library's OCaml sources are unknown: add ocaml-gclosure to [dependencies] (its build script tells where they are), or call Ocaml::library_dir")
        };
        let sources: Vec<PathBuf> = LIBRARY_ML.iter().map(|m| lib.join(m)).chain(self.files.iter().cloned()).collect();
        for s in &sources {
            if !s.exists() {
                stop(&format!("ocaml-gclosure-build: {} does not exist", s.display()));
            }
        }
        let out_dir = std::env::var_os("OUT_DIR").expect("OUT_DIR: call ocaml-gclosure-build from a build script");
        let dir = PathBuf::from(out_dir).join(&self.name);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        let mut copies = Vec::new();
        for s in &sources {
            println!("cargo:rerun-if-changed={}", s.display());
            let dest = dir.join(s.file_name().expect("a source file has a name"));
            std::fs::copy(s, &dest).unwrap_or_else(|e| panic!("cannot copy {} to {}: {e}", s.display(), dest.display()));
            copies.push(dest);
        }
        let obj = dir.join(format!("{}.o", self.name));
        let mut cmd = Command::new(ocamlopt());
        cmd.current_dir(&dir).args(["-I", "+unix", "-I", "+threads", "unix.cmxa", "threads.cmxa"]);
        if ocaml_major() < 5 {
            // OCaml 4.14 makes the complete object with `ld -r`, which searches
            // no system library folder, and threads.cmxa asks for -lpthread:
            // "ld: cannot find -lpthread". So the libraries the two .cmxa name
            // are given by hand, minus -lpthread, which the final link gets
            // (c_libraries).
            cmd.args(["-noautolink", "-cclib", "-lthreadsnat", "-cclib", "-lunix"]);
        }
        output(cmd.args(["-output-complete-obj", "-o"]).arg(&obj).args(&copies));
        obj
    }
}

/// Prints the `cargo:rerun-if-env-changed` lines for the variables that
/// choose the OCaml.
pub fn rerun_on_ocaml_change() {
    for var in OCAML_VARS {
        println!("cargo:rerun-if-env-changed={var}");
    }
}

/// The OCaml native compiler, found once per build script, in this order:
/// what the `ocaml-gclosure` dependency's build script used (so that both
/// agree), `OCAMLOPT`, `ocamlopt` on `PATH`, opam's `OPAM_SWITCH_PREFIX`,
/// then the newest OCaml that `scripts/setup.sh` built into its cache folder
/// (`$OCAML_GCLOSURE_CACHE`, default `~/.cache/ocaml-gclosure/ocaml-VERSION`).
/// Without any, the build stops with one line saying how to get one.
pub fn ocamlopt() -> String {
    static FOUND: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    FOUND.get_or_init(find_ocamlopt).clone()
}

fn cache_dir() -> Option<PathBuf> {
    std::env::var_os("OCAML_GCLOSURE_CACHE").map(PathBuf::from).or_else(|| {
        let xdg = std::env::var_os("XDG_CACHE_HOME").map(PathBuf::from);
        xdg.or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache"))).map(|c| c.join("ocaml-gclosure"))
    })
}

fn find_ocamlopt() -> String {
    let answers = |c: &str| Command::new(c).arg("-version").output().map(|o| o.status.success()).unwrap_or(false);
    let mut candidates: Vec<String> = Vec::new();
    candidates.extend(std::env::var("DEP_OCAML_GCLOSURE_OCAMLOPT"));
    candidates.extend(std::env::var("OCAMLOPT"));
    candidates.push("ocamlopt".into());
    if let Some(opam) = std::env::var_os("OPAM_SWITCH_PREFIX") {
        candidates.push(PathBuf::from(opam).join("bin/ocamlopt").display().to_string());
    }
    let cache = cache_dir();
    if let Some(cache) = &cache {
        for v in CACHED_VERSIONS {
            let prefix = cache.join(format!("ocaml-{v}"));
            if prefix.join(".complete").exists() {
                candidates.push(prefix.join("bin/ocamlopt").display().to_string());
            }
        }
    }
    if let Some(found) = candidates.into_iter().find(|c| answers(c)) {
        return found;
    }
    stop(&format!(
        "no OCaml compiler found (OCAMLOPT, ocamlopt on PATH, OPAM_SWITCH_PREFIX, or {}): \
         run ocaml-gclosure's ./scripts/setup.sh to build OCaml 5.4.1 into that cache, or use an opam switch (4.14 or 5.x)",
        cache.map_or("the setup cache".into(), |c| c.display().to_string())
    ))
}

/// The major version of the OCaml in use (4 or 5).
pub fn ocaml_major() -> u32 {
    let v = output(Command::new(ocamlopt()).arg("-version"));
    v.split('.').next().and_then(|m| m.parse().ok()).unwrap_or(5)
}

/// The OCaml's standard library folder: `OCAML_WHERE_PATH` when set (as
/// `ocaml-sys` reads it), else `ocamlopt -where`.
pub fn ocaml_where() -> String {
    std::env::var("OCAML_WHERE_PATH").unwrap_or_else(|_| output(Command::new(ocamlopt()).arg("-where")))
}

/// The C libraries the OCaml runtime needs at the final link
/// (`native_c_libraries`, plus `-lpthread` on 4.14: see [`Ocaml::compile`]).
pub fn c_libraries() -> String {
    let mut libs = output(Command::new(ocamlopt()).args(["-config-var", "native_c_libraries"]));
    if ocaml_major() < 5 {
        libs.push_str(" -lpthread");
    }
    libs
}

/// Runs `cmd` and returns its trimmed standard output; panics with its
/// standard error when it fails.
fn output(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("not UTF-8").trim().to_string()
}

/// Stops the build script with one line (shown by cargo as a warning, above
/// the failure).
fn stop(line: &str) -> ! {
    println!("cargo:warning={line}");
    std::process::exit(1);
}
