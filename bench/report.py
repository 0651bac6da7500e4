#!/usr/bin/env python3
"""Turns bench.exe's RESULT lines (and callgrind profiles) into
bench/results.md and bench/results.png. Called by scripts/bench.sh."""

import argparse
import datetime
import math
import os
import platform
import re
import statistics
import subprocess
from collections import defaultdict

VARIANTS = ["ours", "baseline", "floor"]
LIVES = ["1000", "100000", "1000000"]
COLORS = {"ours": "#1f77b4", "baseline": "#d62728", "floor": "#7f7f7f"}
LABELS = {
    "ours": "ours (ocaml-gclosure)",
    "baseline": "baseline (global root, lablgtk-style)",
    "floor": "floor (C handler, no OCaml)",
}


def parse_raw(path):
    data = defaultdict(list)
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 6 and parts[0] == "RESULT":
                _, fig, var, param, val, _unit = parts
                data[(fig, var, param)].append(float(val))
    return data


class Stats:
    def __init__(self, data):
        self.data = data

    def values(self, fig, var, param="1"):
        return self.data.get((fig, var, param), [])

    def med(self, fig, var, param="1"):
        v = self.values(fig, var, param)
        return statistics.median(v) if v else float("nan")

    def n(self, fig, var, param="1"):
        return len(self.values(fig, var, param))

    def spread(self, fig, var, param="1"):
        v = self.values(fig, var, param)
        return (min(v), max(v)) if v else (float("nan"), float("nan"))


def fmt(x, digits=1):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


# ---- callgrind ------------------------------------------------------------

LINE = re.compile(r"^\s*([\d,]+)\s+\([^)]*\)\s+(?:[*<>]\s+)?(.*?)(?:\s+\[[^\]]*\])?\s*$")


def annotate(path, inclusive):
    """{function: Ir} from callgrind_annotate (recursion-cycle copies such as
    f'2 are merged into f)."""
    cmd = ["callgrind_annotate", "--threshold=100"]
    if inclusive:
        cmd.append("--inclusive=yes")
    out = subprocess.run(cmd + [path], capture_output=True, text=True).stdout
    table, started, total = defaultdict(int), False, None
    for line in out.splitlines():
        if "PROGRAM TOTALS" in line:
            total = int(line.split()[0].replace(",", ""))
            continue
        if line.startswith("Ir") and "file:function" in line:
            started = True
            continue
        if not started:
            continue
        if line.startswith("--") and table:
            break
        m = LINE.match(line)
        if not m:
            continue
        ir = int(m.group(1).replace(",", ""))
        where = m.group(2)
        func = where.split(":", 1)[1] if ":" in where else where
        func = re.sub(r"'\d+$", "", func)
        table[func] += ir
    return total, table


def load_profiles(cgdir):
    prof = {}
    if not cgdir or not os.path.isdir(cgdir):
        return prof
    for case in ["invoke", "emit", "lifecycle", "rust_emit", "rust_invoke", "rust_flush"]:
        for v in ["ours", "baseline", "locked"]:
            out = os.path.join(cgdir, f"{case}.{v}.out")
            ops = os.path.join(cgdir, f"{case}.{v}.ops")
            if not (os.path.exists(out) and os.path.exists(ops)):
                continue
            n = int(open(ops).read().strip())
            total, excl = annotate(out, inclusive=False)
            _, incl = annotate(out, inclusive=True)
            if total:
                prof[(case, v)] = {"ops": n, "total": total / n,
                                   "excl": {k: x / n for k, x in excl.items()},
                                   "incl": {k: x / n for k, x in incl.items()}}
    return prof


def short(func, width=70):
    func = func.replace("ocaml_gclosure::", "").replace("<core::", "<")
    return func if len(func) <= width else func[: width - 1] + "…"


# Named costs, Ir per op: ("i", inclusive) only for C/Rust functions that
# call no OCaml code (callgrind's inclusive counts are unreliable across
# OCaml's stack switches), ("e", self cost) otherwise.
NAMED = {
    "invoke": [
        ("e", "closure::marshal", "closure::marshal, self (state checks, domain-lock check, TLS invocation record, the registry read: no lock when one domain runs)"),
        ("e", "baseline_marshal", "baseline_marshal, self"),
        ("i", "boxroot_create", "boxroot_create (was: ocaml-rs rooting each argv; now none per call)"),
        ("i", "boxroot_delete", "boxroot_delete (likewise)"),
        ("e", "alloc_custom_gen", "alloc_custom_gen (ours: none any more, the argv block is one caml_alloc_small with its ops in field 0)"),
        ("e", "caml_stw_empty_minor_heap_no_major_slice.constprop.0", "minor GC, self"),
        ("e", "caml_alloc_small", "caml_alloc_small (ours: the argv, one block; baseline: its argv, 3 small blocks)"),
        ("e", "caml_callback_exn", "caml_callback_exn, self (the same on both sides)"),
        ("e", "g_closure_invoke", "g_closure_invoke, self (GLib, the same on both sides)"),
    ],
    "lifecycle": [
        ("i", "ocaml::runtime::init", "ocaml-rs `Runtime::init` (a getenv) run by `#[ocaml::func]`; the hot externals now skip it"),
        ("i", "boxroot_create", "boxroot_create: the callback's root"),
        ("i", "boxroot_delete", "boxroot_delete: the same root released"),
        ("i", "signals::parse", "signals::parse (g_signal_parse_name: only when the thread does not know the name for the class yet)"),
        ("i", "g_signal_handler_is_connected", "g_signal_handler_is_connected (disconnect's check before disconnecting)"),
        ("i", "registry::Registry<P>::insert_with", "Registry::insert_with (the slots' write lock)"),
        ("i", "registry::Registry<P>::invalidate", "Registry::invalidate (read lock, compare-and-swap, queue mutex), from a notifier on another thread"),
        ("i", "registry::Registry<P>::invalidate_unlocked", "Registry::invalidate_unlocked (compare-and-swap, queue mutex), from a notifier on the only domain's thread"),
        ("i", "registry::Registry<P>::drain_with", "Registry::drain_with (buffers kept between bursts)"),
        ("i", "deferred::push", "deferred::push (the handle's finalizer: mutex + Vec push)"),
        ("i", "lifecycle::flush", "lifecycle::flush (deferred g_closure_unref → invalidate → drain → root release)"),
        ("i", "caml_register_global_root", "caml_register_global_root (skip list insert under the roots mutex)"),
        ("i", "caml_remove_global_root", "caml_remove_global_root (skip list remove under the roots mutex)"),
        ("i", "g_signal_connect_closure_by_id", "g_signal_connect_closure_by_id (GLib)"),
        ("i", "g_signal_connect_closure", "g_signal_connect_closure (GLib, parses the name itself)"),
        ("i", "g_signal_handler_disconnect", "g_signal_handler_disconnect (GLib)"),
        ("i", "g_closure_new_simple", "g_closure_new_simple (GLib)"),
    ],
}


def find(table, key):
    hits = [(f, x) for f, x in table.items() if f == key or f.endswith(key)]
    return max(hits, key=lambda t: t[1])[1] if hits else None


# ---- the report ---------------------------------------------------------------


def program_section(S):
    """The program-shaped benchmark (bench/program/program.ml), as lines of
    a section of results.md; none when it did not run (OCaml 4.14)."""
    if not S.values("prog_total", "ours"):
        return []
    out = ["## A program-shaped benchmark",
           "",
           "`bench/program/program.ml`: 3,000 live GtkButtons with two handlers each (\"clicked\", "
           "\"notify::label\"); 2,000 frames, each an OCaml model update that allocates, 30 \"clicked\" "
           "emissions from C on random buttons, 8 buttons replaced (the old ones dropped with their "
           "handlers), one main-context iteration with the domain lock released. Objects are made through "
           "`Gtk4` in both variants; only the closures differ. The baseline aborts on callbacks from GLib's "
           "threads, so it runs without the worker thread, and ours is measured both ways; ours with a "
           "worker has a GTask in GLib's pool emit 1,000 times meanwhile (the program ends when both are "
           "done). GC times are the runtime's own (Runtime_events: minor collections, major GC work). "
           "The same workload on ocgtk's API, stock against ours: the ocgtk section below. Median (min–max) of the rounds.",
           "",
           "| figure | ours, no worker | baseline, no worker | ours / baseline | ours with the worker thread |",
           "| --- | ---: | ---: | ---: | ---: |"]

    def c(fig, v):
        vals = S.values(fig, v, "1")
        if not vals:
            return "–"
        return f"{fmt(S.med(fig, v, '1'))} ({fmt(min(vals))}–{fmt(max(vals))})"

    for label, fig, unit in [("total time", "prog_total", "ms"), ("minor GC time", "prog_minor", "ms"),
                             ("major GC time", "prog_major", "ms"), ("peak RSS", "prog_rss", "KB")]:
        o, b = S.med(fig, "ours", "1"), S.med(fig, "baseline", "1")
        ratio = f"{o / b:.2f}×" if b and not math.isnan(b) and not math.isnan(o) else "–"
        out.append(f"| {label} ({unit}) | {c(fig, 'ours')} | {c(fig, 'baseline')} | {ratio} | "
                   f"{c(fig, 'ours_worker')} |")
    out.append("")
    return out


def dialogs_section(S):
    """Memory per dialog (scripts/bench.sh's dialog stage), as lines of a
    section of results.md; none when the stage did not run."""
    params = sorted({p for (f, _v, p) in S.data if f == "dialog_rss"})
    if not params:
        return []
    n = params[-1]
    rows = [("ours, the Close handler finds its window from the button", "ours"),
            ("ours, the Close handler captures its window", "ours_capturing"),
            ("the same program in C", "c")]
    out = [f"## Memory per dialog over {int(n):,} dialogs",
           "",
           "`tests/memory/mem_dialogs.ml` (Gtk4) and `tests/memory/dialogs_c.c`: a window of the "
           "application with a box, a label and a Close button; \"clicked\" destroys it; every handle "
           "dropped; no GC in the loop. Growth per dialog after the final GC (a full major GC and "
           "`Gclosure.flush` 30 times), from a baseline taken after the first third of the dialogs, "
           "so the figure is over the last two thirds. Median (min–max) of the rounds; "
           "ocgtk stock against ocgtk on this library is in the ocgtk section below.",
           "",
           "| program | RSS per dialog | malloc in use per dialog | closures left | rounds |",
           "| --- | ---: | ---: | ---: | ---: |"]

    def c(fig, v):
        vals = S.values(fig, v, n)
        if not vals:
            return "–"
        lo, hi = min(vals), max(vals)
        return f"{fmt(S.med(fig, v, n), 0)} B ({fmt(lo, 0)} – {fmt(hi, 0)})"

    for label, v in rows:
        cl = S.values("dialog_closures", v, n)
        out.append(f"| {label} | {c('dialog_rss', v)} | {c('dialog_malloc', v)} | "
                   f"{fmt(max(cl), 0) if cl else '–'} | {S.n('dialog_rss', v, n)} |")
    out.append("")
    out.append("Before owned closures, disposed windows and GC weights (db7b8c7), the same programs "
               "grew by about 15 KB (not capturing) and 29 KB (capturing) per dialog; see "
               "[docs/memory.md](../docs/memory.md).")
    out.append("")
    return out


def ocgtk_section(bench_dir):
    """The ocgtk rows (bench/ocgtk.md, written by integrations/ocgtk/bench.sh),
    as lines of a section of results.md; none when that file is missing."""
    path = os.path.join(bench_dir, "ocgtk.md")
    if not os.path.exists(path):
        return []
    lines = open(path).read().splitlines()
    meta = [l for l in lines if l.startswith("- ")]
    table = [l for l in lines if l.startswith("| ")]
    out = ["## ocgtk stock against ocgtk on this library",
           "",
           "From [bench/ocgtk.md](ocgtk.md) (`integrations/ocgtk/bench.sh`, its own run: the same "
           "workloads on ocgtk's public API, ocgtk built stock and on this library; ratio ours / stock, "
           "a cost).",
           ""]
    return out + meta + [""] + table + [""]


RUST_ROWS = [
    ("rust_emit", "emission: g_signal_emit_by_name from Rust, 1 OCaml handler"),
    ("rust_invoke", "invoke: g_closure_invoke from Rust on a Runtime::closure"),
    ("rust_flush", "API call: Runtime::flush, nothing queued"),
    ("rust_closure", "API calls: Runtime::closure + connect_closure + disconnect + drop"),
]


def rust_host_section(S, prof):
    """The Rust host's rows (bench/rust_host.rs): a gtk4-rs program that
    embeds OCaml, where the domain lock is held only inside calls."""
    if not S.values("rust_emit", "ours"):
        return []
    def cell(fig, v):
        if not S.values(fig, v):
            return "–"
        lo, hi = S.spread(fig, v)
        return f"{fmt(S.med(fig, v))} ({fmt(lo)}–{fmt(hi)})"
    def ir(fig, v):
        p = prof.get((fig, v))
        return f"{p['total']:,.0f}" if p else "–"
    out = ["## Rust host (a gtk4-rs program that embeds OCaml)",
           "",
           "`bench/rust_host.rs`, run by the Rust program that started the runtime (`Runtime::start`). "
           "The domain lock is held only inside calls: each OCaml callback and each call of the API takes "
           "it and gives it back (\"each call\"); a program that makes a burst of calls can hold a "
           "`Runtime::lock` guard across it (\"guard held\"), and the calls inside take nothing. Median "
           "(min–max) in ns per operation; callgrind's instructions per operation inside the measured loop. "
           "Against the commit before the change (lock held between calls): [analysis.md](analysis.md), "
           "\"The Rust host's domain lock\".",
           "",
           "| figure | each call | guard held | Ir/op, each call | Ir/op, guard held | reps |",
           "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for fig, label in RUST_ROWS:
        out.append(f"| {label} | {cell(fig, 'ours')} | {cell(fig, 'locked')} | {ir(fig, 'ours')} | "
                   f"{ir(fig, 'locked')} | {S.n(fig, 'ours')} |")
    out.append("")
    return out


def main():
    ap = argparse.ArgumentParser()
    for a in ["raw", "callgrind", "md", "png", "command", "ocaml", "glib", "commit", "load"]:
        ap.add_argument("--" + a, default="")
    ap.add_argument("--rounds", type=int, default=0)
    ap.add_argument("--measure-seconds", type=int, default=0)
    ap.add_argument("--total-seconds", type=int, default=0)
    args = ap.parse_args()

    S = Stats(parse_raw(args.raw))
    prof = load_profiles(args.callgrind)
    M = S.med

    inv = {v: M("invoke", v) for v in VARIANTS}
    emi = {v: M("emit", v) for v in VARIANTS}
    # with a second domain running (issue 25): the ratio against the
    # baseline under the same load, divided by the ratio with one domain
    inv2 = {v: M("invoke_busy", v) for v in VARIANTS}
    emi2 = {v: M("emit_busy", v) for v in VARIANTS}
    lc = {(v, l): M("lifecycle", v, l) for v in VARIANTS for l in LIVES}
    mem = {(v, l): M("memory", v, l) for v in VARIANTS for l in LIVES}
    drain = {(v, l): M("drain", v, l) for v in VARIANTS for l in LIVES}
    minor = {(v, l): M("minor_gc", v, l) for v in VARIANTS for l in LIVES}
    create = {(v, l): M("create", v, l) for v in VARIANTS for l in LIVES}

    beyond = {v: mem[(v, "1000000")] - mem[("floor", "1000000")] for v in ["ours", "baseline"]}
    targets = [
        ("invoke: g_closure_invoke round trip", inv["ours"] / inv["baseline"], "≤ 1.15× baseline",
         lambda r: r <= 1.15, "{:.2f}×",
         f"ours {fmt(inv['ours'])} ns, baseline {fmt(inv['baseline'])} ns, floor {fmt(inv['floor'])} ns",
         S.n("invoke", "ours")),
        ("emission: 1 handler, g_signal_emit_by_name from C", emi["ours"] / emi["baseline"], "≤ 1.05× baseline",
         lambda r: r <= 1.05, "{:.2f}×",
         f"ours {fmt(emi['ours'])} ns, baseline {fmt(emi['baseline'])} ns, floor {fmt(emi['floor'])} ns",
         S.n("emit", "ours")),
        ("invoke with a second domain running: its ratio ÷ the ratio with one",
         (inv2["ours"] / inv2["baseline"]) / (inv["ours"] / inv["baseline"]), "≤ 1.03",
         lambda r: r <= 1.03, "{:.2f}",
         f"with a second domain: ours {fmt(inv2['ours'])} ns, baseline {fmt(inv2['baseline'])} ns "
         f"({inv2['ours'] / inv2['baseline']:.2f}×)",
         S.n("invoke_busy", "ours")),
        ("emission with a second domain running: its ratio ÷ the ratio with one",
         (emi2["ours"] / emi2["baseline"]) / (emi["ours"] / emi["baseline"]), "≤ 1.03",
         lambda r: r <= 1.03, "{:.2f}",
         f"with a second domain: ours {fmt(emi2['ours'])} ns, baseline {fmt(emi2['baseline'])} ns "
         f"({emi2['ours'] / emi2['baseline']:.2f}×)",
         S.n("emit_busy", "ours")),
        ("lifecycle throughput at 100,000 live (baseline cost / ours)",
         lc[("baseline", "100000")] / lc[("ours", "100000")], "≥ 1.0× baseline",
         lambda r: r >= 1.0, "{:.2f}×",
         f"ours {fmt(lc[('ours', '100000')])} ns/op, baseline {fmt(lc[('baseline', '100000')])} ns/op, "
         f"floor {fmt(lc[('floor', '100000')])} ns/op",
         S.n("lifecycle", "ours", "100000")),
        ("lifecycle cost at 1,000,000 live / at 1,000 live (ours)",
         lc[("ours", "1000000")] / lc[("ours", "1000")], "≤ 1.2×",
         lambda r: r <= 1.2, "{:.2f}×",
         f"ours {fmt(lc[('ours', '1000')])} → {fmt(lc[('ours', '1000000')])} ns/op; "
         f"baseline {fmt(lc[('baseline', '1000')])} → {fmt(lc[('baseline', '1000000')])} ns/op "
         f"({lc[('baseline', '1000000')] / lc[('baseline', '1000')]:.2f}×)",
         S.n("lifecycle", "ours", "1000000")),
        ("memory per live closure beyond GLib's, at 1,000,000", beyond["ours"], "≤ 96 bytes",
         lambda r: r <= 96, "{:.0f} B",
         f"RSS per closure: ours {fmt(mem[('ours', '1000000')])} B, baseline {fmt(mem[('baseline', '1000000')])} B, "
         f"pure-C GClosure {fmt(mem[('floor', '1000000')])} B; baseline beyond GLib {fmt(beyond['baseline'])} B",
         S.n("memory", "ours", "1000000")),
        ("shutdown drain, 1,000,000 live (Gclosure.shutdown)", drain[("ours", "1000000")], "≤ 250 ms",
         lambda r: r <= 250, "{:.1f} ms",
         f"baseline releasing its 1,000,000 explicitly {fmt(drain[('baseline', '1000000')])} ms; "
         f"g_closure_unref of 1,000,000 pure-C closures {fmt(drain[('floor', '1000000')])} ms",
         S.n("drain", "ours", "1000000")),
    ]

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    md = []
    w = md.append
    w("# Benchmarks: ocaml-gclosure against the lablgtk-style baseline")
    w("")
    w("Generated by `scripts/bench.sh` (bench/report.py); what each figure measures, and how, is in "
      "[bench/README.md](README.md). Costs are wall-clock medians. ocgtk stock against ocgtk on this "
      "library: [bench/ocgtk.md](ocgtk.md) (`integrations/ocgtk/bench.sh`).")
    w("")
    w(f"- command: `{args.command}` (from the repository root)")
    w(f"- date: {now}; commit {args.commit}")
    w(f"- machine: {os.cpu_count()} cores (nproc {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()}), "
      f"CPU \"{cpu_model()}\", {platform.system()} {platform.release()}; load average at start {args.load}")
    w(f"- OCaml {args.ocaml}, GLib {args.glib}, default GC settings")
    w(f"- rounds: {args.rounds}; measuring took {args.measure_seconds} s, the whole run "
      f"{args.total_seconds} s before this report")
    w("")
    w("## Targets")
    w("")
    w("Ratio (or value) first. For costs the ratio is ours / baseline; for throughput it is "
      "ours' throughput / the baseline's (= baseline ns per op / ours). Every number is the median of "
      "the repetitions counted in the last column, ours, the baseline and the floor measured side by "
      "side in each round.")
    w("")
    w("| figure | ratio or value | target | met | medians | reps |")
    w("| --- | ---: | --- | :---: | --- | ---: |")
    for name, r, tgt, ok, f, detail, n in targets:
        w(f"| {name} | **{f.format(r)}** | {tgt} | {'yes' if ok(r) else '**no**'} | {detail} | {n} |")
    w("")
    w("## All figures")
    w("")
    w("Median (min–max) over the repetitions.")
    w("")
    w("| figure | live | ours | baseline | floor | unit |")
    w("| --- | ---: | ---: | ---: | ---: | --- |")

    def cell(fig, v, p):
        if not S.values(fig, v, p):
            return "–"
        lo, hi = S.spread(fig, v, p)
        return f"{fmt(M(fig, v, p))} ({fmt(lo)}–{fmt(hi)})"

    w(f"| invoke (g_closure_invoke) | – | {cell('invoke', 'ours', '1')} | {cell('invoke', 'baseline', '1')} | {cell('invoke', 'floor', '1')} | ns/op |")
    w(f"| emission (g_signal_emit_by_name) | – | {cell('emit', 'ours', '1')} | {cell('emit', 'baseline', '1')} | {cell('emit', 'floor', '1')} | ns/op |")
    rows = [("lifecycle (create, connect, disconnect, release)", "lifecycle", "ns/op"),
            ("create one more (while filling)", "create", "ns/op"),
            ("memory: RSS growth per live closure", "memory", "bytes"),
            ("minor GC pause (Gc.minor)", "minor_gc", "µs"),
            ("drain: release all live closures", "drain", "ms")]
    for label, fig, unit in rows:
        for l in LIVES:
            w(f"| {label} | {int(l):,} | {cell(fig, 'ours', l)} | {cell(fig, 'baseline', l)} | {cell(fig, 'floor', l)} | {unit} |")
    w("")
    w("Memory at 1,000 and 100,000 live is at page granularity and includes heap growth steps, so only "
      "the 1,000,000 row is a per-closure figure. The drain is `Gclosure.shutdown ()` for ours (roots "
      "released; the GClosures themselves stay until their handles are collected), the explicit release "
      "of every handle for the baseline (g_closure_unref: closure freed, root removed), and "
      "g_closure_unref of every pure-C closure for the floor.")
    w("")

    if S.values("invoke", "owned") or S.values("emit", "owned"):
        w("### Owned closures against unowned ones (issue 19)")
        w("")
        w("A closure connected through `Gobject.Signal.connect_by_name` is owned by its object once the "
          "program drops its `g_closure` value (docs/memory.md): its callback is then read through the "
          "object's ephemeron. *unowned*: the program holds the value (a strong root); *owned*: dropped, "
          "then a GC and a safe point before measuring. Median (min–max), same processes as above.")
        w("")
        w("| figure | unowned | owned | owned / unowned |")
        w("| --- | ---: | ---: | ---: |")
        for fig, label in [("invoke", "invoke (g_closure_invoke)"), ("emit", "emission (g_signal_emit_by_name)")]:
            r = M(fig, "owned") / M(fig, "unowned")
            w(f"| {label} | {cell(fig, 'unowned', '1')} | {cell(fig, 'owned', '1')} | {r:.2f}× |")
        w("")

    for line in program_section(S):
        w(line)

    for line in dialogs_section(S):
        w(line)

    for line in rust_host_section(S, prof):
        w(line)

    for line in ocgtk_section(os.path.dirname(os.path.abspath(__file__))):
        w(line)

    # ---- analysis ----
    w("## Where the time goes (callgrind)")
    w("")
    if not prof:
        w("(Profiles skipped: BENCH_PROFILE=0.)")
    else:
        w("`valgrind --tool=callgrind` counts instructions (Ir) inside the measured calls only "
          "(`--toggle-collect` on `g_closure_invoke` and `g_signal_emit_by_name`; for lifecycle, "
          "bench.exe switches counting on and off around each batch with `CALLGRIND_TOGGLE_COLLECT`; "
          "lifecycle with 100,000 others live, 2 batches of 20,000). Numbers are Ir per operation; "
          "instructions are not nanoseconds (cache misses and atomic operations cost more than their "
          "count), but they are reproducible and show what each side executes.")
        w("")
        w("| case | ours Ir/op | baseline Ir/op | ratio | wall-clock ratio (above) |")
        w("| --- | ---: | ---: | ---: | ---: |")
        wall = {"invoke": inv["ours"] / inv["baseline"], "emit": emi["ours"] / emi["baseline"],
                "lifecycle": lc[("ours", "100000")] / lc[("baseline", "100000")]}
        for case in ["invoke", "emit", "lifecycle"]:
            o, b = prof.get((case, "ours")), prof.get((case, "baseline"))
            if o and b:
                w(f"| {case} | {o['total']:,.0f} | {b['total']:,.0f} | {o['total'] / b['total']:.2f}× | {wall[case]:.2f}× |")
        w("")
        for case in ["invoke", "lifecycle"]:
            o, b = prof.get((case, "ours")), prof.get((case, "baseline"))
            if not (o and b):
                continue
            w(f"### {case}: named costs, Ir per op")
            w("")
            w("| function (and what it stands for) | how | ours | baseline |")
            w("| --- | --- | ---: | ---: |")
            for mode, key, label in NAMED[case]:
                t = "incl" if mode == "i" else "excl"
                xo, xb = find(o[t], key), find(b[t], key)
                cellv = lambda x: fmt(x, 0) if x is not None and x >= 0.5 else "–"
                w(f"| {label} | {'inclusive' if mode == 'i' else 'self'} | {cellv(xo)} | {cellv(xb)} |")
            w("")
            w(f"Top functions by self cost (Ir per op), {case}:")
            w("")
            w("| ours: function | Ir/op | baseline: function | Ir/op |")
            w("| --- | ---: | --- | ---: |")
            to = sorted(o["excl"].items(), key=lambda t: -t[1])[:15]
            tb = sorted(b["excl"].items(), key=lambda t: -t[1])[:15]
            for i in range(15):
                a = to[i] if i < len(to) else ("", 0)
                c = tb[i] if i < len(tb) else ("", 0)
                w(f"| `{short(a[0])}` | {a[1]:,.0f} | `{short(c[0])}` | {c[1]:,.0f} |")
            w("")
    analysis = os.path.join(os.path.dirname(os.path.abspath(__file__)), "analysis.md")
    if os.path.exists(analysis):
        w(open(analysis).read().rstrip())
        w("")
    with open(args.md, "w") as f:
        f.write("\n".join(md))

    plot(args.png, S, targets, args, now)


def plot(path, S, targets, args, now):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    M = S.med
    fig, axes = plt.subplots(2, 3, figsize=(17, 10))
    fig.suptitle(f"ocaml-gclosure vs lablgtk-style baseline vs pure-C floor — medians of {args.rounds} rounds "
                 f"({os.cpu_count()} cores, {cpu_model()}, OCaml {args.ocaml}, {now})", fontsize=12)
    xs = [1_000, 100_000, 1_000_000]

    def err(fig_, v, p):
        m = M(fig_, v, p)
        lo, hi = S.spread(fig_, v, p)
        return m, [[m - lo], [hi - m]]

    # (a) invoke and emission
    ax = axes[0][0]
    width = 0.26
    for i, v in enumerate(VARIANTS):
        for j, f in enumerate(["invoke", "emit"]):
            m, e = err(f, v, "1")
            ax.bar(j + (i - 1) * width, m, width, color=COLORS[v], yerr=e, capsize=3,
                   label=LABELS[v] if j == 0 else None)
            ax.text(j + (i - 1) * width, m + e[1][0], f"{m:.0f}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks([0, 1], ["g_closure_invoke\n(1 call)", "g_signal_emit_by_name\n(1 handler)"])
    ax.set_ylabel("ns per call")
    ax.set_title("Invoke and emission cost (lower is better)")
    ax.legend(fontsize=8, loc="upper left")

    # (b) lifecycle vs live
    ax = axes[0][1]
    for v in VARIANTS:
        ys = [M("lifecycle", v, str(x)) for x in xs]
        ax.plot(xs, ys, "o-", color=COLORS[v], label=LABELS[v])
        for x, y in zip(xs, ys):
            ax.annotate(f"{y:.0f}", (x, y), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
    ax.set_xscale("log")
    ax.set_ylim(bottom=0)
    ax.set_xlabel("other closures alive")
    ax.set_ylabel("ns per create+connect+disconnect+release")
    ax.set_title("Lifecycle cost vs live closures (lower is better)")
    ax.legend(fontsize=8)

    # (c) memory at 1M
    ax = axes[0][2]
    floor = M("memory", "floor", "1000000")
    for i, v in enumerate(VARIANTS):
        m = M("memory", v, "1000000")
        ax.bar(i, min(m, floor), color="#bbbbbb")
        if v != "floor":
            ax.bar(i, m - floor, bottom=floor, color=COLORS[v])
            ax.text(i, m, f"{m:.0f} B\n(+{m - floor:.0f} beyond GLib)", ha="center", va="bottom", fontsize=8)
        else:
            ax.text(i, m, f"{m:.0f} B\n(GLib's closure)", ha="center", va="bottom", fontsize=8)
    ax.axhline(floor + 96, color="black", ls="--", lw=1)
    ax.text(2.4, floor + 96, "target: GLib + 96 B", ha="right", va="bottom", fontsize=8)
    ax.set_xticks(range(3), ["ours", "baseline", "pure-C GClosure"])
    ax.set_ylabel("RSS bytes per live closure")
    ax.set_ylim(0, max(max(M("memory", v, "1000000") for v in VARIANTS), floor + 96) * 1.3)
    ax.set_title("Memory per live closure at 1,000,000 (grey: GLib's own)")

    # (d) minor GC pause
    ax = axes[1][0]
    for v in VARIANTS:
        ys = [M("minor_gc", v, str(x)) for x in xs]
        ax.plot(xs, ys, "o-", color=COLORS[v], label=LABELS[v])
        for x, y in zip(xs, ys if v != "floor" else []):  # the floor sits on ours
            ax.annotate(f"{y:,.0f}" if y >= 10 else f"{y:.1f}", (x, y), textcoords="offset points",
                        xytext=(0, 6), ha="center", fontsize=8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("closures alive")
    ax.set_ylabel("µs per Gc.minor ()")
    ax.set_title("Minor GC pause vs live closures (not a target)")
    ax.legend(fontsize=8)

    # (e) drain
    ax = axes[1][1]
    for v in VARIANTS:
        ys = [M("drain", v, str(x)) for x in xs]
        ax.plot(xs, ys, "o-", color=COLORS[v], label={"ours": "ours: Gclosure.shutdown ()",
                                                      "baseline": "baseline: explicit release of each",
                                                      "floor": "floor: g_closure_unref of each"}[v])
        ax.annotate(f"{ys[-1]:.0f} ms", (xs[-1], ys[-1]), textcoords="offset points", xytext=(-8, 4),
                    ha="right", fontsize=8)
    ax.axhline(250, color="black", ls="--", lw=1)
    ax.text(1_000, 250, "target: 250 ms at 1,000,000", va="bottom", fontsize=8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("closures alive")
    ax.set_ylabel("ms")
    ax.set_title("Drain: releasing every live closure")
    ax.legend(fontsize=8, loc="lower right")

    # (f) targets
    ax = axes[1][2]
    ax.axis("off")
    ax.set_title("Targets (ratio or value first)")
    y = 0.95
    for name, r, tgt, ok, f, _detail, _n in targets:
        good = ok(r)
        ax.text(0.0, y, ("MET  " if good else "MISSED  ") + f.format(r), color="#2ca02c" if good else "#d62728",
                fontsize=11, fontweight="bold", transform=ax.transAxes, va="top")
        ax.text(0.0, y - 0.055, f"{name}\ntarget {tgt}", fontsize=8.5, transform=ax.transAxes, va="top")
        y -= 0.16
    fig.tight_layout(rect=[0, 0, 1, 0.96])
    fig.savefig(path, dpi=90)


if __name__ == "__main__":
    main()
