#!/usr/bin/env bash
# The code examples of the README and of docs/*.md are copies of files the
# tests compile: each fenced block after a `<!-- snippet: PATH -->` line
# must equal PATH. Each page must still show the examples it is known for
# (the README one per language; docs/rust.md the cargo project that
# tests/shell/test_rust_host.sh builds), every marker must be followed by
# a fenced block, and the `cargo add` lines docs/rust.md tells a user to
# run must be the ones test_rust_host.sh runs.
set -uo pipefail
cd "$(dirname "$0")/../.."
python3 - <<'PY'
import glob, re, shlex, sys
passed = failed = 0
def result(ok, msg):
    global passed, failed
    if ok: passed += 1; print(f"ok   {msg}")
    else: failed += 1; print(f"FAIL {msg}")
required = {
    "README.md": ["examples/readme/readme.ml", "examples/hello_rust/main.rs",
                  "examples/hello_rust/hello.ml", "examples/readme_c/binding_stubs.c"],
    "docs/rust.md": ["tests/rust_host/build.rs", "tests/rust_host/src/handlers.ml",
                     "tests/rust_host/src/main.rs"],
}
for doc in ["README.md"] + sorted(glob.glob("docs/*.md")):
    text = open(doc).read()
    blocks = re.findall(r"<!-- snippet: (\S+) -->\n```\w*\n(.*?)```", text, re.S)
    markers = re.findall(r"<!-- snippet: (\S+) -->", text)
    if len(markers) != len(blocks):
        result(False, f"{doc} has {len(markers)} snippet markers but {len(blocks)} fenced blocks right after one")
    for path, body in blocks:
        same = open(path).read() == body
        result(same, f"{doc} shows {path} as it is" if same else f"{doc}'s copy of {path} differs from the file")
    for path in required.get(doc, []):
        if path not in [p for p, _ in blocks]:
            result(False, f"{doc} no longer shows {path}")
# docs/rust.md's `cargo add` lines, as the test runs them: the same words,
# "$GC" (the clone) being the test's "$root", --quiet aside.
def words(cmd):
    return sorted(w for w in shlex.split(cmd.replace('"$root"', "GC").replace("$root", "GC")
                                            .replace('"$GC"', "GC").replace("$GC", "GC"))
                  if w != "--quiet")
tested = [words(c) for c in re.findall(r"cargo add ([^&|)\n]*)", open("tests/shell/test_rust_host.sh").read())]
shown = re.findall(r"^cargo add (.*)$", open("docs/rust.md").read(), re.M)
result(len(shown) == 3, f"docs/rust.md tells a user to run {len(shown)} `cargo add` lines (3 expected)")
for c in shown:
    result(words(c) in tested, f"docs/rust.md's `cargo add {c}` is what test_rust_host.sh runs")
print(f"test_readme: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
