#!/usr/bin/env bash
# With Debian's OCaml 4.13 first on PATH, setup must say it is too old and
# use its own default OCaml (5.4.1). Debian's compiler is unpacked into a
# temporary folder (never installed), so the machine is left as it was.
# Skipped (and said so) where the distribution's OCaml is not 4.13.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download ocaml >/dev/null 2>&1) || { echo "could not download Debian's ocaml package"; exit 1; }
dpkg-deb -x "$tmp"/ocaml_*.deb "$tmp/root"
old="$tmp/root/usr/bin"
distro=$("$old/ocamlopt" -version)
if [ "$distro" != 4.13.1 ]; then
  # Another distribution (Ubuntu 24.04, the GitHub runner, ships 4.14.1):
  # no too-old OCaml to show setup here.
  echo "skipped: this distribution's ocaml package is $distro, not Debian 12's 4.13.1"
  echo "test_old_ocaml: 0 passed, 0 failed, 1 skipped"
  exit 0
fi

out=$(PATH="$old:$PATH" env -u OCAML_GCLOSURE_OCAML bash -c 'source "$1/scripts/setup.sh" && echo "using=$(ocamlopt -version)"' _ "$root" 2>&1)
echo "$out"
grep -q 'OCaml 4.13.1 on PATH .* is too old: boxroot needs OCaml 4.14 or 5.x' <<<"$out" || { echo "FAIL: setup did not call 4.13.1 too old"; exit 1; }
grep -q '^using=5\.' <<<"$out" || { echo "FAIL: setup did not switch to its own OCaml 5"; exit 1; }
echo "test_old_ocaml: 2 passed, 0 failed"
