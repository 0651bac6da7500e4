//! Stops the build first, with what to do, when the build scripts of
//! `ocaml-sys` and `ocaml-boxroot-sys` (dependencies of `ocaml-gclosure`)
//! would not find an OCaml: without it they panic with a bare "No such file
//! or directory" from their `ocamlopt` call. This script runs early (this
//! crate has no dependency, so cargo builds it before theirs, which wait
//! for `cc`), and cargo starts no other build script after one fails.
//!
//! Their rule, checked here the same way: `OCAML_VERSION` and
//! `OCAML_WHERE_PATH` both set, or `$OCAMLOPT` (default `ocamlopt`)
//! answers `-version`. A project's `.cargo/config.toml` `[env]` table, as
//! `scripts/setup.sh --cargo-config` writes it, sets `OCAMLOPT` and
//! `OCAML_WHERE_PATH` for every build script, this one included.
//! Skipped on docs.rs (`DOCS_RS`), which builds without OCaml.

fn main() {
    for var in ["OCAMLOPT", "OCAML_WHERE_PATH", "OCAML_VERSION", "DOCS_RS", "PATH"] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    if std::env::var_os("DOCS_RS").is_some() {
        return;
    }
    let both = std::env::var_os("OCAML_VERSION").is_some() && std::env::var_os("OCAML_WHERE_PATH").is_some();
    let ocamlopt = std::env::var("OCAMLOPT").unwrap_or_else(|_| "ocamlopt".into());
    let answers = || std::process::Command::new(&ocamlopt).arg("-version").output().is_ok_and(|o| o.status.success());
    if both || answers() {
        return;
    }
    println!(
        "cargo:warning=ocaml-sys and ocaml-boxroot-sys will not find OCaml (no OCAMLOPT, no ocamlopt on PATH): \
         run `scripts/setup.sh --cargo-config .` from an ocaml-gclosure clone in this project \
         (it writes OCAMLOPT and OCAML_WHERE_PATH into .cargo/config.toml [env]), or put an ocamlopt on PATH"
    );
    std::process::exit(1);
}
