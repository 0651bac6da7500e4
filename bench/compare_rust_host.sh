#!/usr/bin/env bash
# compare_rust_host.sh BASE [ROUNDS]: the Rust host's costs (bench/rust_host.rs)
# on this checkout against commit BASE, measured in the same run.
#
# BASE is exported (git archive) into _build/rust-host-base/, given this
# checkout's bench/rust_host.rs (on a commit without Runtime::lock, whose
# Runtime::start returned with the lock held, its lock guard is dropped:
# the thread holds the lock outside run_unlocked there), and built in a
# target folder of its own. Then ROUNDS rounds (default 7) each run, in an
# order that rotates from round to round:
#   base         BASE, the loops run by the thread that holds the lock
#   base-unlocked BASE, the loops inside Runtime::run_unlocked (where BASE's
#                README had apps run their main loop)
#   new          this checkout (run_unlocked is a no-op here)
#   new-locked   this checkout, the loops holding a Runtime::lock guard
# each mode (emit, invoke, flush, closure) with 3 repetitions. Prints the
# medians, the ratios new / base and new / base-unlocked, and callgrind's
# instructions per operation for each (counted inside Bench::run only).
set -euo pipefail
base=${1:?usage: bench/compare_rust_host.sh BASE_COMMIT [ROUNDS]}
rounds=${2:-7}
# shellcheck source=scripts/setup.sh
source "$(dirname "$0")/../scripts/setup.sh" >/dev/null
set -euo pipefail
root=$OCAML_GCLOSURE_ROOT
cd "$root"
work=$root/_build/rust-host-base
say() { printf '[compare] %s\n' "$*" >&2; }

exe() { # exe DIR TARGET: builds DIR's rust_host_bench, prints its path
  (cd "$1" && nice cargo test --release --quiet --target-dir "$2" --test rust_host_bench --no-run \
    --message-format=json 2>/dev/null | grep -o '"executable":"[^"]*"' | tail -1 | cut -d'"' -f4)
}

rm -rf "$work/src"; mkdir -p "$work/src"
git archive "$base" | tar -x -C "$work/src"
if grep -q 'pub fn lock(&self)' "$work/src/src/embed.rs"; then
  cp bench/rust_host.rs "$work/src/bench/rust_host.rs"
else
  sed -e 's|^    let _locked = ocaml.lock();$|    let _ = ocaml; // BASE: this thread holds the lock outside run_unlocked|' \
    bench/rust_host.rs >"$work/src/bench/rust_host.rs"
fi
grep -q 'name = "rust_host_bench"' "$work/src/Cargo.toml" || cat >>"$work/src/Cargo.toml" <<'TOML'

[[test]]
name = "rust_host_bench"
path = "bench/rust_host.rs"
harness = false
required-features = ["gtk4"]
TOML
# The base's target folder starts as a copy of ours (the dependencies are
# the same): only the crate itself is built again.
if [ ! -d "$work/target/release" ] && [ -d "$OCAML_GCLOSURE_TARGET_DIR/release" ]; then
  mkdir -p "$work/target"; cp -a "$OCAML_GCLOSURE_TARGET_DIR/release" "$work/target/"
fi
say "building $base and this checkout"
B=$(exe "$work/src" "$work/target")
N=$(exe "$root" "$OCAML_GCLOSURE_TARGET_DIR")
[ -x "$B" ] && [ -x "$N" ] || { echo "compare_rust_host: build failed" >&2; exit 1; }
case $B in "$work"/*) ;; *) echo "compare_rust_host: base binary outside $work" >&2; exit 1 ;; esac

raw=$work/raw.txt; : >"$raw"
variants=(base base-unlocked new new-locked)
run() { # run VARIANT MODE N REPS
  local bin=$N extra=()
  case $1 in base) bin=$B ;; base-unlocked) bin=$B; extra=(--unlocked) ;; new-locked) extra=(--locked) ;; esac
  "$bin" "$2" "$3" "$4" "${extra[@]}" | sed "s/^RESULT \([^ ]*\) ours/RESULT \1 $1/" >>"$raw"
}
for r in $(seq 1 "$rounds"); do
  say "round $r/$rounds"
  for i in 0 1 2 3; do
    v=${variants[$(((i + r) % 4))]}
    run "$v" emit 1000000 3; run "$v" invoke 1000000 3
    run "$v" flush 1000000 3; run "$v" closure 100000 3
  done
done

cg=$work/callgrind; rm -rf "$cg"; mkdir -p "$cg"
say "callgrind"
for v in "${variants[@]}"; do
  for m in emit invoke flush closure; do
    n=100000; [ $m = closure ] && n=20000
    bin=$N; extra=()
    case $v in base) bin=$B ;; base-unlocked) bin=$B; extra=(--unlocked) ;; new-locked) extra=(--locked) ;; esac
    valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*Bench*run*' \
      --callgrind-out-file="$cg/$m.$v.out" "$bin" $m $n 1 "${extra[@]}" >/dev/null 2>&1
    total=$(callgrind_annotate "$cg/$m.$v.out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
    echo "$m $v $total $((n + n / 10))" >>"$cg/ir.txt"
  done
done

python3 - "$raw" "$cg/ir.txt" "$base" "$(git rev-parse --short HEAD)" "$rounds" <<'PY'
import sys, statistics
from collections import defaultdict
raw, irf, base, head, rounds = sys.argv[1:]
d = defaultdict(list)
for line in open(raw):
    p = line.split()
    if len(p) == 6 and p[0] == "RESULT":
        d[(p[1], p[2])].append(float(p[4]))
ir = {}
for line in open(irf):
    m, v, total, ops = line.split()
    ir[(m, v)] = int(total) / int(ops)
print(f"Rust host, {head} against {base}: medians of {rounds} rounds x 3 repetitions (ns/op); callgrind Ir/op inside Bench::run")
print()
V = ["base", "base-unlocked", "new", "new-locked"]
print("| figure | base (lock held) | base in run_unlocked | new | new, Locked guard | new / base | new / base in run_unlocked | new, guard / base | Ir/op base | Ir/op base in run_unlocked | Ir/op new | Ir/op new, guard | Ir new / base | Ir new, guard / base |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
names = {"emit": "emission: g_signal_emit_by_name from Rust, 1 OCaml handler",
         "invoke": "invoke: g_closure_invoke from Rust",
         "flush": "API call: Runtime::flush, nothing queued",
         "closure": "API calls: Runtime::closure + connect_closure + disconnect + drop"}
for m in ["emit", "invoke", "flush", "closure"]:
    b, u, n, l = (statistics.median(d[("rust_" + m, v)]) for v in V)
    ib, iu, inn, il = (ir.get((m, v), float("nan")) for v in V)
    print(f"| {names[m]} | {b:.1f} | {u:.1f} | {n:.1f} | {l:.1f} | **{n / b:.2f}×** | {n / u:.2f}× | {l / b:.2f}× "
          f"| {ib:,.0f} | {iu:,.0f} | {inn:,.0f} | {il:,.0f} | **{inn / ib:.2f}×** | {il / ib:.2f}× |")
print()
print("reps per cell:", ", ".join(f"{m} {len(d[('rust_' + m, 'new')])}" for m in ["emit", "invoke", "flush", "closure"]))
PY
