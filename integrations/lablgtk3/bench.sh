#!/usr/bin/env bash
# lablgtk3 stock against lablgtk3 on this library (issue 24): the same
# workloads on lablgtk3's public API (repro/b_bench.ml), built both ways
# (build.sh), run side by side in each round, in an order that alternates
# from round to round. Every figure is the median of LABLGTK3_BENCH_ROUNDS
# rounds (5 by default, at least 5); the ratio is ours / stock (a cost:
# below 1 is faster). Prints the table; with --update-docs, also writes it
# to bench/lablgtk3.md.
#
#   integrations/lablgtk3/bench.sh [--update-docs]   # OCaml: LABLGTK3_OCAML (default 5.4.1)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
update=no; [ "${1:-}" = --update-docs ] && update=yes
rounds=${LABLGTK3_BENCH_ROUNDS:-5}
[ "$rounds" -ge 5 ] || { echo "bench.sh: LABLGTK3_BENCH_ROUNDS must be at least 5" >&2; exit 2; }
export OCAML_GCLOSURE_OCAML=${LABLGTK3_OCAML:-5.4.1}
t_all=$SECONDS

declare -A exe
for variant in stock ours; do
  out=$(bash "$here/build.sh" "$variant" 2>&1) || { echo "$out" | tail -n 30; echo "bench.sh: the $variant build failed" >&2; exit 1; }
  ws=$(sed -n 's/^LABLGTK3_WS=//p' <<<"$out" | tail -n 1)
  exe[$variant]=$ws/_build/default/extra/repro/b_bench.exe
  [ -x "${exe[$variant]}" ] || { echo "bench.sh: no ${exe[$variant]}" >&2; exit 1; }
done
ocaml_v=${ws##*-ocaml}

# label | b_bench arguments | unit
figures=(
  "emission: 1 handler, value_changed via adjustment#set_value|emission 200000|ns"
  "lifecycle at 100,000 live handlers: connect + disconnect|lifecycle 20000 100000|ns"
  "minor GC with 1,000 live handlers|minor 1000 1000|us"
  "minor GC with 100,000 live handlers|minor 100000 100|us"
  "minor GC with 300,000 live handlers|minor 300000 20|us"
)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
run() { # run VARIANT ARGS... : the number, or "hang" / "fail(N)"
  local out rc
  out=$(cd "$tmp" && timeout 300 "${exe[$1]}" "${@:2}" 2>"$tmp/err"); rc=$?
  if [ $rc -eq 124 ]; then echo hang
  elif [ $rc -ne 0 ]; then echo "fail($rc)"
  else sed -n 's/^[a-z]*: \([0-9.]*\) .*/\1/p' <<<"$out"; fi
}
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

declare -A vals
for f in "${figures[@]}"; do
  IFS='|' read -r label args unit <<<"$f"
  for r in $(seq 1 "$rounds"); do
    if [ $((r % 2)) -eq 1 ]; then order="stock ours"; else order="ours stock"; fi
    for v in $order; do
      # shellcheck disable=SC2086
      x=$(run "$v" $args)
      vals[$label/$v]+="$x "
      echo "[bench] $label, round $r, $v: $x $unit" >&2
    done
  done
done

{
  echo "# lablgtk3: stock against ours"
  echo
  echo "\`integrations/lablgtk3/bench.sh --update-docs\` on OCaml $ocaml_v, $(date -u +%Y-%m-%d),"
  echo "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end. Each figure is the median"
  echo "of $rounds rounds (stock and ours side by side in each round, the order"
  echo "alternating); ratio = ours / stock (a cost: below 1 is better). Workloads:"
  echo "\`integrations/lablgtk3/repro/b_bench.ml\` (lablgtk3's public API only)."
  echo
  echo "| figure | stock | ours | ours / stock |"
  echo "| --- | --- | --- | --- |"
  for f in "${figures[@]}"; do
    IFS='|' read -r label args unit <<<"$f"
    s=$(tr ' ' '\n' <<<"${vals[$label/stock]}" | grep -E '^[0-9.]+$' | median)
    o=$(tr ' ' '\n' <<<"${vals[$label/ours]}" | grep -E '^[0-9.]+$' | median)
    ratio=$(awk -v s="$s" -v o="$o" 'BEGIN { if (s + 0 > 0 && o != "-") printf "%.3g", o / s; else print "-" }')
    echo "| $label | $s $unit | $o $unit | $ratio |"
  done
  echo
  echo "Raw rounds (stock; ours):"
  echo
  for f in "${figures[@]}"; do
    IFS='|' read -r label _ unit <<<"$f"
    echo "- $label ($unit): ${vals[$label/stock]% }; ${vals[$label/ours]% }"
  done
} >"$tmp/table.md"
cat "$tmp/table.md"
[ "$update" = yes ] && cp "$tmp/table.md" "$root/bench/lablgtk3.md" && echo "bench.sh: wrote bench/lablgtk3.md" >&2
echo "bench.sh: $((SECONDS - t_all)) s" >&2
