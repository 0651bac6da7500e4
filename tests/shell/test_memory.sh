#!/usr/bin/env bash
# Memory over a program's life (issue 19): growth per cycle after a
# baseline taken once the first third of the cycles has run (full major GC
# and Gclosure.flush three times, then Gc.compact: tests/memory/memstat.ml),
# as malloc in use (mallinfo2) and RSS, with the closures left live.
#
#   1. Domains that come and go (OCaml 5): 900 short-lived domains, up to
#      three at a time, each making twenty closures on objects of its own
#      (GCancellable, GtkAdjustment) and emitting, no GC per domain. Beside
#      it, the same number of domains doing OCaml work only (the control);
#      each runs twice, with a 256 KB minor heap, and the lower figure
#      counts (why: below).
#      Must hold: malloc in use < DOMAIN_LIMIT (512) B per domain, RSS less
#      than DOMAIN_LIMIT B per domain above the control's, no closure left.
#      The control itself leaves a few hundred bytes of RSS per domain over
#      600 domains (the OCaml heap and glibc's arenas warming up; it
#      flattens over thousands), which is the runtime's and not ours.
#   2. Dialogs with no GC in the loop (Gtk4, under Xvfb): DIALOGS (1200)
#      dialogs, each a presented window of the application with a box, a
#      label and a "Close" button whose handler finds its window from the
#      button it receives and destroys it; "clicked" emitted, every handle
#      dropped. Beside it, in the same X server, the same program in C
#      (tests/memory/dialogs_c.c, built here with pkg-config). Must hold:
#      RSS and malloc in use grow less than DIALOG_LIMIT (2048) B per
#      dialog after the final GC, no closure left. Without the handles'
#      GC weight (src/gtk/weight.rs) dead dialogs piled up between collections
#      and GTK kept memory sized to that peak: 15 KB of RSS per dialog.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
name=test_memory
# shellcheck source=tests/shell/lib/check.sh
source tests/shell/lib/check.sh

domains=${MEMORY_DOMAINS:-900}
domain_limit=${DOMAIN_LIMIT:-512}
dialogs=${DIALOGS:-1200}
dialog_limit=${DIALOG_LIMIT:-2048}

# field LINE KEY: the number after KEY in a "key value key value" line.
field() { awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }' <<<"$1"; }
# lt A B: A < B (numbers, possibly negative or fractional).
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

major=$(ocamlopt -version | cut -d. -f1)
if [ "$major" -ge 5 ]; then
  dune build ./tests/memory/mem_domains.exe || { check "dune build mem_domains.exe" false; finish; }
  exe=./_build/default/tests/memory/mem_domains.exe
  # RSS warms up without leaking: each domain slot's minor heap (2 MB by
  # default) stays mapped for the next domain in that slot and is touched
  # a little further now and then, and glibc's per-thread arenas fill.
  # With the default minor heap, ours left 560-881 B of RSS per domain
  # over 600 domains in ten runs, the control 246-546 B; with a 256 KB one
  # (s=32k) ours 273-423 B, the control 123-266 B. So the programs run
  # with s=32k, each DOMAIN_RUNS (2) times, and the lower figure counts:
  # warm-up only adds, a leak shows in every run.
  export OCAMLRUNPARAM=${MEMORY_OCAMLRUNPARAM:-s=32k}
  runs=${DOMAIN_RUNS:-2}
  m=""; r=""; l=0; rc=""
  for ((k = 1; k <= runs; k++)); do
    ours=$(nice "$exe" "$domains") || { check "mem_domains.exe ran" false; finish; }
    control=$(nice "$exe" --pure "$domains") || { check "mem_domains.exe --pure ran" false; finish; }
    echo "ours:    $ours"
    echo "control: $control"
    mk=$(field "$ours" malloc_per_domain); rk=$(field "$ours" rss_per_domain); rck=$(field "$control" rss_per_domain)
    { [ -z "$m" ] || lt "$mk" "$m"; } && m=$mk
    { [ -z "$r" ] || lt "$rk" "$r"; } && r=$rk
    { [ -z "$rc" ] || lt "$rck" "$rc"; } && rc=$rck
    lk=$(field "$ours" live_growth); [ "$lk" -gt "$l" ] && l=$lk
  done
  rd=$(awk -v a="$r" -v b="$rc" 'BEGIN { print a - b }')
  check "domains: malloc in use grows $m B per domain (< $domain_limit)" lt "$m" "$domain_limit"
  check "domains: RSS grows $r B per domain, $rd B above the pure-OCaml control's $rc (< $domain_limit)" lt "$rd" "$domain_limit"
  check "domains: no closure left live ($l)" [ "$l" -eq 0 ]
  unset OCAMLRUNPARAM
  echo "short-lived domains, 20 closures each (test_memory) | per domain: malloc $m B, RSS $r B (pure OCaml: $rc B)" >>"${OCAML_GCLOSURE_FINDINGS:-/dev/null}"
else
  echo "skip domains: OCaml $(ocamlopt -version) has none"
fi

# ---- 2. dialogs, no GC in the loop, beside C ------------------------------
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
if ! dune build ./tests/memory/mem_dialogs.exe; then
  check "dune build mem_dialogs.exe" false
elif ! cc -O2 -o "$tmp/dialogs_c" tests/memory/dialogs_c.c $(pkg-config --cflags --libs gtk4); then
  check "cc dialogs_c.c (pkg-config gtk4)" false
else
  nice scripts/xvfb.sh bash -c "
    ./_build/default/tests/memory/mem_dialogs.exe $dialogs >'$tmp/ours' 2>'$tmp/ours.err'
    echo \$? >'$tmp/ours.code'
    ./_build/default/tests/memory/mem_dialogs.exe --capture $dialogs >'$tmp/capt' 2>'$tmp/capt.err'
    echo \$? >'$tmp/capt.code'
    '$tmp/dialogs_c' $dialogs >'$tmp/c' 2>'$tmp/c.err'
    echo \$? >'$tmp/c.code'"
  ours=$(grep '^dialogs' "$tmp/ours"); c=$(grep '^dialogs' "$tmp/c")
  echo "ours: $ours"
  echo "C:    $c"
  if [ -z "$ours" ] || [ "$(cat "$tmp/ours.code")" != 0 ]; then
    check "mem_dialogs.exe ran" false; cat "$tmp/ours.err"
  else
    m=$(field "$ours" malloc_per_dialog); r=$(field "$ours" rss_per_dialog); l=$(field "$ours" live_growth)
    cm=$(field "$c" malloc_per_dialog); cr=$(field "$c" rss_per_dialog)
    check "dialogs, no GC in the loop: RSS grows $r B per dialog (C: $cr B) (< $dialog_limit)" lt "$r" "$dialog_limit"
    check "dialogs, no GC in the loop: malloc in use grows $m B per dialog (C: $cm B) (< $dialog_limit)" lt "$m" "$dialog_limit"
    check "dialogs, no GC in the loop: no closure left live ($l)" [ "$l" -eq 0 ]
    echo "$dialogs dialogs, no GC in the loop (test_memory) | per dialog after the final GC: ours RSS $r B, malloc $m B | C: RSS $cr B, malloc $cm B" >>"${OCAML_GCLOSURE_FINDINGS:-/dev/null}"
  fi
  # The same with a "Close" handler that captures its window (owned
  # closures and disposed windows, docs/memory.md).
  capt=$(grep '^dialogs' "$tmp/capt")
  echo "ours, the handler capturing its window: $capt"
  if [ -z "$capt" ] || [ "$(cat "$tmp/capt.code")" != 0 ]; then
    check "mem_dialogs.exe --capture ran" false; cat "$tmp/capt.err"
  else
    m=$(field "$capt" malloc_per_dialog); r=$(field "$capt" rss_per_dialog); l=$(field "$capt" live_growth)
    check "capturing dialogs, no GC in the loop: RSS grows $r B per dialog (< $dialog_limit)" lt "$r" "$dialog_limit"
    check "capturing dialogs, no GC in the loop: malloc in use grows $m B per dialog (< $dialog_limit)" lt "$m" "$dialog_limit"
    check "capturing dialogs, no GC in the loop: no closure left live ($l)" [ "$l" -eq 0 ]
  fi
  [ -n "$c" ] || { echo "(the C control printed nothing)"; cat "$tmp/c.err"; }
fi

finish
