#!/usr/bin/env bash
# Memory over a program's life (issue 19): growth per cycle after a
# baseline taken once the first third of the cycles has run (full major GC
# and Gclosure.flush three times, then Gc.compact: tests/memory/memstat.ml),
# as malloc in use (mallinfo2) and RSS, with the closures left live.
#
#   1. Domains that come and go (OCaml 5): 900 short-lived domains, up to
#      three at a time, each making twenty closures on objects of its own
#      (GCancellable, GtkAdjustment) and emitting, no GC per domain. Beside
#      it, the same number of domains doing OCaml work only (the control).
#      Must hold: malloc in use < DOMAIN_LIMIT (512) B per domain, RSS less
#      than DOMAIN_LIMIT B per domain above the control's, no closure left.
#      The control itself leaves a few hundred bytes of RSS per domain over
#      600 domains (the OCaml heap and glibc's arenas warming up; it
#      flattens over thousands), which is the runtime's and not ours.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
name=test_memory
# shellcheck source=tests/shell/lib/check.sh
source tests/shell/lib/check.sh

domains=${MEMORY_DOMAINS:-900}
domain_limit=${DOMAIN_LIMIT:-512}

# field LINE KEY: the number after KEY in a "key value key value" line.
field() { awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }' <<<"$1"; }
# lt A B: A < B (numbers, possibly negative or fractional).
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

major=$(ocamlopt -version | cut -d. -f1)
if [ "$major" -ge 5 ]; then
  dune build ./tests/memory/mem_domains.exe || { check "dune build mem_domains.exe" false; finish; }
  exe=./_build/default/tests/memory/mem_domains.exe
  ours=$(nice "$exe" "$domains") || { check "mem_domains.exe ran" false; finish; }
  control=$(nice "$exe" --pure "$domains") || { check "mem_domains.exe --pure ran" false; finish; }
  echo "ours:    $ours"
  echo "control: $control"
  m=$(field "$ours" malloc_per_domain); r=$(field "$ours" rss_per_domain); l=$(field "$ours" live_growth)
  rc=$(field "$control" rss_per_domain)
  rd=$(awk -v a="$r" -v b="$rc" 'BEGIN { print a - b }')
  check "domains: malloc in use grows $m B per domain (< $domain_limit)" lt "$m" "$domain_limit"
  check "domains: RSS grows $r B per domain, $rd B above the pure-OCaml control's $rc (< $domain_limit)" lt "$rd" "$domain_limit"
  check "domains: no closure left live ($l)" [ "$l" -eq 0 ]
  echo "short-lived domains, 20 closures each (test_memory) | per domain: malloc $m B, RSS $r B (pure OCaml: $rc B)" >>"${OCAML_GCLOSURE_FINDINGS:-/dev/null}"
else
  echo "skip domains: OCaml $(ocamlopt -version) has none"
fi

finish
