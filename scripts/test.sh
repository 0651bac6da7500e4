#!/usr/bin/env bash
# Runs every test of the project, installing what it needs first
# (scripts/setup.sh). The last line reads "suites: N passed, M failed".
set -uo pipefail
# shellcheck source=scripts/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh" || exit 1
cd "$OCAML_GCLOSURE_ROOT" || exit 1

passed=0; failed=0; failed_names=()
suite() {
  local name=$1; shift
  printf '\n=== %s\n' "$name"
  local t0=$SECONDS
  if "$@"; then
    passed=$((passed + 1)); printf '=== %s: ok (%d s)\n' "$name" $((SECONDS - t0))
  else
    failed=$((failed + 1)); failed_names+=("$name"); printf '=== %s: FAILED (%d s)\n' "$name" $((SECONDS - t0))
  fi
}

# GTK needs a display: tests get their own Xvfb unless one is given.
with_display() {
  if [ -n "${DISPLAY:-}" ] && [ -z "${CI:-}" ]; then "$@"; else xvfb-run -a -s '-screen 0 1024x768x24' "$@"; fi
}

suite "cargo test (Rust unit and integration tests)" \
  cargo test --release --target-dir "$OCAML_GCLOSURE_TARGET_DIR"
suite "rustdoc (no warnings)" env RUSTDOCFLAGS="-D warnings" \
  cargo doc --quiet --no-deps --lib --target-dir "$OCAML_GCLOSURE_TARGET_DIR"
suite "dune build (library, examples, tests)" dune build @install @default
suite "dune test (OCaml tests under Xvfb)" with_display dune test --force
for t in tests/shell/test_*.sh; do
  suite "$(basename "$t" .sh)" bash "$t"
done

printf '\n'
[ ${#failed_names[@]} -eq 0 ] || printf 'failed suites: %s\n' "${failed_names[*]}"
printf 'suites: %d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
