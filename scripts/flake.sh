#!/usr/bin/env bash
# Measures a suite's flake rate: runs `./scripts/test.sh --only SUITE` N
# times in a row on this checkout and appends one line per run to a log
# (start time, seconds, load average, pass or fail), then prints the
# longest streak of consecutive passes and the failure count.
#
#   ./scripts/flake.sh test_exit 20                  on the default OCaml
#   ./scripts/flake.sh test_exit 20 --ocaml 5.3.0    on another version
#   FLAKE_LOG=/tmp/exit.log ./scripts/flake.sh ...   where the log goes
#                                                    (default: _flake/SUITE.log)
#
# Each failing run's whole output is kept beside the log (SUITE.fail-K.txt).
set -uo pipefail
suite=${1:?usage: flake.sh SUITE N [--ocaml VERSION]}
n=${2:?usage: flake.sh SUITE N [--ocaml VERSION]}
shift 2
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
log=${FLAKE_LOG:-_flake/$suite.log}
mkdir -p "$(dirname "$log")"
echo "# $(date -u '+%F %T') UTC: $suite x $n, commit $(git rev-parse --short HEAD), args: $*" >>"$log"
for i in $(seq 1 "$n"); do
  start=$(date +%s)
  out=$(mktemp)
  ./scripts/test.sh --only "$suite" "$@" >"$out" 2>&1
  last=$(tail -n 1 "$out")
  if echo "$last" | grep -q 'suites: [1-9][0-9]* passed, 0 failed'; then
    verdict=pass
  else
    verdict=FAIL
    cp "$out" "${log%.log}.fail-$i.txt"
  fi
  rm -f "$out"
  printf '%s run %d %s %ds load %s\n' "$(date -u '+%F %T')" "$i" "$verdict" \
    "$(($(date +%s) - start))" "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$log"
done
# Summary over this invocation's lines (those after its header).
awk '
  /^#/ { streak = best = fails = runs = 0; next }
  $3 == "run" { runs++; if ($5 == "pass") { streak++; if (streak > best) best = streak } else { fails++; streak = 0 } }
  END { printf "flake: %d runs, %d failed, longest streak of passes %d\n", runs, fails, best }
' "$log" | tee -a "$log"
