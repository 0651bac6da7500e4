#!/usr/bin/env python3
"""The crate's layers, checked from its sources (issue 23).

Every `crate::…` path (in `use` lines and in code, comments left out) and
every `super::…` path names a module; each file's module is a node, each
reference an edge. Two rules:

1. no cycle: no two files refer to each other, directly or through others;
2. the folders are layers, each using only those before it:
   core < gtk < ocaml < gtk4, capi, embed (the last three use the others,
   never each other); `lib.rs`, the crate root, declares them and may
   re-export any.

Usage: layers.py [SRC_DIR]   (default: src). Prints each violation and
exits 1, or prints a summary and exits 0.
"""
import os
import re
import sys

LAYERS = {"core": 0, "gtk": 1, "ocaml": 2, "gtk4": 3, "capi": 3, "embed": 3}


def modules(root):
    mods = {}
    for dp, _, fn in os.walk(root):
        for f in fn:
            if f.endswith(".rs"):
                p = os.path.join(dp, f)
                parts = os.path.relpath(p, root)[:-3].split(os.sep)
                if parts[-1] in ("mod", "lib"):
                    parts = parts[:-1]
                mods["::".join(parts)] = p
    return mods


def strip_comments(src):
    src = re.sub(r"/\*.*?\*/", "", src, flags=re.S)
    return re.sub(r"//[^\n]*", "", src)


def resolve(path, names):
    """The longest prefix of `path` that is a module."""
    for k in range(len(path), 0, -1):
        cand = "::".join(path[:k])
        if cand in names:
            return cand
    return None


def edges_of(mods):
    names = set(mods)
    edges = {m: set() for m in mods}
    for m, p in mods.items():
        src = strip_comments(open(p, encoding="utf-8").read())
        refs = [x.split("::") for x in re.findall(r"\bcrate::((?:\w+::)*\w+)", src)]
        for group_prefix, group in re.findall(r"\bcrate::((?:\w+::)*)\{([^}]*)\}", src):
            for item in group.split(","):
                item = item.strip()
                if item and item != "self":
                    refs.append((group_prefix + item).split("::"))
                elif item == "self":
                    refs.append(group_prefix.rstrip(":").split("::"))
        parent = m.split("::")[:-1]
        for x in re.findall(r"\bsuper::((?:\w+::)*\w+)", src):
            refs.append(parent + x.split("::"))
        for r in refs:
            t = resolve([s for s in r if s], names)
            if t is not None and t != m and t != "" and not m.startswith(t + "::") and not t.startswith(m + "::"):
                edges[m].add(t)
    return edges


def cycles(edges):
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(100000)

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def layer(m):
    return m.split("::")[0] if m else ""


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "src"
    mods = modules(root)
    edges = edges_of(mods)
    bad = []
    for comp in cycles(edges):
        inner = [f"{a} -> {b}" for a in comp for b in sorted(edges[a]) if b in comp]
        bad.append("cycle among " + ", ".join(comp) + ": " + "; ".join(inner))
    for m, ts in sorted(edges.items()):
        lm = layer(m)
        if lm not in LAYERS:
            continue  # the crate root
        for t in sorted(ts):
            lt = layer(t)
            if lt not in LAYERS:
                bad.append(f"{m} refers to {t}, which is in no layer")
            elif lt != lm and LAYERS[lt] >= LAYERS[lm]:
                bad.append(f"{m} ({lm}) refers to {t} ({lt}): a layer uses only those before it")
    for m in sorted(mods):
        if layer(m) not in LAYERS and m != "":
            bad.append(f"{mods[m]} is in no layer folder")
    for m, p in sorted(mods.items()):
        first = open(p, encoding="utf-8").readline()
        if not first.startswith("//!"):
            bad.append(f"{p} does not open with a comment saying what it is for (//!)")
    for b in bad:
        print(b)
    if bad:
        return 1
    n_edges = sum(len(v) for v in edges.values())
    print(f"{len(mods)} files, {n_edges} references between them, no cycle, every layer uses only those before it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
