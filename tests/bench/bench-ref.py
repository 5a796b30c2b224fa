#!/usr/bin/python3
# bench-ref.py
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The driver of the benchmarks and their reference side: Debian's
# python3-yaml (libyaml's C parser and emitter), Python's json module, and
# graphviz processes.
#
#   bench-ref.py run BENCH-ENGINE WORKDIR REPS   measure everything, print the table
#   bench-ref.py table RESULTS                   print the table of saved RESULT lines
#
# WORKDIR holds what `bench-engine generate` wrote: flow-10k.{yaml,json},
# flow-1k.yaml and flow-1k.layout.dot.
#
# Our side and the reference side ALTERNATE, one repetition each in turn, so
# that both see the same machine state even when other work comes and goes
# on the machine; a single extra round before the timed ones warms caches
# for both and is thrown away. Our figures come from bench-engine (timed
# inside the process around the work, one warm-up run first in the same
# process); the reference figures are timed inside this process around the
# call only, or, for graphviz, as a whole process minus the same tool on an
# empty graph, which cancels process start-up and plug-in loading.
#
# Every figure is printed as "RESULT key median-ms min-ms max-ms reps", and
# its CPU time as "RESULT key-cpu ...": on a busy machine CPU time shows the
# work done without the waiting for a core.
#
# Run it with /usr/bin/python3: Debian's python3-yaml is the reference, and
# yaml.CSafeLoader must be the C one.

import json
import os
import resource
import statistics
import subprocess
import sys
import time


class Samples:
    def __init__(self):
        self.by_key = {}

    def add(self, key, wall, cpu):
        self.by_key.setdefault(key, []).append((wall, cpu))

    def lines(self):
        out = []
        for key, samples in self.by_key.items():
            for suffix, values in (("", [w for w, _ in samples]),
                                   ("-cpu", [c for _, c in samples])):
                out.append("RESULT %s%s %.3f %.3f %.3f %d"
                           % (key, suffix, statistics.median(values), min(values),
                              max(values), len(values)))
        return out


class Stopwatch:
    def __enter__(self):
        self.cpu = time.process_time()
        self.wall = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.wall = (time.perf_counter() - self.wall) * 1000.0
        self.cpu = (time.process_time() - self.cpu) * 1000.0


def need_libyaml():
    import yaml
    if not getattr(yaml, "__with_libyaml__", False):
        sys.exit("bench-ref.py: this PyYAML has no libyaml: install python3-yaml "
                 "and run with /usr/bin/python3")
    return yaml


def engine(argv):
    """Runs bench-engine for one timed repetition; returns {key: (wall, cpu)}."""
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)
    if proc.returncode != 0:
        sys.exit("bench-ref.py: %s failed:\n%s" % (" ".join(argv), proc.stderr))
    found = {}
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) == 6 and parts[0] == "RESULT":
            key = parts[1]
            if key.endswith("-cpu"):
                found.setdefault(key[:-4], [0.0, 0.0])[1] = float(parts[2])
            else:
                found.setdefault(key, [0.0, 0.0])[0] = float(parts[2])
    return found


def process(argv):
    """Wall and CPU (user + system) time of one process, in ms."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
    wall = (time.perf_counter() - start) * 1000.0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = ((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)) * 1000.0
    return wall, cpu


def load_call(path, load):
    # Only the load call is timed, as the reference is defined; opening the
    # file is not, reading it is (as it is for us).
    with open(path, "rb") as f:
        with Stopwatch() as watch:
            load(f)
    return watch.wall, watch.cpu


def call(work):
    with Stopwatch() as watch:
        work()
    return watch.wall, watch.cpu


def run(bench_engine, workdir, reps):
    yaml = need_libyaml()
    flow_yaml = os.path.join(workdir, "flow-10k.yaml")
    flow_json = os.path.join(workdir, "flow-10k.json")
    small_yaml = os.path.join(workdir, "flow-1k.yaml")
    layout_dot = os.path.join(workdir, "flow-1k.layout.dot")
    empty_dot = os.path.join(workdir, "empty.dot")
    export_prefix = os.path.join(workdir, "export")
    export_dot = export_prefix + ".dot"

    with open(empty_dot, "w") as f:
        f.write("digraph G {}\n")
    with open(flow_json, "rb") as f:
        data = json.load(f)
    # The DOT that graphviz re-reads is the one our exporter writes.
    engine([bench_engine, "export", flow_yaml, export_prefix, "1"])

    results = Samples()
    startups = Samples()

    def keep(round_, key, sample, into=results):
        if round_ > 0:
            into.add(key, *sample)

    gvpr = ["gvpr", "-c", "N{}"]
    dot = ["dot", "-Tplain"]

    # Round 0 is the shared warm-up.
    for round_ in range(reps + 1):
        print("  round %d of %d%s" % (round_, reps, " (warm-up)" if round_ == 0 else ""),
              file=sys.stderr, flush=True)

        ours = engine([bench_engine, "load", flow_yaml, "1"])
        keep(round_, "load-validate-yaml", ours["load-validate-yaml"])
        keep(round_, "ref-yaml-load", load_call(flow_yaml, lambda f: yaml.load(f, Loader=yaml.CSafeLoader)))

        ours = engine([bench_engine, "load", flow_json, "1"])
        keep(round_, "load-validate-json", ours["load-validate-json"])
        keep(round_, "ref-json-load", load_call(flow_json, json.load))

        ours = engine([bench_engine, "export", flow_yaml, export_prefix, "1"])
        for key in ("export-dot", "export-mermaid", "export-json", "export-yaml"):
            keep(round_, key, ours[key])
        keep(round_, "ref-dot-rewrite", process(gvpr + [export_dot]))
        keep(round_, "ref-dot-rewrite-startup", process(gvpr + [empty_dot]), startups)
        # Without indent Python uses its C encoder: the faster, stricter
        # reference of the two it has.
        keep(round_, "ref-json-dump", call(lambda: json.dumps(data)))
        keep(round_, "ref-yaml-dump",
             call(lambda: yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False,
                                    allow_unicode=True)))

        ours = engine([bench_engine, "layout", small_yaml, "1"])
        keep(round_, "layout", ours["layout"])
        keep(round_, "ref-dot-layout", process(dot + [layout_dot]))
        keep(round_, "ref-dot-layout-startup", process(dot + [empty_dot]), startups)

    # Subtract the median start-up of each tool from its runs.
    for key in ("ref-dot-rewrite", "ref-dot-layout"):
        empty = startups.by_key[key + "-startup"]
        wall = statistics.median([w for w, _ in empty])
        cpu = statistics.median([c for _, c in empty])
        results.by_key[key] = [(w - wall, c - cpu) for w, c in results.by_key[key]]

    return results.lines() + startups.lines()


ROWS = [
    # (title, ours, reference, target ratio or None, reference tool)
    ("Load+validate 10k-step YAML", "load-validate-yaml", "ref-yaml-load", 1.0,
     "python3-yaml CSafeLoader parse only"),
    ("Load+validate 10k-step JSON", "load-validate-json", "ref-json-load", None,
     "python json.load"),
    ("Export 10k steps to DOT", "export-dot", "ref-dot-rewrite", None,
     "gvpr -c 'N{}' read+write"),
    ("Export 10k steps to Mermaid", "export-mermaid", None, None, "(no reference)"),
    ("Export 10k steps to JSON", "export-json", "ref-json-dump", None,
     "python json.dumps (C encoder)"),
    ("Export 10k steps to YAML", "export-yaml", "ref-yaml-dump", None,
     "python3-yaml CSafeDumper"),
    ("Layout 1k steps", "layout", "ref-dot-layout", 1.15, "dot -Tplain, same graph"),
]


def table(lines):
    results = {}
    for line in lines:
        parts = line.split()
        if len(parts) == 6 and parts[0] == "RESULT":
            results[parts[1]] = (float(parts[2]), float(parts[3]), float(parts[4]), int(parts[5]))

    def ms(key):
        return results[key][0] if key and key in results else None

    def ratio(a, b):
        return a / b if a is not None and b else None

    def fmt(value, spec):
        return spec % value if value is not None else "-"

    widths = (28, 9, 9, 36, 6, 9, 14)
    row = "| %-28s | %9s | %9s | %-36s | %6s | %9s | %-14s |"
    print(row % ("Benchmark (median ms)", "ours", "reference", "reference tool",
                 "ratio", "CPU ratio", "target"))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    failed = False
    for title, ours_key, ref_key, target, tool in ROWS:
        ours = ms(ours_key)
        ref = ms(ref_key)
        wall_ratio = ratio(ours, ref)
        cpu_ratio = ratio(ms(ours_key + "-cpu"), ms(ref_key + "-cpu" if ref_key else None))
        verdict = ""
        if target is not None and wall_ratio is not None:
            ok = wall_ratio <= target
            failed |= not ok
            verdict = "<= %.2f %s" % (target, "ok" if ok else "MISSED")
        print(row % (title, fmt(ours, "%.1f"), fmt(ref, "%.1f"), tool,
                     fmt(wall_ratio, "%.2f"), fmt(cpu_ratio, "%.2f"), verdict))
    reps = sorted({r[3] for r in results.values()})
    print()
    print("Medians of %s alternating repetitions after a shared warm-up round; ratio ="
          " ours / reference (below 1: we are faster), by wall-clock and by CPU time."
          % " and ".join(str(r) for r in reps))
    for key in ("ref-dot-rewrite-startup", "ref-dot-layout-startup"):
        if key in results:
            print("Start-up subtracted from %s: %.1f ms (graphviz on an empty graph)"
                  % (key[:-len("-startup")], results[key][0]))
    return 1 if failed else 0


def main(argv):
    if len(argv) == 5 and argv[1] == "run":
        lines = run(argv[2], argv[3], int(argv[4]))
        with open(os.path.join(argv[3], "results.txt"), "w") as f:
            f.write("\n".join(lines) + "\n")
        print("\n".join(lines))
        print()
        return table(lines)
    if len(argv) == 3 and argv[1] == "table":
        with open(argv[2]) as f:
            return table(f.read().splitlines())
    sys.exit("usage: bench-ref.py run BENCH-ENGINE WORKDIR REPS\n"
             "       bench-ref.py table RESULTS")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
