"""PHP cases (issues 8 and 6): launch → attached on a PHP process (case 7)
and PHP workload time untraced and traced (case 8), sonde against bpftrace
running bench/php_io.bt, the same probes as php-io with one line per event.

PHP fires its function probes only when started with USE_ZEND_DTRACE=1, so
every traced PHP process here has it in its environment.
"""
import json
import os
import subprocess

from cases import errors_note, fmt, ratio_cell, summary_cell, tools_in_order, write_script
from measure import Background, first_line, lost_events, run_tool, summarize

PHP = "/usr/bin/php8.2"
USDT_ONE_LINER = f'usdt:{PHP}:php:function__entry {{ @ = count(); printf("hit\\n"); exit(); }}'


def dtrace_env(**extra):
    env = dict(os.environ, USE_ZEND_DTRACE="1")
    env.update(extra)
    return env


def php_runs(env):
    """PHP cases cost seconds per run (uprobe detach, bpftrace's compile): fewer runs."""
    return max(1, min(3, env.runs))


# --- 7. PHP launch -> attached --------------------------------------------------------

def case_php_launch(env):
    tick = os.path.join(env.bench_dir, "workload", "php_tick.php")
    php_io_bt = os.path.join(env.bench_dir, "php_io.bt")
    lines = ["## 7. PHP: launch → attached (first event seen)", "",
             f"A PHP CLI process (`bench/workload/php_tick.php`, `USE_ZEND_DTRACE=1`) started",
             "beforehand calls `tick()` every 1 ms, which reads a file. Each tool is started with",
             "`-p PID` of that process (but one row, see b). *Attached* = the tool's first event on stdout:",
             "for the one-liner the `hit` line (then `exit()`), for php-io (`-f json`) its first",
             "syscall record, for `bench/php_io.bt` its first syscall line; then the tool gets",
             "SIGINT. This includes up to 1 ms of waiting for the next call. *Exit* = launch →",
             "process reaped (detach and teardown). Median (min–max) in ms; "
             f"{php_runs(env)} runs per tool.", ""]
    with Background([PHP, tick], env=dtrace_env(), settle_s=0.3) as php:
        pid = str(php.pid)
        lines += launch_section(env, "a: USDT one-liner, count() on function__entry",
                                f"`{USDT_ONE_LINER}`",
                                {"sonde": [env.sonde, "-p", pid, "-e", USDT_ONE_LINER],
                                 "bpftrace": [env.bpftrace, "-p", pid, "-e", USDT_ONE_LINER]},
                                b"hit", "php_usdt", prebuilt=("usdt.bt", USDT_ONE_LINER, ["-p", pid]))
        lines += php_io_launch(env, pid, php_io_bt)
    return lines


def php_io_launch(env, pid, php_io_bt):
    cache = os.path.join(env.tmp, "sonde-cache")
    obj = os.path.join(env.tmp, "php-io.bpf.o")
    built = subprocess.run([env.sonde, "build", "php-io", "-o", obj], capture_output=True, text=True)
    # -p makes sonde compile at every launch (targets resolved for that
    # process: no cache), so the warm row traces by path, php-io's default,
    # and its first event may come from any PHP process running then.
    argv = {"sonde run php-io (warm: cached object, no -p)": [env.sonde, "run", "php-io", "-f", "json"],
            "sonde run php-io -p PID (compiled at launch)": [env.sonde, "run", "php-io", "-p", pid, "-f", "json"],
            "sonde-run php-io.bpf.o -p PID (prebuilt)": [env.sonde_run, obj, "-p", pid, "-f", "json"],
            "bpftrace -p PID bench/php_io.bt": [env.bpftrace, "-p", pid, php_io_bt]}
    envs = {name: dict(os.environ, SONDE_CACHE_DIR=cache) for name in argv}
    if built.returncode != 0:
        del argv["sonde-run php-io.bpf.o -p PID (prebuilt)"]
    # Fill the cache once so that every warm run hits it.
    warm = "sonde run php-io (warm: cached object, no -p)"
    warmup = run_tool(argv[warm], wait_for=b'"syscall"', interrupt=True, timeout_s=120, env=envs[warm])
    waits = {name: (b" sys " if name.startswith("bpftrace") else b'"syscall"') for name in argv}
    results = {name: [] for name in argv}
    for i in range(php_runs(env)):
        for name in tools_in_order(i, tuple(argv)):
            results[name].append(run_tool(argv[name], wait_for=waits[name], interrupt=True,
                                          timeout_s=60, env=envs[name]))
    lines = ["### b: php-io against bench/php_io.bt", "",
             "`sonde run php-io -f json`: warm = the compiled object is in the cache (filled by one",
             "run beforehand). With `-p` sonde compiles at every launch (the cache is bypassed when",
             "targets are resolved for one process), so the warm row runs without `-p`, tracing",
             "every PHP binary by path (php-io's default; its first event may come from another",
             "PHP process, which only makes it earlier), and the `-p PID` row is the cold case.",
             "`sonde-run` runs the object of `sonde build php-io`; bpftrace needs `-p` to enable",
             "PHP's USDT semaphores.", ""]
    lines += launch_rows(results, "bpftrace -p PID bench/php_io.bt")
    if warmup.error:
        lines.append(f"- the warm-up run (filling the cache) failed: `{warmup.error}`")
    if built.returncode != 0:
        lines.append(f"- `sonde build php-io` failed, so sonde-run was not measured: `{first_line(built.stderr)}`")
    first = {t: summarize(r.first_line_ms for r in rs if not r.error) for t, rs in results.items()}
    env.metrics["php_io_launch"] = first
    return lines + [""]


def launch_section(env, title, shown, argv, wait, metric, prebuilt=None):
    if prebuilt:
        name, script, args = prebuilt
        path, obj = write_script(env, name, script), os.path.join(env.tmp, name + ".bpf.o")
        if subprocess.run([env.sonde, "build", path, "-o", obj], capture_output=True).returncode == 0:
            argv["sonde-run (prebuilt object)"] = [env.sonde_run, *args, obj]
    results = {t: [] for t in argv}
    for i in range(php_runs(env)):
        for tool in tools_in_order(i, tuple(argv)):
            results[tool].append(run_tool(argv[tool], wait_for=wait, interrupt=True, timeout_s=60))
    env.metrics[metric] = {t: summarize(r.first_line_ms for r in rs if not r.error)
                           for t, rs in results.items()}
    return [f"### {title}", "", shown, ""] + launch_rows(results, "bpftrace") + [""]


def launch_rows(results, peer):
    first = {t: summarize(r.first_line_ms for r in rs if not r.error) for t, rs in results.items()}
    total = {t: summarize(r.total_ms for r in rs if not r.error) for t, rs in results.items()}
    out = ["| tool | launch → first event (ms) | launch → exit (ms) | vs bpftrace (first event) | runs ok |",
           "| --- | --- | --- | --- | --- |"]
    for tool, runs in results.items():
        ok = sum(1 for r in runs if not r.error)
        out.append(f"| {tool} | {summary_cell(first[tool])} | {summary_cell(total[tool])} | "
                   f"{ratio_cell(first[tool], first[peer]) if tool != peer else ''} | {ok}/{len(runs)} |")
    out.append("")
    for tool, runs in results.items():
        out += errors_note(tool, runs)
    return out


# --- 8. PHP workload time, untraced and traced (issue 6) -------------------------------

def case_php_overhead(env):
    work = os.path.join(env.bench_dir, "workload", "php_work.php")
    php_io_bt = os.path.join(env.bench_dir, "php_io.bt")
    result = os.path.join(env.tmp, "php_work.json")
    out_path = os.path.join(env.tmp, "php_work.stdout")
    calls, iterations = env.php_calls, env.php_io
    cmd = f"{PHP} {work} {calls} {iterations} {result}"
    plain = dict(os.environ)
    plain.pop("USE_ZEND_DTRACE", None)
    variants = {
        "untraced, no USE_ZEND_DTRACE": (cmd.split(), plain),
        "untraced, USE_ZEND_DTRACE=1": (cmd.split(), dtrace_env()),
        "sonde run php-io": ([env.sonde, "run", "php-io", "-f", "json", "-c", cmd],
                             dtrace_env(SONDE_CACHE_DIR=os.path.join(env.tmp, "sonde-cache"))),
        "bpftrace bench/php_io.bt": ([env.bpftrace, "-c", cmd, php_io_bt], dtrace_env()),
    }
    results = {name: [] for name in variants}
    for i in range(php_runs(env)):
        for name in tools_in_order(i, tuple(variants)):
            if os.path.exists(result):
                os.unlink(result)
            argv, run_env = variants[name]
            r = run_tool(argv, stdout_path=out_path, timeout_s=300, env=run_env)
            tool = "sonde" if name.startswith("sonde") else "bpftrace"
            if r.status not in (0, 2) and not r.error:
                r.error = f"exit {r.status}: {first_line(r.stderr)}"
            r.extra["lost"] = lost_events(tool, r)
            r.extra["syscalls_seen"] = syscall_lines(name, r, out_path)
            r.extra["phases"] = read_phases(result)
            if r.extra["phases"] is None and not r.error:
                r.error = f"the workload wrote no result: {first_line(r.stderr)}"
            results[name].append(r)
    return php_overhead_report(env, calls, iterations, results)


def syscall_lines(name, run, path):
    """Syscall events the tracer printed (its records of the I/O phase and a few more)."""
    if name.startswith("untraced"):
        return None
    if name.startswith("bpftrace"):
        with open(path, "rb") as f:
            return sum(1 for line in f if b" sys " in line)
    return sum(1 for line in run.stdout.splitlines() if '"syscall"' in line)


def read_phases(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def php_overhead_report(env, calls, iterations, results):
    per_call = {n: summarize(r.extra["phases"]["call_ns"] / calls for r in rs if not r.error)
                for n, rs in results.items()}
    per_io = {n: summarize(r.extra["phases"]["io_ns"] / iterations for r in rs if not r.error)
              for n, rs in results.items()}
    base_call, base_io = per_call["untraced, USE_ZEND_DTRACE=1"], per_io["untraced, USE_ZEND_DTRACE=1"]
    lines = ["## 8. PHP workload, untraced and traced (issue 6)", "",
             f"`bench/workload/php_work.php`: {calls:,} calls of a small PHP function, then",
             f"{iterations:,} calls of `io_step()`, each making 3 traced syscalls (a `write` to a file,",
             "a `sendto` and a `recvfrom` on a Unix socket pair; PHP also makes an untraced `poll`).",
             "The script times each phase with `hrtime()` around its loop; tracers start it with",
             "`-c`. Every row but the first runs PHP with `USE_ZEND_DTRACE=1`. *Added* is against",
             "the untraced `USE_ZEND_DTRACE=1` row; *per syscall* = (added per `io_step` − added",
             "per call) / 3. *Syscalls seen* = syscall records/lines printed (≥ 3 × iterations:",
             "the runtime's own start-up I/O inside PHP's `main` counts too). µs, median (min–max),",
             f"{php_runs(env)} runs.", "",
             "| run | µs per PHP call | added µs per call | µs per io_step | added µs per syscall "
             "| syscalls seen (min) | lost (max) | runs ok |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    notes, added = [], {}
    for name, rs in results.items():
        ok = [r for r in rs if not r.error]
        c, io = per_call[name], per_io[name]
        add_call = None if c is None or base_call is None else (c.median - base_call.median) / 1000
        add_sys = None
        if add_call is not None and io is not None and base_io is not None:
            add_sys = ((io.median - base_io.median) / 1000 - add_call) / 3
        traced = not name.startswith("untraced")
        added[name] = (add_call, add_sys)
        seen = min((r.extra["syscalls_seen"] for r in ok if r.extra["syscalls_seen"] is not None), default=None)
        lost = max((r.extra["lost"] for r in ok), default=None) if traced else None
        lines.append(f"| {name} | {scaled(c)} | {fmt(add_call, 2) if traced else ''} | {scaled(io)} | "
                     f"{fmt(add_sys, 2) if traced else ''} | {fmt(seen, 0) if traced else ''} | "
                     f"{fmt(lost, 0) if traced else ''} | {len(ok)}/{len(rs)} |")
        notes += errors_note(name, rs)
    flag_cost = ratio_cell(per_call["untraced, USE_ZEND_DTRACE=1"], per_call["untraced, no USE_ZEND_DTRACE"])
    lines += ["", f"- The flag alone: a PHP call takes {flag_cost}× as long with `USE_ZEND_DTRACE=1`, untraced."]
    a, b = added["sonde run php-io"], added["bpftrace bench/php_io.bt"]
    for i, what in enumerate(("PHP call", "syscall")):
        if a[i] is not None and b[i]:
            lines.append(f"- Added per {what}: php-io {a[i]:,.2f} µs, bpftrace {b[i]:,.2f} µs "
                         f"(ratio {a[i] / b[i]:.2f}).")
    env.metrics["php_overhead"] = added
    return lines + notes + [""]


def scaled(s):
    """ns Summary -> µs cell."""
    if s is None:
        return "failed"
    return f"{s.median / 1000:,.3f} ({s.low / 1000:,.3f}–{s.high / 1000:,.3f})"
