"""Process-level measurements shared by the benchmark cases.

Every measurement starts the tool itself (fork/exec via subprocess) so that
start-up is counted the same way for sonde and its peers, and reaps it with
os.wait4 so max RSS comes from the kernel's rusage, not from sampling.
A failed run is never turned into a number: it comes back as a Run with
`error` set, and the report prints the error instead.

Linux carries a process's high-water RSS across exec, so a tool exec'd
straight from this (Python, ~16 MiB) process would report at least that.
When RSS_LAUNCHER is set (run.py sets it to the built
bench/workload/rss_exec), tools start through that small launcher, which
forks them afresh and hands back their own max RSS; it adds ~1 MiB at most
and one exec of a static binary to every time.
"""
import os
import re
import selectors
import signal
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field


RSS_LAUNCHER: str | None = None


@dataclass
class Run:
    """One execution of a tool: timings in ms, max RSS in KiB."""
    first_line_ms: float | None = None  # fork/exec -> the awaited stdout line
    total_ms: float | None = None       # fork/exec -> process reaped
    max_rss_kib: int | None = None
    status: int | None = None
    stdout: str = ""
    stderr: str = ""
    error: str | None = None
    extra: dict = field(default_factory=dict)


def _now_ms() -> float:
    return time.perf_counter_ns() / 1e6


def _reap(pid: int, deadline_ms: float) -> tuple[int | None, int | None]:
    """Waits for pid until the deadline; kills it past that. (status, maxrss)."""
    while True:
        got, status, usage = os.wait4(pid, os.WNOHANG)
        if got == pid:
            return os.waitstatus_to_exitcode(status), usage.ru_maxrss
        if _now_ms() > deadline_ms:
            os.killpg(pid, signal.SIGKILL)  # the launcher and the tool
            _, status, usage = os.wait4(pid, 0)
            return None, usage.ru_maxrss
        time.sleep(0.001)


def run_tool(argv, wait_for: bytes | None = None, timeout_s: float = 30,
             stdout_path: str | None = None, interrupt: bool = False,
             env: dict | None = None) -> Run:
    """Runs argv to completion. With `wait_for`, also times the first stdout
    line containing it (stdout is then a pipe we read); with `interrupt` too,
    the tool gets SIGINT (Ctrl-C) right then, for tools that run until
    stopped. `env` replaces the environment. With `stdout_path`,
    stdout goes to that file instead; Run.stdout then holds only its lines
    that do not start with a digit (banners, maps, lost-event reports) and
    extra["number_lines"] counts the others (the events the cases print)."""
    run = Run()
    err_file = tempfile.TemporaryFile()
    to_file = stdout_path is not None
    out_target = open(stdout_path, "wb") if to_file else subprocess.PIPE
    rss_file = tempfile.NamedTemporaryFile(prefix="rss-", delete=False) if RSS_LAUNCHER else None
    if rss_file:
        rss_file.close()
        argv = [RSS_LAUNCHER, rss_file.name, *argv]
    start = _now_ms()
    deadline = start + timeout_s * 1000
    try:
        proc = subprocess.Popen(argv, stdout=out_target, stderr=err_file, stdin=subprocess.DEVNULL,
                                env=env, start_new_session=True)
    except OSError as e:
        run.error = f"cannot start {argv[0]}: {e.strerror}"
        return run
    out_chunks = []
    if not to_file:
        out_chunks = _read_stdout(proc, wait_for, start, deadline, run, interrupt)
    status, rss = _reap(proc.pid, deadline)
    proc.returncode = status  # keep Popen from reaping again
    run.total_ms = _now_ms() - start
    if to_file:
        out_target.close()
        out_chunks, run.extra["number_lines"] = _scan_output(stdout_path)
    else:
        out_chunks.append(proc.stdout.read())
        proc.stdout.close()
    run.status, run.max_rss_kib = status, rss
    if rss_file:
        run.max_rss_kib = _read_launcher_rss(rss_file.name)
    run.stdout = b"".join(out_chunks).decode(errors="replace")
    err_file.seek(0)
    run.stderr = err_file.read().decode(errors="replace")
    if status is None:
        run.error = f"timed out after {timeout_s:.0f} s"
    elif wait_for is not None and run.first_line_ms is None:
        run.error = f"no '{wait_for.decode()}' line (exit {status}): {first_line(run.stderr)}"
    return run


def _read_launcher_rss(path):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None  # the launcher was killed (timeout)
    finally:
        os.unlink(path)


def _read_stdout(proc, wait_for, start, deadline, run, interrupt=False):
    """Reads stdout until EOF or the deadline, stamping the awaited line
    (and sending SIGINT then, with `interrupt`)."""
    chunks, pending = [], b""
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    fd = proc.stdout.fileno()
    while _now_ms() < deadline:
        if not sel.select(timeout=max(0.0, (deadline - _now_ms()) / 1000)):
            break
        data = os.read(fd, 65536)
        if not data:
            break
        chunks.append(data)
        if wait_for is not None and run.first_line_ms is None:
            pending += data
            if wait_for in pending:
                run.first_line_ms = _now_ms() - start
                if interrupt:
                    proc.send_signal(signal.SIGINT)
    sel.close()
    return chunks


def _scan_output(path: str) -> tuple[list[bytes], int]:
    """Splits a tool's output file into its non-event lines and an event count."""
    other, numbers = [], 0
    with open(path, "rb") as f:
        for line in f:
            if line[:1].isdigit():
                numbers += 1
            else:
                other.append(line)
    return other, numbers


def first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:160]
    return "(no output)"


class Background:
    """A workload running for the duration of a `with` block."""

    def __init__(self, argv, env=None, settle_s=0.05):
        self.argv, self.env, self.settle_s = argv, env, settle_s

    def __enter__(self):
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, env=self.env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(self.settle_s)  # let it reach its loop
        return self.proc

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()


@dataclass
class Summary:
    median: float
    low: float
    high: float
    n: int


def summarize(values) -> Summary | None:
    values = [v for v in values if v is not None]
    if not values:
        return None
    return Summary(statistics.median(values), min(values), max(values), len(values))


def lost_events(tool: str, run: Run) -> int:
    """Lost-event count the tool reported (0 if it reported none). bpftrace
    reports losses as they happen, possibly several times; sonde once at exit."""
    text = run.stdout + "\n" + run.stderr
    pattern = r"(\d+) events lost" if tool == "sonde" else r"Lost (\d+) events"
    return sum(int(n) for n in re.findall(pattern, text))
