"""Shared by tests/test_reliability_*.py and bench/reliability.py: run the real `orchtui` CLI,
find the processes a run left behind, read the bad-input corpus and its expectations.

Every CLI run gets a unique marker in its environment (ORCHTUI_TEST_MARKER). Everything it
starts inherits it (the forkserver, the resource tracker, the workers, the scripts they run),
so "no process is left" is checked by scanning every process's environment for the marker.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import resource
import select
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent
FAULTS = TESTS / "fault_scenarios"
CORPUS = TESTS / "bad_inputs"
CANARY = Path("/tmp/orchtui-canary-pwned")
MARKER_VAR = "ORCHTUI_TEST_MARKER"

# Corpus folders whose files are not "exit 2" inputs: each has its own test.
SPECIAL = {"valid", "path_escape", "path_escape_target"}
# One line, `orchtui: FILE:LINE:COL: message` or `orchtui: FILE: message`. `orchtui plan`
# prints compiler-style, without the `orchtui: ` prefix (plan_cmd.run says so).
ERROR_LINE = re.compile(
    r"(?P<prefix>orchtui: )?(?P<src>.+?)(?::(?P<line>\d+):(?P<col>\d+))?: (?P<msg>.+)")


def orchtui_command() -> list[str]:
    """The installed console script next to this interpreter, else `python -m orchtui`."""
    script = Path(sys.executable).with_name("orchtui")
    return [str(script)] if script.exists() else [sys.executable, "-m", "orchtui"]


def new_marker() -> str:
    return f"orchtui-test-{uuid.uuid4().hex}"


def marked_env(marker: str, **extra: str) -> dict[str, str]:
    env = {**os.environ, MARKER_VAR: marker, "PYTHONDONTWRITEBYTECODE": "1", **extra}
    env.pop("NO_COLOR", None)
    return env


def marked_processes(marker: str) -> list[psutil.Process]:
    """Live processes (not zombies) whose environment holds `marker`."""
    found = []
    for proc in psutil.process_iter():
        with contextlib.suppress(psutil.Error, OSError):
            if proc.status() == psutil.STATUS_ZOMBIE:
                continue
            if proc.environ().get(MARKER_VAR) == marker:
                found.append(proc)
    return found


def wait_gone(marker: str, timeout: float = 5.0) -> tuple[list[psutil.Process], float]:
    """Wait until no process carries `marker`; return the survivors (if any) and the time it
    took. Helpers (the forkserver, the resource tracker) exit a moment after the CLI does."""
    t0 = time.monotonic()
    while True:
        left = marked_processes(marker)
        if not left or time.monotonic() - t0 > timeout:
            return left, time.monotonic() - t0
        time.sleep(0.05)


def kill_marked(marker: str) -> None:
    """Clean up after a failed test so it does not poison the next ones."""
    for proc in marked_processes(marker):
        with contextlib.suppress(psutil.Error):
            proc.kill()


def describe(procs: list[psutil.Process]) -> str:
    out = []
    for p in procs:
        with contextlib.suppress(psutil.Error):
            out.append(f"{p.pid} {p.name()} {' '.join(p.cmdline())[:120]}")
    return "; ".join(out)


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str
    seconds: float  # wall time of the CLI
    cpu_seconds: float  # user + system time of the CLI and the children it waited for
    leftover: list[psutil.Process]
    drain_seconds: float  # how long the marked helpers took to go after the CLI exited

    def json(self) -> dict:
        return json.loads(self.stdout)


def run_cli(args: list[str], timeout: float = 60.0, cwd: Path = ROOT,
            during: Callable[[subprocess.Popen], None] | None = None,
            **env: str) -> CliResult:
    """Run `orchtui ARGS` in its own session, then check that nothing it started is left.
    `during(proc)`, if given, runs while the CLI runs (to kill a worker, send a signal)."""
    marker = new_marker()
    t0 = time.perf_counter()
    usage0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen([*orchtui_command(), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=cwd,
                            env=marked_env(marker, **env), start_new_session=True)
    try:
        if during is not None:
            during(proc)
        stdout, stderr = proc.communicate(timeout=timeout)
    except BaseException:
        proc.kill()
        proc.communicate()
        kill_marked(marker)
        raise
    seconds = time.perf_counter() - t0
    left, drain = wait_gone(marker)
    kill_marked(marker)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    # Exact for one CLI at a time (the children this process reaped meanwhile): the load of a
    # busy machine inflates wall time, not this.
    cpu = (usage.ru_utime - usage0.ru_utime) + (usage.ru_stime - usage0.ru_stime)
    return CliResult(proc.returncode, stdout, stderr, seconds, cpu, left, drain)


def trace_events(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


# --------------------------------------------------------------------------- the corpus


@dataclass(frozen=True)
class Expectation:
    line: int | None  # None: the message has no line (FILE: message)
    col: int | None
    text: str  # a case-insensitive substring of the message
    # `# expect-strict:`: the error is under --strict; without it the plan is read leniently,
    # with warnings (DESIGN §2)
    strict: bool = False


def corpus_files() -> list[Path]:
    """Every bad input of the corpus (the files that must give exit 2)."""
    return sorted(
        p for p in CORPUS.rglob("*")
        if p.is_file() and p.relative_to(CORPUS).parts[0] not in SPECIAL
        and p.suffix not in (".expect", ".py", ".md") and "__pycache__" not in p.parts
    )


def category(path: Path) -> str:
    return path.relative_to(CORPUS).parts[0]


def expectation(path: Path) -> Expectation:
    """From a sidecar `FILE.expect`, else from the first line `# expect: LINE[:COL] text`
    (`-` for no line; `# expect-strict:` for an error that only --strict gives)."""
    sidecar = path.with_name(path.name + ".expect")
    strict = False
    if sidecar.exists():
        spec = sidecar.read_text(encoding="utf-8").strip()
    else:
        first = path.read_bytes().split(b"\n", 1)[0].decode("utf-8", "replace")
        strict = first.startswith("# expect-strict:")
        if not first.startswith("# expect:") and not strict:
            raise AssertionError(f"{path}: no '# expect:' line and no {sidecar.name}")
        spec = first.partition(":")[2].strip()
    where, _, text = spec.partition(" ")
    if where == "-":
        return Expectation(None, None, text.strip(), strict)
    line, _, col = where.partition(":")
    return Expectation(int(line), int(col) if col else None, text.strip(), strict)


def check_error(stderr: str, path: Path, expect: Expectation, prefix: bool = True
                ) -> str | None:
    """None if stderr is the one located line the corpus expects, else what is wrong.
    `prefix`: whether the line must begin with `orchtui: `."""
    if "Traceback" in stderr:
        return f"a traceback: {stderr[-300:]!r}"
    lines = stderr.splitlines()
    if len(lines) != 1:
        return f"{len(lines)} lines on stderr: {stderr[:300]!r}"
    m = ERROR_LINE.fullmatch(lines[0])
    if not m or (prefix and not m["prefix"]):
        return f"not 'orchtui: FILE[:LINE:COL]: message': {lines[0]!r}"
    if m["src"] != str(path):
        return f"names {m['src']!r}, not {str(path)!r}"
    got = (int(m["line"]) if m["line"] else None, int(m["col"]) if m["col"] else None)
    if expect.line != got[0] or (expect.col is not None and expect.col != got[1]):
        return f"location {got}, expected {(expect.line, expect.col)}: {lines[0]!r}"
    if expect.text.lower() not in m["msg"].lower():
        return f"message lacks {expect.text!r}: {lines[0]!r}"
    return None


# --------------------------------------------------------------------------- the zygote
# Running ~400 CLI invocations as fresh interpreters costs ~0.4 s each in imports alone. The
# zygote is one separate process that imports the CLI once, then forks a child per invocation;
# each child runs `sys.exit(main(argv))` exactly as the console script does, with its own
# stdout, stderr and exit code. Only interpreter start-up is shared.

_ZYGOTE = r"""
import json, os, sys, tempfile, time, traceback
from orchtui.cli.main import main, build_parser
import orchtui.cli.run_cmd, orchtui.cli.plan_cmd, orchtui.engine.session  # noqa: F401
import orchtui.executors.sim, orchtui.engine.sweep  # noqa: F401
build_parser()
timeout = float(sys.argv[1])
for line in sys.stdin:
    argv = json.loads(line)
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    sys.stdout.flush(); sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        os.dup2(out.fileno(), 1); os.dup2(err.fileno(), 2)
        try:
            code = main(argv)
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
        except BaseException:
            traceback.print_exc(); code = 1
        try:
            sys.stdout.flush(); sys.stderr.flush()
        finally:
            os._exit(code)
    t0 = time.monotonic(); status = None
    while status is None:
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = os.waitstatus_to_exitcode(st)
        elif time.monotonic() - t0 > timeout:
            os.kill(pid, 9); os.waitpid(pid, 0); status = "timeout"
        else:
            time.sleep(0.002)
    out.seek(0); err.seek(0)
    print(json.dumps({"rc": status, "out": out.read().decode("utf-8", "replace")[-4000:],
                      "err": err.read().decode("utf-8", "replace")[-4000:],
                      "seconds": time.monotonic() - t0}), flush=True)
"""


class Zygote:
    """`with Zygote() as z: z.run(["plan", FILE])` -> {"rc", "out", "err", "seconds"}."""

    def __init__(self, timeout: float = 30.0) -> None:
        self.marker = new_marker()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _ZYGOTE, str(timeout)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True, cwd=ROOT, env=marked_env(self.marker),
            start_new_session=True)

    def run(self, argv: list[str], wait: float = 120.0) -> dict:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(argv) + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], wait)
        if not ready:
            raise TimeoutError(f"zygote gave no answer for {argv}")
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the zygote died")
        return json.loads(line)

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        kill_marked(self.marker)

    def __enter__(self) -> Zygote:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --------------------------------------------------------------------------- path escapes


def escape_sandbox(dest: Path) -> Path:
    """Lay out the path-escape corpus in `dest`: the scenario folder `dest/scenario` (copied
    from the corpus), a canary script outside it, and symlinks inside it that lead out.
    Returns the scenario YAML, with @OUTSIDE@ replaced by the outside folder's absolute path."""
    outside = dest / "outside"
    outside.mkdir(parents=True)
    evil = outside / "evil.py"
    shutil.copy(CORPUS / "path_escape_target" / "evil.py", evil)
    scen = dest / "scenario"
    shutil.copytree(CORPUS / "path_escape", scen)
    (scen / "link_out.py").symlink_to(evil)
    (scen / "linkdir").symlink_to(outside, target_is_directory=True)
    yaml_path = scen / "escapes.yaml"
    yaml_path.write_text(yaml_path.read_text().replace("@OUTSIDE@", str(outside)))
    return yaml_path


def clear_canary() -> None:
    with contextlib.suppress(FileNotFoundError):
        CANARY.unlink()


# --------------------------------------------------------------------------- leaks in-process

# The scenarios the leak loop cycles through: healthy runs, and compute faults of every kind.
# "abandon:" runs are dropped after their first call starts (the TUI quitting mid-run): the
# generator is closed, then the executor.
LEAK_MIX = ("healthy", "fault_raises", "abandon:slow", "fault_os_exit", "fault_segfault",
            "fault_sigkill", "healthy", "fault_hang", "fault_inout_raises", "fault_allocate")


@dataclass
class LeakReport:
    runs: int
    seconds: float
    fds: tuple[int, int]  # (after the first run, after the last)
    children: tuple[int, int]
    threads: tuple[int, int]
    rss_mb: tuple[float, float]
    statuses: dict[str, int]  # "scenario:status" -> runs
    lost: int  # healthy calls (s1-s3) of any run that did not finish


def leak_loop(runs: int, hang_timeout: float = 0.3) -> LeakReport:
    """`runs` consecutive real runs in this process (make_run + events() + executor.close()),
    cycling through LEAK_MIX. Counts are taken after a first run, which starts the forkserver
    and the resource tracker once for the process."""
    import tempfile
    from dataclasses import replace

    from orchtui.engine.record import RunRecord
    from orchtui.engine.session import make_run
    from orchtui.plan.model import Lit, Plan
    from orchtui.scenario import load_scenario

    me = psutil.Process()

    def counts() -> tuple[int, int, int, float]:
        return (me.num_fds(), len(me.children(recursive=True)), me.num_threads(),
                me.memory_info().rss / 2**20)

    with tempfile.TemporaryDirectory(prefix="orchtui-leak-") as tmp:
        pidfile = Path(tmp) / "worker.pid"
        scenarios = {}
        for name in {m.removeprefix("abandon:") for m in LEAK_MIX}:
            sc = load_scenario(FAULTS / f"{name}.yaml")
            functions = tuple(replace(f, timeout=hang_timeout) if f.timeout else f
                              for f in sc.functions)
            sc = replace(sc, functions=functions)
            if name == "fault_sigkill":  # the worker writes its pid where the killer looks
                assert sc.plan is not None
                calls = tuple(replace(c, args=(Lit(str(pidfile)),)) if c.id == "s4" else c
                              for c in sc.plan.calls)
                sc = sc.with_plan(Plan(calls, sc.plan.dialect), sc.plan_text)
            scenarios[name] = sc

        def one(name: str) -> tuple[str, int]:
            with contextlib.suppress(FileNotFoundError):
                pidfile.unlink()
            killer = _start_killer(pidfile) if name == "fault_sigkill" else None
            abandon = name.startswith("abandon:")
            run = make_run(scenarios[name.removeprefix("abandon:")], mode="real",
                           memory_limit_mb=512 if name == "fault_allocate" else None)
            events = []
            stream = run.events()
            try:
                for e in stream:
                    events.append(e)
                    if abandon and type(e).__name__ == "Started":
                        break
            finally:
                stream.close()
                run.executor.close()
            if killer is not None:
                killer.join(10)
            if abandon:
                return f"{name}:dropped", 0
            rec = RunRecord.from_events(events)
            lost = sum(rec.calls[c].status != "done" for c in ("s1", "s2", "s3"))
            return f"{name}:{rec.status}", lost

        statuses: dict[str, int] = {}
        lost = 0
        one("healthy")
        first = counts()
        t0 = time.perf_counter()
        for n in range(runs):
            key, missing = one(LEAK_MIX[n % len(LEAK_MIX)])
            statuses[key] = statuses.get(key, 0) + 1
            lost += missing
        seconds = time.perf_counter() - t0
        time.sleep(0.6)  # inout threads of dropped runs finish their short waits
        last = counts()
    return LeakReport(runs, seconds, (first[0], last[0]), (first[1], last[1]),
                      (first[2], last[2]), (round(first[3], 1), round(last[3], 1)), statuses,
                      lost)


def _start_killer(pidfile: Path):
    import threading

    def kill() -> None:
        end = time.monotonic() + 10
        while not pidfile.exists() and time.monotonic() < end:
            time.sleep(0.005)
        with contextlib.suppress(Exception):
            os.kill(int(pidfile.read_text()), signal.SIGKILL)

    thread = threading.Thread(target=kill, daemon=True, name="orchtui-test-killer")
    thread.start()
    return thread


# --------------------------------------------------------------------------- signals


def handles_sigterm(pid: int) -> bool:
    """Whether the process has a handler for SIGTERM yet (orchtui's main() installs one first
    thing): from the SigCgt mask in /proc/PID/status."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("SigCgt:"):
                    return bool(int(line.split()[1], 16) >> (signal.SIGTERM - 1) & 1)
    except OSError:
        pass
    return False


@dataclass
class SignalOutcome:
    signal: str
    target: str  # "process" or "group"
    delay: float  # seconds after the CLI was ready (or after it started, if not waited for)
    returncode: int | None
    stderr: str
    exit_seconds: float | None  # from the signal to the exit
    leftover: list[psutil.Process]
    ready: bool  # the CLI had installed its handlers when the signal was sent
    finished: bool  # the run had printed its summary: the signal came after the work

    @property
    def traceback(self) -> bool:
        return "Traceback" in self.stderr or "Exception ignored" in self.stderr

    @property
    def outcome(self) -> str:
        """interrupted (exit 130 on SIGINT, 143 on SIGTERM), finished (the run ended first:
        exit 0/1, or killed by the signal while the interpreter was exiting, its summary
        printed), or what went wrong."""
        if self.returncode is None:
            return "hung"
        if self.traceback:
            return "traceback"
        if self.leftover:
            return "left processes"
        said = {"SIGINT": (130, "orchtui: interrupted"), "SIGTERM": (143, "orchtui: terminated")}
        if (self.returncode, self.stderr.strip()) == said.get(self.signal):
            return "interrupted"
        if self.finished and self.returncode in (0, 1, -signal.SIGINT, -signal.SIGTERM):
            return "finished"
        return f"exit {self.returncode}: {self.stderr.strip()[-200:]!r}"

    @property
    def clean(self) -> bool:
        return self.outcome in ("interrupted", "finished")


def signal_run(sig: int, delay: float, group: bool, scenario: Path | None = None,
               wait_ready: bool = True, limit: float = 10.0) -> SignalOutcome:
    """Start `orchtui scenario SCENARIO --headless` in its own process group, wait until it
    handles signals (unless not `wait_ready`), sleep `delay`, send `sig` to it (or to its whole
    group, as a terminal does on Ctrl-C), and wait up to `limit` s for it to exit."""
    scenario = scenario or FAULTS / "slow.yaml"
    marker = new_marker()
    proc = subprocess.Popen([*orchtui_command(), "scenario", str(scenario), "--headless"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT, env=marked_env(marker), start_new_session=True)
    try:
        ready = False
        if wait_ready:
            end = time.monotonic() + 30
            while not (ready := handles_sigterm(proc.pid)) and proc.poll() is None:
                if time.monotonic() > end:
                    break
                time.sleep(0.002)
        time.sleep(delay)
        t_signal = time.monotonic()
        with contextlib.suppress(ProcessLookupError):
            if group:
                os.killpg(proc.pid, sig)
            else:
                os.kill(proc.pid, sig)
        try:
            stdout, stderr = proc.communicate(timeout=limit)
            code: int | None = proc.returncode
            exit_seconds: float | None = time.monotonic() - t_signal
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
            code, exit_seconds = None, None
        left, _ = wait_gone(marker)
    finally:
        kill_marked(marker)
    return SignalOutcome(signal.Signals(sig).name, "group" if group else "process", delay, code,
                         stderr, exit_seconds, left, ready, "status:" in stdout)


def run_seconds(scenario: Path | None = None) -> float:
    """How long a run of the signal scenario lasts once the CLI handles signals."""
    scenario = scenario or FAULTS / "slow.yaml"
    proc = subprocess.Popen([*orchtui_command(), "scenario", str(scenario), "--headless"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
                            env=marked_env(new_marker()), start_new_session=True)
    while not handles_sigterm(proc.pid) and proc.poll() is None:
        time.sleep(0.002)
    t0 = time.monotonic()
    proc.wait(60)
    return time.monotonic() - t0


# --------------------------------------------------------------------------- the fault matrix


@dataclass(frozen=True)
class Fault:
    name: str  # tests/fault_scenarios/fault_NAME.yaml
    error: str  # a regular expression the failed call's error must match
    options: tuple[str, ...] = ()
    kill_from_outside: bool = False  # SIGKILL the worker from the test, mid-call


FAULT_MATRIX = (
    Fault("raises", r"ValueError: deliberate failure from faults\.raises \(at faults\.py:\d+"),
    Fault("os_exit", r"worker crashed \(pid \d+, exit code 7\)"),
    Fault("segfault", r"worker crashed \(pid \d+, killed by SIGSEGV\)"),
    Fault("hang", r"timed out after 1\.5 s"),
    Fault("allocate", r"MemoryError", options=("--memory-limit", "512")),
    Fault("sigkill", r"worker crashed \(pid \d+, killed by SIGKILL\)", kill_from_outside=True),
    Fault("inout_raises", r"ValueError: deliberate failure from faults\.raises"),
    Fault("inout_hang", r"timed out after 1\.5 s"),
    # Issue 14: poisoned exceptions and os._exit stay in their call, inout as compute.
    Fault("poisoned", r"PoisonedError \(at faults\.py:\d+ in poisoned\)"),
    Fault("inout_poisoned", r"PoisonedError \(at faults\.py:\d+ in poisoned\)"),
    Fault("inout_os_exit", r"worker crashed \(pid \d+, exit code 3\)"),
)


@dataclass
class FaultRun:
    fault: Fault
    policy: str
    options: tuple[str, ...]
    result: CliResult
    events: list[dict]

    @property
    def error(self) -> str:
        return next((e["error"] for e in self.events if e["event"] == "Failed"), "")

    def problem(self) -> str | None:
        """None if the fault stayed in its call: s4 failed with the expected one-line error,
        s1-s3 done, s5 skipped, exit 1, no traceback, no process left."""
        r = self.result
        if "Traceback" in r.stderr:
            return f"traceback: {r.stderr[-300:]!r}"
        if r.returncode != 1:
            return f"exit {r.returncode}: {r.stderr[-300:]!r}"
        status = {c["id"]: c["status"] for c in r.json()["calls"]}
        want = {"s1": "done", "s2": "done", "s3": "done", "s4": "failed", "s5": "skipped"}
        if status != want:
            return f"statuses {status}"
        failed = [e["call"] for e in self.events if e["event"] == "Failed"]
        if failed != ["s4"]:
            return f"failed calls {failed}"
        if not re.search(self.fault.error, self.error):
            return f"error {self.error!r} does not match {self.fault.error!r}"
        if "\n" in self.error or len(self.error) > 600:
            return f"error not one short line: {self.error!r}"
        if not self.events or self.events[-1].get("status") != "failed":
            return "no RunFinished(failed) at the end of the trace"
        if r.leftover:
            return f"left behind: {describe(r.leftover)}"
        return None


def _kill_worker_when_ready(pidfile: Path) -> Callable[[subprocess.Popen], None]:
    """While the CLI runs: wait for the faulty call's worker to write its pid, SIGKILL it."""

    def during(proc: subprocess.Popen) -> None:
        end = time.monotonic() + 30
        while not pidfile.exists():
            if proc.poll() is not None or time.monotonic() > end:
                return  # the run's checks will say what went wrong
            time.sleep(0.01)
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pidfile.read_text()), signal.SIGKILL)

    return during


def run_fault(fault: Fault, tmp: Path, policy: str = "llmorch",
              options: tuple[str, ...] = ()) -> FaultRun:
    """Run fault_NAME.yaml through the CLI (`--headless --json --trace`)."""
    stem = f"{fault.name}-{policy}-{'-'.join(options)}"
    trace, pidfile = tmp / f"{stem}.jsonl", tmp / f"{stem}.pid"
    result = run_cli(
        ["scenario", str(FAULTS / f"fault_{fault.name}.yaml"), "--headless", "--json",
         "--trace", str(trace), "--policy", policy, *fault.options, *options],
        timeout=60,
        during=_kill_worker_when_ready(pidfile) if fault.kill_from_outside else None,
        ORCHTUI_FAULT_PIDFILE=str(pidfile),
    )
    return FaultRun(fault, policy, options, result,
                    trace_events(trace) if trace.exists() else [])
