# shellcheck shell=bash
# Sourced by tests/shell/test_*.sh, after setting $name: counts checks and
# prints the closing line "NAME: N passed, M failed".
passed=0; failed=0
check() { # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "ok   $what"
  else failed=$((failed + 1)); echo "FAIL $what"; fi
}
finish() { echo "$name: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }
