#!/usr/bin/env bash
# The ocgtk integration (integrations/ocgtk, issue 13), stock side only:
# builds ocgtk from OCGTK_SRC (default: the pinned tarball in
# ../shared/peers), runs its tests and examples/counter.ml under Xvfb, and
# the reproducers of its hazards. Not part of ./scripts/test.sh yet: it
# joins the suite (as tests/shell/test_ocgtk.sh) with the build of ocgtk on
# this library, which needs the C API for bindings (not written yet).
# Without OCGTK_SRC and without the pinned tarball it is skipped, except in
# CI, where it fails.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tarball=$root/../shared/peers/ocgtk-a16c2874.tar.gz
if [ -z "${OCGTK_SRC:-}" ] && [ ! -f "$tarball" ]; then
  echo "test_ocgtk: no OCGTK_SRC and no $tarball"
  if [ -n "${CI:-}" ]; then echo "test_ocgtk: 0 passed, 1 failed"; exit 1; fi
  echo "test_ocgtk: skipped"; exit 0
fi
exec bash "$root/integrations/ocgtk/test.sh" stock
