#!/usr/bin/env bash
# The gtk4-rs app with OCaml callbacks (examples/rust_counter), under Xvfb in
# scripted mode: the labels follow the clicks and the typing, and the process
# exits 0 through the ordered shutdown with no live closure left.
set -uo pipefail
cd "$(dirname "$0")/../.."
cargo build --quiet --release --example rust_counter --example hello_rust --target-dir "${OCAML_GCLOSURE_TARGET_DIR:-target}" || exit 1
bin="${OCAML_GCLOSURE_TARGET_DIR:-target}/release/examples/rust_counter"
out=$(./scripts/xvfb.sh "$bin" --scripted 7 --type "typed from Rust" 2>&1); code=$?
echo "$out" | grep -v 'session bus'
pass=0; fail=0
check() { if eval "$2"; then pass=$((pass+1)); echo "ok   $1"; else fail=$((fail+1)); echo "FAIL $1"; fi; }
check "exit code 0" '[ $code -eq 0 ]'
check "count label reads 7 after 7 clicks" 'grep -qx "count label: Clicks: 7" <<<"$out"'
check "mirror label reads what was typed" 'grep -qx "mirror label: typed from Rust" <<<"$out"'
check "no live closure after the ordered shutdown" 'grep -q "after shutdown: live=0 pending=0" <<<"$out"'
hello=$("${OCAML_GCLOSURE_TARGET_DIR:-target}/release/examples/hello_rust" 2>&1)
check "the README's Rust example runs its OCaml handler" '[ "$hello" = "hello from OCaml (1 argument)" ]'
echo "test_rust_app: $pass passed, $fail failed"
[ $fail -eq 0 ]
