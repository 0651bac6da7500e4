#!/usr/bin/env bash
# The code examples of the README and of docs/*.md are copies of files the
# tests compile: each fenced block after a `<!-- snippet: PATH -->` line
# must equal PATH.
set -uo pipefail
cd "$(dirname "$0")/../.."
python3 - <<'PY'
import glob, re, sys
passed = failed = 0
for doc in ["README.md"] + sorted(glob.glob("docs/*.md")):
    blocks = re.findall(r"<!-- snippet: (\S+) -->\n```\w*\n(.*?)```", open(doc).read(), re.S)
    for path, body in blocks:
        if open(path).read() == body:
            passed += 1; print(f"ok   {doc} shows {path} as it is")
        else:
            failed += 1; print(f"FAIL {doc}'s copy of {path} differs from the file")
    if doc == "README.md" and not blocks:
        failed += 1; print("FAIL no snippet markers in README.md")
print(f"test_readme: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
