"""The benchmark cases, sonde against bpftrace (and BCC where it can run).

Each case runs the tools ALTERNATELY inside one loop over runs (the order
flips every run), so slow drift of the machine's load hits both alike. Each
case returns a list of markdown lines for docs/benchmarks.md.
"""
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

from measure import Background, Run, first_line, lost_events, run_tool, summarize

COUNT_GETPID = 'tracepoint:syscalls:sys_enter_getpid { @ = count(); }'
PRINTF_OPENAT = ('tracepoint:syscalls:sys_enter_openat '
                 '{ printf("%s %s\\n", comm, str(args->filename)); }')


@dataclass
class Env:
    sonde: str
    sonde_run: str
    bpftrace: str
    workloads: str  # directory with tick, loop, burst
    tmp: str
    runs: int
    overhead_n: int
    burst_n: int
    hit_n: int      # USDT / uprobe hits per run (case 4b)
    php_calls: int  # PHP function calls in bench/workload/php_work.php (case 8)
    php_io: int     # its io_step() calls, 3 traced syscalls each
    bench_dir: str  # this directory: php_io.bt and the PHP workloads
    metrics: dict  # case results the target table reads: name -> {tool: Summary}


def tools_in_order(run_index, tools=("sonde", "bpftrace")):
    """Alternate who goes first, so neither always runs on a warmer cache."""
    return tools if run_index % 2 == 0 else tuple(reversed(tools))


def fmt(value, digits=1):
    return "—" if value is None else f"{value:,.{digits}f}"


def summary_cell(s, digits=1):
    if s is None:
        return "failed"
    return f"{fmt(s.median, digits)} ({fmt(s.low, digits)}–{fmt(s.high, digits)})"


def ratio_cell(a, b):
    if a is None or b is None or b.median == 0:
        return "—"
    return f"{a.median / b.median:.2f}"


def errors_note(name, runs):
    """One line naming a tool's failures, with the first error text."""
    bad = [r for r in runs if r.error]
    if not bad:
        return []
    return [f"- {name}: {len(bad)} of {len(runs)} runs failed: `{bad[0].error}`"]


def sonde_envs(env):
    """sonde compiles at launch (SONDE_CACHE=0: the targets' case) or loads
    the object its compile cache kept from an earlier run of the same script,
    without mapping LLVM (docs/internals.md). The cache lives in env.tmp."""
    return {"sonde": dict(os.environ, SONDE_CACHE="0"),
            CACHED: dict(os.environ, SONDE_CACHE_DIR=os.path.join(env.tmp, "sonde-cache"))}


CACHED = "sonde (cached object)"


def warm_cache(env, argv):
    """One untimed run, so that the CACHED rows measure cache hits."""
    run_tool(argv, env=sonde_envs(env)[CACHED], timeout_s=60)


def write_script(env, name, text):
    path = os.path.join(env.tmp, name)
    with open(path, "w") as f:
        f.write(text + "\n")
    return path


# --- 1. launch -> first event ------------------------------------------------

LAUNCH_CASES = [
    ("a: count() on sys_enter_getpid", "getpid",
     'tracepoint:syscalls:sys_enter_getpid /pid == $1/ { @ = count(); printf("hit\\n"); exit(); }'),
    ("b: printf + str(args) on sys_enter_openat", "openat",
     'tracepoint:syscalls:sys_enter_openat /pid == $1/ '
     '{ printf("hit %s\\n", str(args->filename)); exit(); }'),
]


def case_launch(env):
    lines = ["## 1. Launch → first event seen, and → exit", "",
             "A workload (`bench/workload/tick.c`) makes the syscall every 1 ms. The tool is",
             "started with the workload's pid as `$1` and a script whose probe prints `hit`",
             "and calls `exit()` on the first event from that pid. *First event* is the time",
             "from fork/exec of the tool to the `hit` line on its stdout (includes up to 1 ms",
             "of waiting for the next syscall); *exit* is fork/exec → process reaped",
             "(adds detach and teardown). Median (min–max) in ms. *sonde* compiles the script",
             "at launch (`SONDE_CACHE=0`); *sonde (cached object)* finds it in its compile",
             "cache from an earlier run and never loads LLVM. *sonde-run* runs an object",
             "built beforehand by `sonde build` for that pid (no compiler in the process).", ""]
    for title, syscall, script in LAUNCH_CASES:
        lines += [f"### {title}", "", f"`{script}`", ""]
        with Background([os.path.join(env.workloads, "tick"), syscall]) as tick:
            argv = {"sonde": [env.sonde, "-e", script, str(tick.pid)],
                    CACHED: [env.sonde, "-e", script, str(tick.pid)],
                    "bpftrace": [env.bpftrace, "-e", script, str(tick.pid)]}
            obj = prebuilt_object(env, script, str(tick.pid))
            if obj:
                argv["sonde-run (prebuilt object)"] = [env.sonde_run, obj]
            envs = sonde_envs(env)
            warm_cache(env, argv[CACHED])
            results = {t: [] for t in argv}
            for i in range(env.runs):
                for tool in tools_in_order(i, tuple(argv)):
                    results[tool].append(run_tool(argv[tool], wait_for=b"hit", timeout_s=30, env=envs.get(tool)))
        lines += launch_table(results) + [""]
        if syscall == "getpid":
            env.metrics["launch_count"] = {t: summarize(r.first_line_ms for r in rs if not r.error)
                                           for t, rs in results.items()}
    lines += bcc_attempt(env) + [""]
    return lines


def prebuilt_object(env, script, pid):
    """The AOT path: `sonde build` with the pid baked in, run later by sonde-run."""
    path, obj = write_script(env, "launch.bt", script), os.path.join(env.tmp, "launch.bpf.o")
    built = subprocess.run([env.sonde, "build", path, "-o", obj, pid], capture_output=True)
    return obj if built.returncode == 0 else None


def launch_table(results):
    first = {t: summarize(r.first_line_ms for r in rs if not r.error) for t, rs in results.items()}
    total = {t: summarize(r.total_ms for r in rs if not r.error) for t, rs in results.items()}
    out = ["| tool | launch → first event (ms) | launch → exit (ms) | runs ok |",
           "| --- | --- | --- | --- |"]
    for tool, runs in results.items():
        ok = sum(1 for r in runs if not r.error)
        out.append(f"| {tool} | {summary_cell(first[tool])} | {summary_cell(total[tool])} | {ok}/{len(runs)} |")
    out.append(f"| sonde / bpftrace | {ratio_cell(first['sonde'], first['bpftrace'])} | "
               f"{ratio_cell(total['sonde'], total['bpftrace'])} | |")
    out.append("")
    for tool, runs in results.items():
        out += errors_note(tool, runs)
    return out


def bcc_attempt(env):
    """BCC's `trace` compiles C at launch and needs kernel headers; try once."""
    tool = shutil.which("trace-bpfcc")
    if not tool:
        return ["BCC (`trace-bpfcc`): not installed, not measured."]
    with Background([os.path.join(env.workloads, "tick"), "getpid"]) as tick:
        r = run_tool([tool, "-p", str(tick.pid), 't:syscalls:sys_enter_getpid "hit"', "-M", "1"],
                     wait_for=b"hit", timeout_s=60)
    if r.error:
        text = (r.stdout + "\n" + r.stderr).splitlines()
        why = [l for l in text if "kernel headers" in l] or [l for l in text if "Failed" in l]
        return [f"BCC (`trace-bpfcc -p PID 't:syscalls:sys_enter_getpid \"hit\"' -M 1`), one try: "
                f"fails here after {fmt(r.total_ms)} ms: `{(why or [r.error])[0].strip()[:150]}`. "
                "Not measured further (this kernel ships no headers; BCC compiles C at launch)."]
    return [f"BCC (`trace-bpfcc`), one try: first event {fmt(r.first_line_ms)} ms, exit {fmt(r.total_ms)} ms."]


# --- 2. compile only -----------------------------------------------------------

def case_compile(env):
    lines = ["## 2. Compile only (no load)", "",
             "sonde: `sonde build SCRIPT -o OUT.bpf.o` (parse, check, LLVM, ELF with manifest),",
             "with its compile cache off (`SONDE_CACHE=0`): every run compiles.",
             "bpftrace 0.17 has no pure compile command; the closest is `--emit-elf FILE`,",
             "documented as a dry run that writes the ELF without loading or attaching.",
             "Wall time of the whole process in ms, median (min–max).", "",
             "| script | sonde build | bpftrace --emit-elf | sonde / bpftrace |",
             "| --- | --- | --- | --- |"]
    notes = []
    for label, script in [("count() one-liner", COUNT_GETPID), ("printf + str(args)", PRINTF_OPENAT)]:
        path = write_script(env, "compile.bt", script)
        obj = os.path.join(env.tmp, "compile.o")
        argv = {"sonde": [env.sonde, "build", path, "-o", obj],
                "bpftrace": [env.bpftrace, "--emit-elf", obj, path]}
        results = {"sonde": [], "bpftrace": []}
        for i in range(env.runs):
            for tool in tools_in_order(i):
                r = run_tool(argv[tool], env=sonde_envs(env).get(tool))
                if r.status != 0 and not r.error:
                    r.error = f"exit {r.status}: {first_line(r.stderr)}"
                results[tool].append(r)
        s = {t: summarize(r.total_ms for r in rs if not r.error) for t, rs in results.items()}
        env.metrics.setdefault("compile_count", s)
        lines.append(f"| {label} | {summary_cell(s['sonde'])} | {summary_cell(s['bpftrace'])} | "
                     f"{ratio_cell(s['sonde'], s['bpftrace'])} |")
        notes += errors_note(f"sonde ({label})", results["sonde"])
        notes += errors_note(f"bpftrace ({label})", results["bpftrace"])
    lines += startup_rows(env)
    return lines + [""] + notes + [""]


def startup_rows(env):
    """`--version` of each tool: process start and dynamic linking alone, the
    floor under every other time in this document. sonde-run (no LLVM) too."""
    argv = {"sonde": [env.sonde, "--version"], "bpftrace": [env.bpftrace, "--version"],
            "sonde-run": [env.sonde_run, "--version"]}
    results = {t: [] for t in argv}
    for i in range(env.runs):
        for tool in tools_in_order(i, tuple(argv)):
            results[tool].append(run_tool(argv[tool]))
    s = {t: summarize(r.total_ms for r in rs if not r.error) for t, rs in results.items()}
    return [f"| (reference) process start only, `sonde --version` | {summary_cell(s['sonde'])} | "
            f"{summary_cell(s['bpftrace'])} | {ratio_cell(s['sonde'], s['bpftrace'])} |",
            f"| (reference) `sonde-run --version` (no LLVM linked) | {summary_cell(s['sonde-run'])} | "
            f"{summary_cell(s['bpftrace'])} | {ratio_cell(s['sonde-run'], s['bpftrace'])} |"]


# --- 3. max RSS ------------------------------------------------------------------

def case_rss(env):
    obj = os.path.join(env.tmp, "count.bpf.o")
    script = write_script(env, "count.bt", COUNT_GETPID)
    built = subprocess.run([env.sonde, "build", script, "-o", obj], capture_output=True, text=True)
    # An absolute path: bpftrace 0.17 refuses a bare `sleep` when usrmerge
    # makes /bin/sleep and /usr/bin/sleep two matches.
    sleep = "/usr/bin/sleep 1"
    argv = {"sonde": [env.sonde, "-c", sleep, "-e", COUNT_GETPID],
            CACHED: [env.sonde, "-c", sleep, "-e", COUNT_GETPID],
            "bpftrace": [env.bpftrace, "-c", sleep, "-e", COUNT_GETPID],
            "sonde-run (prebuilt object)": [env.sonde_run, "-c", sleep, obj]}
    if built.returncode != 0:
        del argv["sonde-run (prebuilt object)"]
    envs = sonde_envs(env)
    warm_cache(env, argv[CACHED])
    results = {t: [] for t in argv}
    for i in range(env.runs):
        for tool in tools_in_order(i, tuple(argv)):
            r = run_tool(argv[tool], env=envs.get(tool))
            if r.status != 0 and not r.error:
                r.error = f"exit {r.status}: {first_line(r.stderr)}"
            results[tool].append(r)
    lines = ["## 3. Max RSS, compile + run", "",
             "*sonde* compiles at launch (`SONDE_CACHE=0`); *sonde (cached object)* loads the",
             "object its compile cache kept, without mapping LLVM.", "",
             f"`{COUNT_GETPID}` with `-c '/usr/bin/sleep 1'`; max RSS from `wait4` rusage (the",
             "tool and its reaped children), taken by `bench/workload/rss_exec.c` so that the",
             "Python driver's own RSS is not counted. MiB, median (min–max); wall time in ms.", "",
             "| tool | max RSS (MiB) | wall (ms) | runs ok |", "| --- | --- | --- | --- |"]
    rss = {}
    for tool, runs in results.items():
        ok = [r for r in runs if not r.error]
        rss[tool] = summarize(r.max_rss_kib / 1024 for r in ok if r.max_rss_kib is not None)
        wall = summarize(r.total_ms for r in ok)
        lines.append(f"| {tool} | {summary_cell(rss[tool])} | {summary_cell(wall, 0)} | {len(ok)}/{len(runs)} |")
    lines.append(f"| sonde / bpftrace | {ratio_cell(rss['sonde'], rss['bpftrace'])} | | |")
    env.metrics["rss"] = rss
    lines.append("")
    if built.returncode != 0:
        lines.append(f"- sonde build of the object failed, so sonde-run was not measured: "
                     f"`{first_line(built.stderr)}`")
    for tool, runs in results.items():
        lines += errors_note(tool, runs)
    return lines + [""]
