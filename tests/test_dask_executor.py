"""The Dask executor on a LocalCluster of 2 single-thread workers on 127.0.0.1: placement and
pinning, events, failures (a worker killed mid-call, a timeout), the engine on top, and no
process left behind. Skipped when Dask is not installed (it is the optional extra
orchtui[dask]).

The functions that run on the workers are at the bottom of this file (the workers load it as
`test_dask_executor.py:name`)."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import psutil
import pytest

pytest.importorskip("distributed")

from orchtui.engine import events as ev
from orchtui.engine.runner import Run, RunOptions
from orchtui.engine.session import make_run
from orchtui.errors import OrchError
from orchtui.executors.base import Task, TaskFinished, TaskRetried, TaskStarted
from orchtui.executors.dask_executor import DaskExecutor, DaskTaskStarted
from orchtui.executors.real import RealExecutor
from orchtui.scenario.loader import plan_only_scenario
from orchtui.scenario.model import FunctionSpec, Scenario

HERE = Path(__file__).resolve()
SELF = HERE.name
CPUS = (0, 1)

pytestmark = pytest.mark.skipif(not set(CPUS) <= os.sched_getaffinity(0),
                                reason="needs CPUs 0 and 1")


def spec(name: str, kind: str = "compute", timeout: float | None = None,
         retries: int = 1) -> FunctionSpec:
    return FunctionSpec(name, kind, impl=f"{SELF}:{name}", timeout=timeout,  # type: ignore[arg-type]
                        retries=retries)


def empty_scenario() -> Scenario:
    return Scenario(name="dask-tests", functions=(), plan=None, path=HERE.parent / "x.yaml")


def call(key: str, name: str, *args, processor: int | None = 0, pool: bool = False,
         kind: str = "compute", timeout: float | None = None, retries: int = 1) -> Task:
    return Task(key, kind, processor=None if kind != "compute" else processor, pool=pool,
                function=spec(name, kind, timeout, retries), args=args)


def collect(ex: DaskExecutor, limit: float = 20.0) -> dict[str, list]:
    """Poll until nothing is in flight; events by call, in order."""
    out: dict[str, list] = {}
    end = time.monotonic() + limit
    while ex.in_flight():
        assert time.monotonic() < end, f"still in flight after {limit} s: {ex.in_flight()}"
        for e in ex.poll(0.5):
            out.setdefault(e.key, []).append(e)
    return out


def started(events: list) -> TaskStarted:
    assert isinstance(events[0], TaskStarted), events
    return events[0]


def finished(events: list) -> TaskFinished:
    assert isinstance(events[-1], TaskFinished), events
    assert sum(isinstance(e, TaskFinished) for e in events) == 1, events
    return events[-1]


def wait_started(ex: DaskExecutor, key: str, limit: float = 10.0) -> TaskStarted:
    end = time.monotonic() + limit
    while time.monotonic() < end:
        for e in ex.poll(0.2):
            if isinstance(e, TaskStarted) and e.key == key:
                return e
    raise AssertionError(f"{key} did not start")


@pytest.fixture(scope="module")
def ex() -> Iterator[DaskExecutor]:
    from orchtui.engine.session import function_context

    with DaskExecutor(empty_scenario(), CPUS,
                      context=function_context(empty_scenario())) as executor:
        yield executor


# -- placement, pinning, events ---------------------------------------------------------------
def test_compute_runs_on_the_worker_of_its_processor_pinned_to_its_cpu(ex: DaskExecutor):
    assert ex.mode == "dask" and ex.cpus == CPUS
    host = socket.gethostname()
    short = host.split(".")[0]  # lanes have little room
    assert ex.lanes == (f"{short}/cpu 0", f"{short}/cpu 1")
    t_launch = ex.now()
    for p in (0, 1):
        ex.launch(call(f"a{p}", "thread_affinities", processor=p))
    got = collect(ex)
    for p, cpu in enumerate(CPUS):
        s, f = started(got[f"a{p}"]), finished(got[f"a{p}"])
        assert isinstance(s, DaskTaskStarted) and s.host == host
        assert s.cpu == cpu and s.affinity == (cpu,)
        assert s.pid not in (None, os.getpid())
        assert f.ok, f.error
        # every thread of the worker process, not only the one running the call
        assert set(f.value) == {(cpu,)}, f.value
        assert t_launch <= s.t <= f.t_return <= f.t <= ex.now()
    assert started(got["a0"]).pid != started(got["a1"]).pid


def test_inout_calls_run_on_local_io_workers_and_occupy_no_dask_worker(ex: DaskExecutor,
                                                                     tmp_path: Path):
    # concurrently, on two I/O workers: each returns only once the other has started
    io1, io2 = str(tmp_path / "io1"), str(tmp_path / "io2")
    ex.launch(call("io1", "meet", io1, io2, "x", kind="inout"))
    ex.launch(call("io2", "meet", io2, io1, "y", kind="inout"))
    got = collect(ex)
    dask_pids = {slot.pid for slot in ex.slots}
    for key, value in (("io1", "x"), ("io2", "y")):
        s, f = started(got[key]), finished(got[key])
        # a process of its own on this machine, allowed on every CPU the engine may use
        assert s.pid not in (None, os.getpid(), *dask_pids) and s.cpu is None
        assert s.affinity == ex.engine_affinity
        assert psutil.Process(s.pid).ppid() != s.pid
        assert f.ok and f.value == value, f.error
    assert started(got["io1"]).pid != started(got["io2"]).pid


# The same hostile inout functions under both executors: each fails or succeeds alone, with the
# same one-line error and the same captured output (tests/fault_scenarios/faults.py).
FAULTS = "fault_scenarios/faults.py"
HOSTILE = (("exit", "exit_3"), ("poison", "poisoned"), ("print", "whisper"), ("hang", "hang"))


def hostile_call(key: str, func: str) -> Task:
    timeout = 0.5 if func == "hang" else None
    fn = FunctionSpec(func, "inout", impl=f"{FAULTS}:{func}",  # type: ignore[arg-type]
                      timeout=timeout)
    return Task(key, "inout", function=fn)


def run_hostile(executor: RealExecutor) -> dict[str, TaskFinished]:
    for key, func in HOSTILE:
        executor.launch(hostile_call(key, func))
    executor.launch(call("after", "sleep_then_return", 0.1, "still here", kind="inout"))
    return {k: finished(v) for k, v in collect(executor).items()}  # type: ignore[arg-type]


def test_hostile_inout_calls_fail_alone_as_under_the_real_executor(ex: DaskExecutor):
    with RealExecutor(empty_scenario(), CPUS) as real:
        want = run_hostile(real)
    got = run_hostile(ex)
    assert not got["exit"].ok and got["exit"].error and "exit" in got["exit"].error
    assert not got["poison"].ok and got["poison"].error
    assert got["print"].ok and got["print"].value == "whispered"
    assert got["print"].output is not None and "WHISPER-LINE" in got["print"].output
    assert got["after"].ok and got["after"].value == "still here"
    assert not got["hang"].ok and got["hang"].error

    def same(f: TaskFinished) -> tuple:  # the worker's pid differs, nothing else may
        return f.ok, f.value, re.sub(r"pid \d+", "pid N", f.error or ""), f.output

    for key in want:
        assert same(got[key]) == same(want[key]), key
        assert got[key].error is None or "\n" not in got[key].error
    # the engine is alive and the executor still runs calls, inout and compute
    ex.launch(call("io", "sleep_then_return", 0.0, "io ok", kind="inout"))
    ex.launch(call("cpu", "add", 2, 3, processor=1))
    again = collect(ex)
    assert finished(again["io"]).value == "io ok" and finished(again["cpu"]).value == 5


# What a compute call prints and the processes it leaves behind stay with the call, as on the
# local workers (README: "A function cannot poison its worker"): a Dask worker of orchtui's own
# LocalCluster writes to orchtui's stdout, so a print used to land in `--headless --json`.
def compute_call(key: str, func: str, *args: object) -> Task:
    fn = FunctionSpec(func, "compute", impl=f"{FAULTS}:{func}")  # type: ignore[arg-type]
    return Task(key, "compute", processor=0, function=fn, args=args)


def test_a_compute_call_keeps_its_output_and_ends_its_daemons_as_on_local_workers(
        ex: DaskExecutor, tmp_path: Path):
    outputs = {}
    for name, executor in (("real", None), ("dask", ex)):
        pidfile = str(tmp_path / f"{name}.pid")
        with contextlib.ExitStack() as stack:
            if executor is None:
                executor = stack.enter_context(RealExecutor(empty_scenario(), CPUS))
            executor.launch(compute_call("print", "whisper"))
            executor.launch(compute_call("daemon", "start_daemon", pidfile))
            got = {k: finished(v) for k, v in collect(executor).items()}
        assert got["print"].ok and got["print"].value == "whispered", got["print"]
        assert got["daemon"].ok, got["daemon"]
        daemon = int(Path(pidfile).read_text())
        assert not _alive(daemon), f"{name}: the call's daemon {daemon} outlived its call"
        outputs[name] = got["print"].output
    assert outputs["dask"] == outputs["real"]
    assert "WHISPER-LINE" in outputs["dask"] and "WHISPER-FD2" in outputs["dask"]


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def test_one_processor_runs_one_call_at_a_time(ex: DaskExecutor, tmp_path: Path):
    """CPU=1 per worker and per call: a second call placed on a busy processor waits for it
    (where the local executor would time-share), while the other processor runs in parallel."""
    # x1 and y1 each return only once the other has started: the other processor runs meanwhile
    x1_runs, y1_runs = str(tmp_path / "x1"), str(tmp_path / "y1")
    ex.launch(call("x1", "meet", x1_runs, y1_runs, 1, processor=0))
    ex.launch(call("x2", "sleep_then_return", 0.4, 2, processor=0))
    ex.launch(call("y1", "meet", y1_runs, x1_runs, 3, processor=1))
    got = collect(ex)
    assert all(finished(got[k]).ok for k in ("x1", "x2", "y1")), got
    x1, x2 = finished(got["x1"]), started(got["x2"])
    assert x1.t_return is not None and x2.t >= x1.t_return - 1e-3
    assert started(got["x1"]).cpu == x2.cpu == 0 and started(got["y1"]).cpu == 1


def test_unpinned_calls_go_to_any_of_the_workers(ex: DaskExecutor):
    for i in range(4):
        ex.launch(call(f"u{i}", "sleep_then_return", 0.1, i, processor=None, pool=True))
    got = collect(ex)
    assert [finished(got[f"u{i}"]).value for i in range(4)] == [0, 1, 2, 3]
    assert {started(got[f"u{i}"]).cpu for i in range(4)} <= set(CPUS)


def test_compute_calls_get_the_same_call_context_as_on_local_workers(ex: DaskExecutor):
    ex.launch(call("ctx7", "context_call_id", processor=1))
    f = finished(collect(ex)["ctx7"])
    assert f.ok and f.value == "ctx7", f


# -- failures ---------------------------------------------------------------------------------
def test_a_raising_function_fails_its_call_with_one_line(ex: DaskExecutor):
    ex.launch(call("r", "raises", "bad input"))
    ex.launch(call("l", "no_such_function"))
    ex.launch(call("n", "sleep_then_return", 0, "fine", processor=1))
    got = collect(ex)
    r = finished(got["r"])
    assert not r.ok and r.error == f"ValueError: bad input (at {SELF}:{RAISE_LINE} in raises)"
    lf = finished(got["l"])
    assert not lf.ok and lf.error.startswith(f"cannot load '{SELF}:no_such_function'")
    assert "l" not in got or not any(isinstance(e, TaskStarted) for e in got["l"])
    assert finished(got["n"]).value == "fine"


def test_an_unsendable_result_fails_its_call(ex: DaskExecutor):
    ex.launch(call("lock", "unpicklable"))
    f = finished(collect(ex)["lock"])
    assert not f.ok and f.error.startswith("result could not be sent back: ")
    assert "\n" not in f.error and "pickle" in f.error


def test_a_worker_killed_mid_call_fails_that_call_and_is_replaced(ex: DaskExecutor):
    ex.launch(call("victim", "hang", retries=0))
    ex.launch(call("behind", "sleep_then_return", 0, "ran", processor=0))  # queued behind it
    s = wait_started(ex, "victim")
    t_kill = time.monotonic()
    os.kill(s.pid, signal.SIGKILL)
    got = collect(ex, limit=40)
    victim = finished(got["victim"])
    assert not victim.ok
    assert victim.error == (f"worker lost mid-call: Dask worker 0 ({ex.lanes[0]}, pid {s.pid}) "
                            "died; not retried (retries: 0)")
    # The call waiting behind it had not started: it runs on the replacement worker, same CPU.
    behind = got["behind"]
    assert finished(behind).ok and finished(behind).value == "ran"
    assert started(behind).cpu == 0 and started(behind).pid not in (s.pid, None)
    assert time.monotonic() - t_kill < 40
    assert not psutil.pid_exists(s.pid) or psutil.Process(s.pid).status() == "zombie"


def test_a_worker_killed_mid_call_retries_the_call_on_another_worker(ex: DaskExecutor):
    """retries: 1 (the default): the lost attempt is reported, and the call runs again on a
    worker that is up (the other processor's here: the lost one's replacement takes seconds),
    which says where it runs. A second loss, past the retries, fails the call."""
    ex.launch(call("again", "sleep_then_return", 3.0, "second try", processor=0))
    s = wait_started(ex, "again")
    os.kill(s.pid, signal.SIGKILL)
    got = collect(ex, limit=40)["again"]
    retried = [e for e in got if isinstance(e, TaskRetried)]
    assert len(retried) == 1 and (retried[0].attempt, retried[0].retries) == (1, 1)
    assert retried[0].error == (f"worker lost mid-call: Dask worker 0 ({ex.lanes[0]}, "
                                f"pid {s.pid}) died")
    second = started(got[1:])  # wait_started took the first
    assert second.pid not in (s.pid, None) and second.t >= retried[0].t
    assert second.processor in (0, 1) and second.cpu == CPUS[second.processor]
    f = finished(got)
    assert f.ok and f.value == "second try"
    # lost again on the retry: no retry left
    ex.launch(call("twice", "hang", processor=1))
    pids, got = [], []
    end = time.monotonic() + 40
    while ex.in_flight():
        assert time.monotonic() < end
        for e in ex.poll(0.5):
            got.append(e)
            if isinstance(e, TaskStarted):  # kill every attempt
                pids.append(e.pid)
                os.kill(e.pid, signal.SIGKILL)
    assert len(pids) == 2
    f = finished(got)
    assert not f.ok and f.error.endswith(f"pid {pids[1]}) died; attempt 2 of 2, no retry left")
    assert sum(isinstance(e, TaskRetried) for e in got) == 1


def test_a_compute_call_past_its_timeout_fails_and_frees_its_cpu(ex: DaskExecutor):
    ex.launch(call("slow", "hang", processor=1, timeout=0.5))
    s = wait_started(ex, "slow")
    got = collect(ex)
    f = finished(got["slow"])
    assert not f.ok and f.error == "timed out after 0.5 s"
    assert 0.5 <= f.t - s.t < 2.0
    ex.launch(call("after", "thread_affinities", processor=1))
    after = collect(ex, limit=40)["after"]
    assert finished(after).ok and started(after).cpu == 1 and started(after).pid != s.pid


# -- the engine on top ------------------------------------------------------------------------
PLAN = """\
s1: sleep_then_return(0.3, 2)
s2: sleep_then_return(0.3, 3)
s3: sleep_then_return(0.3, 4)
s4: add(s1, s2)
s5: add(s4, s3)
"""


def plan_scenario() -> Scenario:
    sc = plan_only_scenario(PLAN, HERE.parent / "dask_plan.txt",
                            compute={"sleep_then_return"})
    return replace(sc, functions=(spec("sleep_then_return"), spec("add", "inout")))


def test_llmorch_runs_a_plan_on_the_dask_workers(ex: DaskExecutor):
    events = list(Run(plan_scenario(), ex, RunOptions(policy="llmorch", processors=2)).events())
    done = events[-1]
    assert isinstance(done, ev.RunFinished) and done.status == "ok", events
    assert done.answer == "9"
    starts = {e.call: e for e in events if isinstance(e, ev.Started)}
    for c in ("s1", "s2", "s3"):
        assert starts[c].processor in (0, 1)
        assert starts[c].cpu == CPUS[starts[c].processor] and starts[c].affinity == (starts[c].cpu,)
    # inout: a local I/O worker, neither the engine nor a Dask worker
    assert starts["s4"].pid not in (os.getpid(), *(slot.pid for slot in ex.slots))
    assert events[0].mode == "dask"  # type: ignore[attr-defined]


def test_make_run_dask_then_close_leaves_no_process():
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    run = make_run(plan_scenario(), mode="dask", policy="llmorch", processors=2)
    try:
        workers = [s.pid for s in run.executor.slots]  # type: ignore[attr-defined]
        assert all(workers)
        events = list(run.events())
    finally:
        run.executor.close()
        run.executor.close()  # idempotent
    assert events[-1].status == "ok"  # type: ignore[attr-defined]
    left = [p for p in psutil.Process().children(recursive=True)
            if p.pid not in before and "resource_tracker" not in " ".join(_cmdline(p))]
    assert not left, [(p.pid, _cmdline(p)) for p in left]
    assert not any(psutil.pid_exists(pid) for pid in workers)


def _cmdline(p: psutil.Process) -> list[str]:
    try:
        return p.cmdline()
    except psutil.Error:
        return []


def test_session_rejects_scheduler_misuse():
    with pytest.raises(OrchError, match="--scheduler needs --executor dask"):
        make_run(plan_scenario(), mode="real", scheduler="tcp://127.0.0.1:1")
    with pytest.raises(OrchError, match="--cpus"):
        make_run(plan_scenario(), mode="dask", scheduler="tcp://127.0.0.1:1", cpus="0")


def test_the_workers_of_a_sweeps_own_cluster_leave_ctrl_c_to_the_engine():
    """Ctrl-C reaches the whole process group: the workers of the local cluster a sweep starts
    ignore it, as those of a run's own cluster do (each printed a KeyboardInterrupt traceback
    on the engine's stderr)."""
    from orchtui.executors.dask_executor import local_cluster

    def ignores_sigint() -> bool:
        return signal.getsignal(signal.SIGINT) is signal.SIG_IGN

    with local_cluster(2) as address, DaskExecutor(empty_scenario(), CPUS,
                                                   scheduler=address) as swept:
        assert set(swept.client.run(ignores_sigint).values()) == {True}


# -- an external cluster (--scheduler) --------------------------------------------------------
@pytest.mark.slow
def test_an_external_cluster_is_used_and_a_lost_worker_does_not_hang():
    """Workers pinned by $ORCHTUI_CPU; the scheduler keeps Dask's default allowed-failures, so
    the executor itself must notice the lost worker and fail the call."""
    import logging

    from distributed import LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=None, resources={"CPU": 1},
                           env={"ORCHTUI_CPU": "1"}, silence_logs=logging.CRITICAL + 10)
    try:
        with pytest.raises(OrchError, match="has 2 worker"):
            DaskExecutor(empty_scenario(), (0, 1, 2), scheduler=cluster.scheduler_address)
        with DaskExecutor(empty_scenario(), (0, 1),
                          scheduler=cluster.scheduler_address) as ext:
            assert ext.cpus == (1, 1) and ext.lanes[0].endswith("/cpu 1")
            ext.launch(call("e1", "thread_affinities", processor=1))
            f = finished(collect(ext)["e1"])
            assert f.ok and set(f.value) == {(1,)}
            ext.launch(call("k", "hang", processor=0, retries=0))
            s = wait_started(ext, "k")
            os.kill(s.pid, signal.SIGKILL)
            k = finished(collect(ext, limit=20)["k"])
            assert not k.ok and k.error.startswith("worker lost mid-call: Dask worker 0")
        # the external cluster outlives the executor
        assert len(cluster.scheduler_info["workers"]) >= 1
    finally:
        cluster.close()


# -- run on the workers -----------------------------------------------------------------------
def thread_affinities() -> list[tuple[int, ...]]:
    """The affinity of every thread of this process."""
    out = []
    for tid in os.listdir("/proc/self/task"):
        with contextlib.suppress(OSError):  # a thread may end meanwhile
            out.append(tuple(sorted(os.sched_getaffinity(int(tid)))))
    return out


def sleep_then_return(seconds: float, value: object) -> object:
    time.sleep(seconds)
    return value


def add(a: int, b: int) -> int:
    return a + b


def meet(mine: str, partner: str, value: object, limit: float = 10.0) -> object:
    """Say that this call runs (create `mine`), then wait for `partner` to say so: it returns
    only if the two calls ran at the same time, however slow the machine (run one after the
    other, the first one waits for a partner that cannot start, and fails)."""
    Path(mine).touch()
    end = time.monotonic() + limit
    while not os.path.exists(partner):
        if time.monotonic() > end:
            raise TimeoutError(f"{os.path.basename(partner)} did not run alongside")
        time.sleep(0.005)
    return value


def raises(message: str) -> None:
    raise ValueError(message)


RAISE_LINE = raises.__code__.co_firstlineno + 1


def hang() -> None:
    time.sleep(3600)


def context_call_id() -> str | None:
    from orchtui.functions.context import current

    return current().call_id


def unpicklable() -> object:
    import threading

    return threading.Lock()
