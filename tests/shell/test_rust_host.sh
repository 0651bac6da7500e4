#!/usr/bin/env bash
# docs/rust.md's "A gtk4-rs app in its own cargo project", done as a new user
# would: a cargo project in a temporary folder outside the repository gets
# ocaml-gclosure (by path), gtk4 and the ocaml-gclosure-build helper (a
# build-dependency); the files that page shows (tests/rust_host: build.rs,
# src/handlers.ml, src/main.rs); its .cargo/config.toml from
# `scripts/setup.sh --cargo-config`. It is built from a shell whose PATH has
# cargo but no OCaml, and run under Xvfb: a real "clicked" emission runs the
# OCaml handler, a GLib worker thread runs another, and the process exits 0
# through the ordered shutdown with no live closure. Then an edit of the .ml
# file alone must reach the next build.
#
# The cargo target folder lives in the cache (one per OCaml version), so a
# warm run costs seconds: $OCAML_GCLOSURE_CACHE/rust-host/target-ocaml-V.
set -uo pipefail
name=test_rust_host
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/shell/lib/check.sh
source "$root/tests/shell/lib/check.sh"
cache=${OCAML_GCLOSURE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ocaml-gclosure}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
app=$tmp/myapp
t0=$SECONDS

# The user's steps (docs/rust.md's commands; test_readme checks that its
# `cargo add` lines are these). The repository's Cargo.lock
# first, so that the app gets the versions this repository is tested with.
cargo new --quiet --vcs none "$app" || exit 1
cp "$root/Cargo.lock" "$app/Cargo.lock"
add() {
  ( cd "$app" &&
    cargo add --quiet --path "$root" ocaml-gclosure &&
    cargo add --quiet gtk4@0.11 --features v4_8 &&
    cargo add --quiet --build --path "$root/ocaml-gclosure-build" ocaml-gclosure-build )
}
# (Offline, from cargo's own cache, when the registry cannot be reached.)
add || CARGO_NET_OFFLINE=true add || exit 1
cp "$root/tests/rust_host/build.rs" "$app/build.rs"
cp "$root/tests/rust_host/src/handlers.ml" "$root/tests/rust_host/src/main.rs" "$app/src/"
"$root/scripts/setup.sh" --cargo-config "$app" 2>&1 | grep -v '^\[setup\] using' || exit 1
check "setup.sh --cargo-config wrote OCAMLOPT and OCAML_WHERE_PATH into [env]" \
  grep -qx 'OCAMLOPT = ".*ocamlopt"' "$app/.cargo/config.toml"
ocamlopt=$(sed -n 's/^OCAMLOPT = "\(.*\)"$/\1/p' "$app/.cargo/config.toml")
version=$("$ocamlopt" -version) || { echo "FAIL the OCaml written into .cargo/config.toml does not run"; exit 1; }
target=$cache/rust-host/target-ocaml-$version
mkdir -p "$target"

# A shell with cargo, cc and pkg-config but no OCaml: PATH without any folder
# that holds an ocamlopt, and none of the variables that name one.
clean_path=""
IFS=: read -ra dirs <<<"$PATH"
for d in "${dirs[@]}"; do
  [ -n "$d" ] && [ ! -e "$d/ocamlopt" ] && clean_path=${clean_path:+$clean_path:}$d
done
user() { env -u OCAMLOPT -u OCAML_WHERE_PATH -u OPAM_SWITCH_PREFIX -u OCAML_VERSION -u OCAML_GCLOSURE_TARGET_DIR \
  -u CARGO_TARGET_DIR PATH="$clean_path" "$@"; }
check "the build shell has cargo but no OCaml" \
  user bash -c 'command -v cargo >/dev/null && ! command -v ocamlopt >/dev/null'

build() { ( cd "$app" && user nice cargo build --quiet --target-dir "$target" ) 2>&1 | grep -v '^\s*$' | tail -n 30; }

# Without the [env] table, ocaml-gclosure-build's build script stops with
# one line saying what to do. On a first build (a cold target folder) it is
# the only error: cargo starts no other build script once it failed (2 of
# 2 cold builds by hand, 70 s each: too long for this test). In a warm
# folder ocaml-sys's and ocaml-boxroot-sys's build scripts are compiled
# already and run beside it, and whichever fails first can stop cargo
# before the others run (seen once, the first time this test ran from a
# checkout at a new path). So the line is checked on a project of its own
# whose only build-dependency is the helper (`cargo build -p` of a
# build-dependency makes cargo 1.95 panic in its feature resolver).
probe=$tmp/probe
cargo new --quiet --vcs none "$probe" || exit 1
cp "$root/Cargo.lock" "$probe/Cargo.lock"
echo 'fn main() {}' >"$probe/build.rs" # (cargo builds build-dependencies only for a build script)
( cd "$probe" && { cargo add --quiet --build --path "$root/ocaml-gclosure-build" ocaml-gclosure-build ||
  CARGO_NET_OFFLINE=true cargo add --quiet --build --path "$root/ocaml-gclosure-build" ocaml-gclosure-build; } ) || exit 1
# (A target folder of its own: in a shared one cargo may reuse the run of
# the same build script in a build whose [env] table named an OCaml, since
# it fingerprints the process's variables, not the table's.)
no_env=$(cd "$probe" && user nice cargo build --quiet --target-dir "$tmp/probe-target" 2>&1)
[ -n "${RUST_HOST_DEBUG:-}" ] && printf "%s\n" "$no_env" | head -n 12
check "without the [env] table, the build stops with ocaml-gclosure-build's line saying what to do" \
  bash -c 'grep -q "will not find OCaml.*setup.sh --cargo-config" <<<"$1"' _ "$no_env"
run() { timeout 120 "$root/scripts/xvfb.sh" "$target/debug/myapp" --scripted 2>&1; }

# (The last run's program goes first: a failed build must not run it.)
rm -f "$target/debug/myapp"
tb=$SECONDS
build
check "cargo build of the new project succeeds ($((SECONDS - tb)) s)" test -x "$target/debug/myapp"
out=$(run); code=$?
grep -v 'session bus' <<<"$out" | sed 's/^/  | /'
check "exit code 0" [ "$code" = 0 ]
check "the OCaml handler ran on a real \"clicked\" emission" grep -qx 'OCaml: button clicked 1 time(s)' <<<"$out"
check "an OCaml handler ran on a GLib worker thread" grep -qx 'OCaml: cancelled on the worker thread' <<<"$out"
check "no live closure after the ordered shutdown" grep -qx 'after shutdown: live=0' <<<"$out"

# Rebuilds follow the .ml files.
sed -i 's/button clicked/button pressed/' "$app/src/handlers.ml"
tb=$SECONDS
build
out=$(run)
check "an edit of handlers.ml alone reaches the next build ($((SECONDS - tb)) s)" grep -qx 'OCaml: button pressed 1 time(s)' <<<"$out"
echo "$name: OCaml $version, $((SECONDS - t0)) s in all, target folder $target"
finish
