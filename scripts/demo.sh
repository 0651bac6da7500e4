#!/usr/bin/env bash
# Runs the demo, installing what it needs first (scripts/setup.sh).
set -euo pipefail
# shellcheck source=scripts/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$OCAML_GCLOSURE_ROOT"
dune build ./examples/hello/hello.exe
./_build/default/examples/hello/hello.exe "$@"
