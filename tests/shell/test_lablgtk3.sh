#!/usr/bin/env bash
# lablgtk3, the OCaml GTK 3 binding, built twice from the pinned sources
# (../shared/peers: lablgtk-c5419e79, ocaml-cairo-0.6.5, camlp-streams-5.0.1;
# or LABLGTK_SRC & co.): "stock", and "ours" (its closures and GC-time
# releases on this library's C API). On each, under Xvfb: the scripted app
# (button, entry, list_store with a caml column, screenshot) and the
# reproducers (integrations/lablgtk3/test.sh); ours must pass every check.
#
# It runs on OCaml 5.3.0 (where stock's hazards are widest: issue 24); on
# another version it says so and passes without running.
# LABLGTK3_OCAML_VERSIONS (space-separated) changes that list. Without the
# pinned tarball and LABLGTK_SRC it is skipped, except in CI, where it
# fails. The builds are cached (keyed on the sources, the build-time
# changes and the OCaml version).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tarball=$root/../shared/peers/lablgtk-c5419e79.tar.gz
v=${OCAML_GCLOSURE_OCAML_VERSION:-$(ocamlopt -version 2>/dev/null)}
case " ${LABLGTK3_OCAML_VERSIONS:-5.3.0} " in
  *" $v "*) ;;
  *) echo "test_lablgtk3: not on OCaml $v (runs on ${LABLGTK3_OCAML_VERSIONS:-5.3.0}: ./scripts/test.sh --ocaml 5.3.0 --only test_lablgtk3)"
     exit 0 ;;
esac
if [ -z "${LABLGTK_SRC:-}" ] && [ ! -f "$tarball" ]; then
  echo "test_lablgtk3: no LABLGTK_SRC and no $tarball"
  if [ -n "${CI:-}" ]; then echo "test_lablgtk3: 0 passed, 1 failed"; exit 1; fi
  echo "test_lablgtk3: skipped"; exit 0
fi
t0=$SECONDS
OCAML_GCLOSURE_OCAML=$v bash "$root/integrations/lablgtk3/test.sh" stock; stock_status=$?
OCAML_GCLOSURE_OCAML=$v bash "$root/integrations/lablgtk3/test.sh" ours; ours_status=$?
echo "test_lablgtk3: stock and ours took $((SECONDS - t0)) s"
[ "$stock_status" -eq 0 ] && [ "$ours_status" -eq 0 ]
