#!/usr/bin/env python3
"""Benchmarks sonde side by side with bpftrace and writes docs/benchmarks.md.

Usage (normally through scripts/bench, which builds everything first):
  bench/run.py --sonde-build BUILD --workloads DIR [--micro BIN] [--runs 7] [--out FILE]

Cases (docs/benchmarks.md explains each): 1 launch → first event, 2 compile
only, 3 max RSS, 4 per-event and per-hit overhead, 5 throughput, 6 footprint,
7 PHP launch → attached, 8 PHP workload traced, 9 AOT runners, plus the
Google Benchmark micro benchmarks. The document is generated; no number in it
is typed by hand.
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # keep bench/ free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import measure  # noqa: E402
from cases import Env, case_compile, case_launch, case_rss  # noqa: E402
from cases_aot import case_aot  # noqa: E402
from cases_events import case_footprint, case_overhead, case_throughput  # noqa: E402
from cases_php import case_php_launch, case_php_overhead  # noqa: E402


def command_output(argv):
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "unknown"


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def machine_lines(env, load_before):
    with open("/etc/debian_version") as f:
        debian = f.read().strip()
    load_after = os.getloadavg()
    return ["## Machine", "",
            "| | |", "| --- | --- |",
            f"| date | {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC} |",
            f"| CPU | {cpu_model()}, {os.cpu_count()} cores |",
            f"| kernel | {platform.release()} |",
            f"| Debian | {debian} |",
            f"| sonde | {command_output([env.sonde, '--version'])} |",
            f"| bpftrace | {command_output([env.bpftrace, '--version'])} |",
            f"| load average (1 min) | {load_before:.2f} at start, {load_after[0]:.2f} at end |",
            f"| runs per case | {env.runs}, tools alternating (order flips every run) |", ""]


def targets_lines(env):
    m = env.metrics
    added, hits = m.get("added", {}), m.get("added_hits", {})
    aot = m.get("aot", {})

    def med(metric, tool):
        s = m.get(metric, {}).get(tool)
        return None if s is None else s.median

    def aot_med(kind, tool):
        s = aot.get(kind, {}).get(tool)
        return None if s is None else s.median

    rows = [("compile only, one-liner (case 2)", med("compile_count", "sonde"), 5, "ms",
             med("compile_count", "bpftrace"), "53 ms"),
            ("launch → attached, count() (case 1a, first event)", med("launch_count", "sonde"), 15, "ms",
             med("launch_count", "bpftrace"), "51 ms"),
            ("launch → attached, count(), cached object (case 1a)", med("launch_count", "sonde (cached object)"),
             15, "ms", med("launch_count", "bpftrace"), "51 ms"),
            ("max RSS, compile + run (case 3)", med("rss", "sonde"), 40, "MiB",
             med("rss", "bpftrace"), "70–99 MiB"),
            ("max RSS, run of a cached object (case 3)", med("rss", "sonde (cached object)"), 40, "MiB",
             med("rss", "bpftrace"), "70–99 MiB"),
            ("added ns per event, count() (case 4)", added.get(("count()", "sonde")), 120, "ns",
             added.get(("count()", "bpftrace")), "+230–260 ns"),
            ("added ns per event, printf output (case 4)", added.get(("printf per event", "sonde")), 300, "ns",
             added.get(("printf per event", "bpftrace")), "+3,500–3,700 ns"),
            ("added ns per USDT hit, count() (case 4b)", hits.get(("USDT hit, count()", "sonde")), 780, "ns",
             hits.get(("USDT hit, count()", "bpftrace")), "—"),
            ("added ns per uprobe hit at an endbr64 entry, count() (case 4b)",
             hits.get(("uprobe at an endbr64 entry, count()", "sonde")), 850, "ns",
             hits.get(("uprobe at an endbr64 entry, count()", "bpftrace")), "—"),
            ("launch → attached, PHP USDT one-liner (case 7a)", med("php_usdt", "sonde"), 30, "ms",
             med("php_usdt", "bpftrace"), "—"),
            ("launch → attached, `sonde run php-io`, warm (case 7b)",
             med("php_io_launch", "sonde run php-io (warm: cached object, no -p)"), 30, "ms",
             med("php_io_launch", "bpftrace -p PID bench/php_io.bt"), "—"),
            ("launch → attached, sonde-run on a count() object (case 9, issue 7)",
             aot_med("first", "sonde-run"), 10, "ms", aot_med("first", "bpftrace-aotrt"), "26 ms (aotrt)"),
            ("max RSS, sonde-run on a count() object (case 9, issue 7)",
             aot_med("rss", "sonde-run"), 8, "MiB", aot_med("rss", "bpftrace-aotrt"), "16.8 MiB (aotrt)")]
    out = ["## Targets (issues 7 and 8)", "",
           "| target | sonde here | goal | met? | bpftrace here | bpftrace in the issue |",
           "| --- | --- | --- | --- | --- | --- |"]
    for label, value, goal, unit, peer, issue in rows:
        met = "not measured" if value is None else ("yes" if value <= goal else "no")
        shown = "—" if value is None else f"{value:,.1f} {unit}"
        peer_shown = "—" if peer is None else f"{peer:,.1f} {unit}"
        out.append(f"| {label} | {shown} | ≤ {goal} {unit} | {met} | {peer_shown} | {issue} |")
    return out + [""]


def micro_lines(binary, min_time):
    lines = ["## Micro benchmarks (Google Benchmark, `bench/micro_*.cpp`)", ""]
    if not binary or not os.path.exists(binary):
        return lines + ["Not run: the `sonde_micro` binary was not built.", ""]
    proc = subprocess.run([binary, "--benchmark_format=json", f"--benchmark_min_time={min_time}"],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        return lines + [f"Failed (exit {proc.returncode}): `{proc.stderr.strip()[:200]}`", ""]
    lines += ["Wall and CPU time per iteration; the rate is per CPU second (Google Benchmark's",
              "default). Items: lines for the parse + check case, events (records) otherwise.", "",
              "| benchmark | wall per iteration | CPU per iteration | rate |", "| --- | --- | --- | --- |"]
    for b in json.loads(proc.stdout)["benchmarks"]:
        unit = b["time_unit"]
        rate = f"{b['items_per_second']:,.0f} items/s" if "items_per_second" in b else ""
        lines.append(f"| {b['name']} | {b['real_time']:,.3f} {unit} | {b['cpu_time']:,.3f} {unit} | {rate} |")
    return lines + ["", "Issue 2 target: parse + check of a 1,000-line script < 20 ms (`BM_ParseCheck1000Lines`).", ""]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--sonde-build", required=True, help="build dir with sonde and sonde-run")
    ap.add_argument("--workloads", required=True, help="dir with the built bench/workload programs")
    ap.add_argument("--micro", help="the sonde_micro Google Benchmark binary")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--overhead-n", type=int, default=300_000)
    ap.add_argument("--burst-n", type=int, default=1_000_000)
    ap.add_argument("--hit-n", type=int, default=100_000)
    ap.add_argument("--php-calls", type=int, default=500_000)
    ap.add_argument("--php-io", type=int, default=5_000)
    ap.add_argument("--micro-min-time", default="0.2")
    ap.add_argument("--cases", default="1,2,3,4,5,6,7,8,9,micro", help="comma-separated subset")
    ap.add_argument("--out", help="markdown file to write (default: print)")
    args = ap.parse_args()

    launcher = os.path.join(args.workloads, "rss_exec")
    measure.RSS_LAUNCHER = launcher if os.path.exists(launcher) else None
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="sonde-bench-") as tmp:
        env = Env(sonde=os.path.join(args.sonde_build, "sonde"),
                  sonde_run=os.path.join(args.sonde_build, "sonde-run"),
                  bpftrace=shutil.which("bpftrace") or "/usr/bin/bpftrace",
                  workloads=args.workloads, tmp=tmp, runs=args.runs,
                  overhead_n=args.overhead_n, burst_n=args.burst_n, hit_n=args.hit_n,
                  php_calls=args.php_calls, php_io=args.php_io,
                  bench_dir=os.path.dirname(os.path.abspath(__file__)), metrics={})
        chosen = args.cases.split(",")
        cases = [("1", case_launch), ("2", case_compile), ("3", case_rss),
                 ("4", case_overhead), ("5", case_throughput), ("6", case_footprint),
                 ("7", case_php_launch), ("8", case_php_overhead), ("9", case_aot)]
        body = []
        for name, fn in cases:
            if name in chosen:
                print(f"bench: case {name} ({time.monotonic() - started:.0f} s)", file=sys.stderr)
                body += fn(env)
        if "micro" in chosen:
            print(f"bench: micro ({time.monotonic() - started:.0f} s)", file=sys.stderr)
            body += micro_lines(args.micro, args.micro_min_time)
        head = ["# Benchmarks: sonde and bpftrace, side by side", "",
                "Generated by `scripts/bench` (bench/run.py) from one run on the machine below;",
                "do not edit by hand. Every cell is a median over the runs, with (min–max).",
                f"The whole run took {time.monotonic() - started:.0f} s.", ""]
        doc = "\n".join(head + machine_lines(env, load_before) + targets_lines(env) + body)
    if args.out:
        with open(args.out, "w") as f:
            f.write(doc)
        print(f"bench: wrote {args.out}", file=sys.stderr)
    else:
        print(doc)


if __name__ == "__main__":
    main()
