#!/usr/bin/env bash
# Runs every test of the project, installing what it needs first
# (scripts/setup.sh). The last line reads "suites: N passed, M failed".
#
#   ./scripts/test.sh                   the whole suite, on the OCaml on PATH
#                                       (4.14 or 5.x) or else on OCaml 5.4.1
#   ./scripts/test.sh --ocaml 5.3.0     on another version (5.4.1, 5.3.0,
#                                       4.14.0; built into the cache once)
#   ./scripts/test.sh --only build,ocaml,test_stress
#                                       only these suites: cargo, rustdoc,
#                                       build, ocaml (dune test) and the
#                                       tests/shell/test_*.sh by name
set -uo pipefail
only=""
ocaml_arg=""
while [ $# -gt 0 ]; do
  case $1 in
    --ocaml) ocaml_arg=${2:?--ocaml needs a version}; shift 2 ;;
    --ocaml=*) ocaml_arg=${1#--ocaml=}; shift ;;
    --only) only=${2:?--only needs suite names}; shift 2 ;;
    --only=*) only=${1#--only=}; shift ;;
    -h|--help) sed -n '2,/^set /s/^# \{0,1\}//p' "$0" | sed '$d'; exit 0 ;;
    *) echo "test.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
# Not exported: a test that sources setup.sh itself (test_old_ocaml) must
# see the plain choice.
[ -n "$ocaml_arg" ] && OCAML_GCLOSURE_OCAML=$ocaml_arg
set --
# shellcheck source=scripts/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh" || exit 1
unset OCAML_GCLOSURE_OCAML
cd "$OCAML_GCLOSURE_ROOT" || exit 1
printf '=== OCaml %s (%s), dune %s, cargo target %s\n' "$OCAML_GCLOSURE_OCAML_VERSION" \
  "$(command -v ocamlopt)" "$(dune --version)" "$OCAML_GCLOSURE_TARGET_DIR"

# Each OCaml version its own _build (setup.sh).
use_build_dir_of_ocaml

# Suites append "what | baseline: ... | ocaml-gclosure: ..." lines here
# (test_stress.sh, test_threads_hazard.sh); they are shown at the end.
OCAML_GCLOSURE_FINDINGS=$(mktemp); export OCAML_GCLOSURE_FINDINGS
trap 'rm -f "$OCAML_GCLOSURE_FINDINGS"' EXIT

passed=0; failed=0; failed_names=()
wanted() { # wanted ID: the suite is selected by --only (or no --only)
  [ -z "$only" ] && return 0
  case ",$only," in *",$1,"*) return 0 ;; esac
  return 1
}
suite() {
  local id=$1 name=$2; shift 2
  wanted "$id" || return 0
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
  if [ -n "${DISPLAY:-}" ] && [ -z "${CI:-}" ]; then "$@"; else "$OCAML_GCLOSURE_ROOT/scripts/xvfb.sh" "$@"; fi
}

suite cargo "cargo test (Rust unit and integration tests)" \
  cargo test --release --target-dir "$OCAML_GCLOSURE_TARGET_DIR"
suite rustdoc "rustdoc (no warnings; the crate and ocaml-gclosure-build)" env RUSTDOCFLAGS="-D warnings" \
  cargo doc --quiet --no-deps --lib --workspace --target-dir "$OCAML_GCLOSURE_TARGET_DIR"
suite build "dune build (library, examples, tests)" dune build @install @default
suite ocaml "dune test (OCaml tests under Xvfb)" with_display dune test --force
for t in tests/shell/test_*.sh; do
  suite "$(basename "$t" .sh)" "$(basename "$t" .sh)" bash "$t"
done

printf '\n'
if [ -s "$OCAML_GCLOSURE_FINDINGS" ]; then
  printf 'What separates the lablgtk-style baseline from ocaml-gclosure on OCaml %s:\n' "$OCAML_GCLOSURE_OCAML_VERSION"
  sed 's/^/  /' "$OCAML_GCLOSURE_FINDINGS"
fi
[ ${#failed_names[@]} -eq 0 ] || printf 'failed suites: %s\n' "${failed_names[*]}"
printf 'suites: %d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
