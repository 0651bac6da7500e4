#!/usr/bin/env bash
# The OCaml GTK4 counter app (examples/counter) under valgrind's memcheck,
# in scripted mode with a small N, under its own Xvfb. Fails on any memory
# error (invalid read/write, use of uninitialised memory, bad free) and any
# "definitely lost" leak that tests/valgrind/gtk.supp does not explain (it
# only covers system libraries: ld.so, fontconfig).
#
# The OCaml minor heap is made tiny (OCAMLRUNPARAM=s=4k) so that the GC,
# and the finalizers of our custom blocks, run inside callbacks often.
#
# By default GTK renders with cairo and GL is off (GDK_DEBUG=gl-disable):
# the same code of ours runs, in ~10 s instead of ~70 s under Mesa's
# software GL. VALGRIND_GL=1 keeps GTK's default GL renderer (the Mesa
# shader disk cache is disabled: its zstd threads are noisy and slow).
# Run from the repository root (scripts/test.sh does).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
name=test_counter_valgrind
# shellcheck source=tests/shell/lib/check.sh
source "$root/tests/shell/lib/check.sh"

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
clicks=3
text='valgrind'

check "valgrind is installed" bash -c 'command -v valgrind >/dev/null'
if ! dune build ./examples/counter/counter.exe 2>"$tmp/build.log"; then
  cat "$tmp/build.log"; check "the counter app builds" false; finish
fi
check "the counter app builds" true
[ "$failed" -eq 0 ] || finish

if [ "${VALGRIND_GL:-0}" = 1 ]; then
  render=(env MESA_SHADER_CACHE_DISABLE=true); mode="GTK's GL renderer (Mesa)"
else
  render=(env GDK_DEBUG=gl-disable GSK_RENDERER=cairo); mode="the cairo renderer, GL disabled"
fi
echo "running under memcheck with $mode"

t0=$SECONDS
"${render[@]}" OCAMLRUNPARAM=s=4k \
  "$root/scripts/xvfb.sh" \
  valgrind --tool=memcheck --error-exitcode=99 --child-silent-after-fork=yes \
    --suppressions=tests/valgrind/gtk.supp \
    --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
    --num-callers=40 --log-file="$tmp/valgrind.log" \
    ./_build/default/examples/counter/counter.exe \
      --scripted "$clicks" --type "$text" --screenshot "$tmp/counter.png" --timeout 600 \
  >"$tmp/out" 2>"$tmp/err"
status=$?
echo "--- stdout ($((SECONDS - t0)) s)"; cat "$tmp/out"; echo "--- stderr"; cat "$tmp/err"; echo "---"
grep -E 'ERROR SUMMARY|definitely lost:|indirectly lost:|possibly lost:' "$tmp/valgrind.log"

check "no memcheck error (valgrind's exit status is not 99; got $status)" [ "$status" -ne 99 ]
check "the app exited 0 under valgrind (got $status)" [ "$status" -eq 0 ]
check "ERROR SUMMARY: 0 errors" grep -qE 'ERROR SUMMARY: 0 errors from 0 contexts' "$tmp/valgrind.log"
check "count label reads Clicks: $clicks" grep -qxF "count label: Clicks: $clicks" "$tmp/out"
check "mirror label reads the typed text" grep -qxF "mirror label: $text" "$tmp/out"
check "final stats: live = 0" grep -qE '^final stats: live=0 pending_release=0 ' "$tmp/out"

if [ "$failed" -gt 0 ]; then
  # The errors valgrind reported, for whoever reads the log.
  echo "--- memcheck errors and leaks not suppressed:"
  grep -vE '^==[0-9]+== +(Warning: client switching stacks|to suppress, use|further instances)' \
    "$tmp/valgrind.log" | sed -n '/Invalid\|uninitialised\|definitely lost in\|Mismatched\|free/,/^==[0-9]*== $/p' | head -200
fi
finish
