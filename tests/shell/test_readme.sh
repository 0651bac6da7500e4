#!/usr/bin/env bash
# The README's code examples are copies of files the tests compile: each
# fenced block after a `<!-- snippet: PATH -->` line must equal PATH.
set -uo pipefail
cd "$(dirname "$0")/../.."
python3 - <<'PY'
import re, sys
readme = open("README.md").read()
blocks = re.findall(r"<!-- snippet: (\S+) -->\n```\w*\n(.*?)```", readme, re.S)
passed = failed = 0
for path, body in blocks:
    if open(path).read() == body:
        passed += 1; print(f"ok   README shows {path} as it is")
    else:
        failed += 1; print(f"FAIL README's copy of {path} differs from the file")
if not blocks:
    failed += 1; print("FAIL no snippet markers in README.md")
print(f"test_readme: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
